using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Domain.Protocols;

/// <summary>
/// One recorded baseline value: a number, a text (categories and dates are text), a yes/no, or an explicit missing
/// code. Exactly one is set; nothing is ever filled in by default.
/// </summary>
public sealed record BaselineValue(double? Number = null, string? Text = null, bool? Flag = null, string? Missing = null)
{
    public bool IsMissing => Missing is not null;

    public static BaselineValue Of(double number) => new(Number: number);
    public static BaselineValue Of(string text) => new(Text: text);
    public static BaselineValue Of(bool flag) => new(Flag: flag);
    public static BaselineValue MissingAs(string code) => new(Missing: code);

    public override string ToString() =>
        Number?.ToString(CultureInfo.InvariantCulture) ?? Text ?? (Flag is { } f ? (f ? "Yes" : "No") : MissingCodes.Label(Missing ?? MissingCodes.Unknown));
}

/// <summary>
/// A patient's baseline values keyed by dictionary variable. In JSON a plain object: numbers, strings, booleans, and
/// <c>{"missing":"notDone"}</c> for a missing code. Nested objects written by the first registry schema
/// (<c>metastaticSites: { count, liver }</c>) read back flattened to dotted keys (<c>metastaticSites.count</c>).
/// </summary>
[JsonConverter(typeof(BaselineValuesJsonConverter))]
public sealed class BaselineValues : IReadOnlyDictionary<string, BaselineValue>, IEquatable<BaselineValues>
{
    private readonly SortedDictionary<string, BaselineValue> values;

    public BaselineValues(IEnumerable<KeyValuePair<string, BaselineValue>> values) =>
        this.values = new SortedDictionary<string, BaselineValue>(values.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);

    public static readonly BaselineValues Empty = new([]);

    public BaselineValue? Get(string key) => values.GetValueOrDefault(key);
    public double? Number(string key) => Get(key)?.Number;
    public string? Text(string key) => Get(key)?.Text;
    public bool? Flag(string key) => Get(key)?.Flag;

    public BaselineValue this[string key] => values[key];
    public IEnumerable<string> Keys => values.Keys;
    public IEnumerable<BaselineValue> Values => values.Values;
    public int Count => values.Count;
    public bool ContainsKey(string key) => values.ContainsKey(key);
    public bool TryGetValue(string key, out BaselineValue value) => values.TryGetValue(key, out value!);
    public IEnumerator<KeyValuePair<string, BaselineValue>> GetEnumerator() => values.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(BaselineValues? other) => other is not null && values.Count == other.values.Count &&
        values.All(p => other.values.TryGetValue(p.Key, out var v) && Equals(v, p.Value));
    public override bool Equals(object? obj) => Equals(obj as BaselineValues);
    public override int GetHashCode() => values.Aggregate(0, (h, p) => HashCode.Combine(h, p.Key, p.Value));
}

public sealed class BaselineValuesJsonConverter : JsonConverter<BaselineValues>
{
    public override BaselineValues Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new JsonException("baseline must be an object of variable keys and values.");
        var values = new List<KeyValuePair<string, BaselineValue>>();
        Flatten(document.RootElement, "", values);
        return new BaselineValues(values);
    }

    private static void Flatten(JsonElement element, string prefix, List<KeyValuePair<string, BaselineValue>> values)
    {
        foreach (var property in element.EnumerateObject())
        {
            var key = prefix + property.Name;
            var value = property.Value;
            switch (value.ValueKind)
            {
                case JsonValueKind.Number: values.Add(new(key, BaselineValue.Of(value.GetDouble()))); break;
                case JsonValueKind.String: values.Add(new(key, BaselineValue.Of(value.GetString()!))); break;
                case JsonValueKind.True or JsonValueKind.False: values.Add(new(key, BaselineValue.Of(value.GetBoolean()))); break;
                case JsonValueKind.Null: values.Add(new(key, BaselineValue.MissingAs(MissingCodes.Unknown))); break;
                case JsonValueKind.Object when value.TryGetProperty("missing", out var code) && code.ValueKind == JsonValueKind.String:
                    values.Add(new(key, BaselineValue.MissingAs(code.GetString()!)));
                    break;
                case JsonValueKind.Object: Flatten(value, key + ".", values); break;
                default: throw new JsonException($"baseline.{key} must be a number, a string, true/false, null or {{\"missing\":\"unknown|notDone\"}}.");
            }
        }
    }

    public override void Write(Utf8JsonWriter writer, BaselineValues value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, v) in value)
        {
            writer.WritePropertyName(key);
            if (v.Number is { } n) writer.WriteNumberValue(n);
            else if (v.Text is { } t) writer.WriteStringValue(t);
            else if (v.Flag is { } f) writer.WriteBooleanValue(f);
            else
            {
                writer.WriteStartObject();
                writer.WriteString("missing", v.Missing ?? MissingCodes.Unknown);
                writer.WriteEndObject();
            }
        }
        writer.WriteEndObject();
    }
}
