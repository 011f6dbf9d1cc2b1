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
    // Sorted by key (ordinal) in two arrays: a kept study view holds one per patient, so no tree nodes per value.
    private readonly string[] keys;
    private readonly BaselineValue[] values;

    public BaselineValues(IEnumerable<KeyValuePair<string, BaselineValue>> values)
    {
        // Pairs already in key order, each key once (as a chart's compact entries store them), are split as they come:
        // every patient of a set at a new moment is read, and a dictionary and a sort per patient added up.
        if (values is KeyValuePair<string, BaselineValue>[] pairs && InKeyOrder(pairs))
        {
            keys = new string[pairs.Length];
            this.values = new BaselineValue[pairs.Length];
            for (var i = 0; i < pairs.Length; i++) (keys[i], this.values[i]) = (pairs[i].Key, pairs[i].Value);
            return;
        }
        var sorted = values.ToDictionary(p => p.Key, p => p.Value).OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
        keys = sorted.Select(p => p.Key).ToArray();
        this.values = sorted.Select(p => p.Value).ToArray();
    }

    private BaselineValues(string[] keys, BaselineValue[] values) => (this.keys, this.values) = (keys, values);

    private static bool InKeyOrder(KeyValuePair<string, BaselineValue>[] pairs)
    {
        for (var i = 0; i < pairs.Length; i++)
            if (pairs[i].Key is null || i > 0 && string.CompareOrdinal(pairs[i - 1].Key, pairs[i].Key) >= 0) return false;
        return true;
    }

    public static readonly BaselineValues Empty = new([]);

    /// <summary>
    /// The same values built from shared parts: <paramref name="keySet"/> may return an equal key array already kept,
    /// <paramref name="value"/> an equal value; many patients' baselines then share their keys and categories.
    /// </summary>
    public BaselineValues Sharing(Func<string[], string[]> keySet, Func<BaselineValue, BaselineValue> value)
    {
        var shared = new BaselineValue[values.Length];
        for (var i = 0; i < shared.Length; i++) shared[i] = value(values[i]);
        return new(keySet(keys), shared);
    }

    public BaselineValue? Get(string key) => Array.BinarySearch(keys, key, StringComparer.Ordinal) is var i and >= 0 ? values[i] : null;

    /// <summary>
    /// <see cref="Get(string)"/> for a pass over many patients' values of one key: kept baselines share a few key
    /// sets, so <paramref name="position"/> remembers where the key sits in the last set searched, and each set is searched once.
    /// </summary>
    public BaselineValue? Get(string key, ref KeyPosition position)
    {
        if (!ReferenceEquals(position.Keys, keys)) (position.Keys, position.Index) = (keys, Array.BinarySearch(keys, key, StringComparer.Ordinal));
        return position.Index >= 0 ? values[position.Index] : null;
    }

    /// <summary>Where one key sits in a key set (negative: not in it); start each pass over one key with <c>default</c>.</summary>
    public struct KeyPosition
    {
        internal string[]? Keys;
        internal int Index;
    }
    public double? Number(string key) => Get(key)?.Number;
    public string? Text(string key) => Get(key)?.Text;
    public bool? Flag(string key) => Get(key)?.Flag;

    public BaselineValue this[string key] => Get(key) ?? throw new KeyNotFoundException($"No baseline value '{key}'.");
    public IEnumerable<string> Keys => keys.AsReadOnly();
    public IEnumerable<BaselineValue> Values => values.AsReadOnly();
    public int Count => keys.Length;
    public bool ContainsKey(string key) => Array.BinarySearch(keys, key, StringComparer.Ordinal) >= 0;

    public bool TryGetValue(string key, out BaselineValue value)
    {
        value = Get(key)!;
        return value is not null;
    }

    public IEnumerator<KeyValuePair<string, BaselineValue>> GetEnumerator()
    {
        for (var i = 0; i < keys.Length; i++) yield return new(keys[i], values[i]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(BaselineValues? other) => other is not null && keys.AsSpan().SequenceEqual(other.keys) && values.AsSpan().SequenceEqual(other.values);
    public override bool Equals(object? obj) => Equals(obj as BaselineValues);
    public override int GetHashCode() => this.Aggregate(0, (h, p) => HashCode.Combine(h, p.Key, p.Value));
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
