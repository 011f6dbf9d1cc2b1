using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Registry.Audit;

/// <summary>
/// The one canonical form of a payload the audit chain hashes: object keys in ordinal order (a repeated key keeps its
/// place among its equals), no whitespace, every number as the shortest text that round-trips its double, strings
/// unescaped wherever JSON allows. The serializer's text and jsonb's text of the same payload give the same bytes, so
/// sealing (from the serializer) and verification (from jsonb read back) read it with this same code.
/// </summary>
public static class CanonicalJson
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the JSON value <paramref name="json"/> canonically.</summary>
    public static void Write(Utf8JsonWriter writer, string json)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            Write(writer, rented.AsSpan(0, Encoding.UTF8.GetBytes(json, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes the JSON value <paramref name="utf8"/> (one value, UTF-8) canonically.</summary>
    public static void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read()) throw new JsonException("A payload must hold one JSON value.");
        WriteValue(writer, utf8, ref reader);
    }

    /// <summary>The canonical text of <paramref name="json"/>, for tests and readers.</summary>
    public static string Of(string json)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) Write(writer, json);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // An object's members are found in one pass (name, and where its value starts), then written in key order, each
    // value read again from where it starts: no document is built.
    private static void WriteValue(Utf8JsonWriter writer, ReadOnlySpan<byte> json, ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                // Each object's members take the top of one list per thread; nested objects stack above them.
                var members = Members ??= new List<Member>(64);
                var first = members.Count;
                // A key of plain ASCII, as nearly every payload's are, is kept as where it is in the text: its bytes sort as its
                // characters do. Any other key (escaped, or beyond ASCII) has every key of its object read as a string.
                var ascii = true;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var plain = !reader.ValueIsEscaped && Ascii.IsValid(reader.ValueSpan);
                    var name = plain ? null : reader.GetString()!;
                    var (nameStart, nameLength) = ((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
                    ascii &= plain;
                    reader.Read();
                    members.Add(new Member(name, nameStart, nameLength, (int)reader.TokenStartIndex));
                    reader.Skip();
                }
                var count = members.Count - first;
                if (ascii) SortByAsciiKey(members, first, count, json);
                else
                {
                    for (var i = first; i < first + count; i++)
                        if (members[i].Name is null) members[i] = members[i] with { Name = Encoding.ASCII.GetString(json.Slice(members[i].NameStart, members[i].NameLength)) };
                    members.Sort(first, count, null);
                }
                writer.WriteStartObject();
                try
                {
                    for (var i = first; i < first + count; i++)
                    {
                        if (members[i].Name is { } name) writer.WritePropertyName(name);
                        else writer.WritePropertyName(json.Slice(members[i].NameStart, members[i].NameLength));
                        var value = json[members[i].Start..];
                        var valueReader = new Utf8JsonReader(value);
                        valueReader.Read();
                        WriteValue(writer, value, ref valueReader);
                    }
                }
                finally
                {
                    members.RemoveRange(first, members.Count - first);
                }
                writer.WriteEndObject();
                break;
            case JsonTokenType.StartArray:
                writer.WriteStartArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) WriteValue(writer, json, ref reader);
                writer.WriteEndArray();
                break;
            case JsonTokenType.Number:
                // jsonb may print 1E-05 as 0.00001; both parse to the same double.
                Span<char> number = stackalloc char[32];
                reader.GetDouble().TryFormat(number, out var length, "R", CultureInfo.InvariantCulture);
                writer.WriteRawValue(number[..length], skipInputValidation: true);
                break;
            case JsonTokenType.String when !reader.ValueIsEscaped:
                writer.WriteStringValue(reader.ValueSpan);
                break;
            case JsonTokenType.String:
                writer.WriteStringValue(reader.GetString());
                break;
            case JsonTokenType.True or JsonTokenType.False:
                writer.WriteBooleanValue(reader.GetBoolean());
                break;
            case JsonTokenType.Null:
                writer.WriteNullValue();
                break;
            default:
                throw new JsonException($"Unexpected {reader.TokenType} in a payload.");
        }
    }

    [ThreadStatic] private static List<Member>? Members;

    /// <summary>
    /// Sorts an object's members of plain ASCII keys by their bytes, stably (so by place among equal keys): an insertion
    /// sort, the few keys of a payload's object being nearly in order already.
    /// </summary>
    private static void SortByAsciiKey(List<Member> members, int first, int count, ReadOnlySpan<byte> json)
    {
        for (var i = first + 1; i < first + count; i++)
        {
            var member = members[i];
            var key = json.Slice(member.NameStart, member.NameLength);
            var j = i - 1;
            for (; j >= first && json.Slice(members[j].NameStart, members[j].NameLength).SequenceCompareTo(key) > 0; j--) members[j + 1] = members[j];
            members[j + 1] = member;
        }
    }

    /// <summary>
    /// A member of an object: its key (or, for a key of plain ASCII, where its text is), and where its value starts;
    /// ordered by key, then by place.
    /// </summary>
    private readonly record struct Member(string? Name, int NameStart, int NameLength, int Start) : IComparable<Member>
    {
        public int CompareTo(Member other)
        {
            var byName = string.CompareOrdinal(Name, other.Name);
            return byName != 0 ? byName : Start.CompareTo(other.Start);
        }
    }
}
