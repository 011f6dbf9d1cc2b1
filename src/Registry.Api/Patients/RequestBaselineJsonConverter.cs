using System.Text.Json;
using System.Text.Json.Serialization;
using Registry.Domain.Protocols;

namespace Registry.Api.Patients;

/// <summary>
/// A baseline as a request sends it: read as the domain reads every baseline (<see cref="BaselineValuesJsonConverter"/>:
/// nested objects flatten to dotted keys), except that an object which would record nothing — <c>{}</c>, or a missing
/// code with other members beside it — is refused instead of silently dropped. Stored events keep the domain's reading.
/// </summary>
public sealed class RequestBaselineJsonConverter : JsonConverter<BaselineValues>
{
    private static readonly BaselineValuesJsonConverter Domain = new();

    public override BaselineValues Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind == JsonValueKind.Object) Check(document.RootElement, "");
        var copy = new Utf8JsonReader(JsonSerializer.SerializeToUtf8Bytes(document.RootElement));
        copy.Read();
        return Domain.Read(ref copy, typeToConvert, options);
    }

    private static void Check(JsonElement element, string prefix)
    {
        foreach (var property in element.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object))
        {
            var key = prefix + property.Name;
            var members = property.Value.EnumerateObject().Select(m => m.Name).ToList();
            if (members.Count == 0)
                throw new JsonException($"baseline.{key} is an empty object: send a value, null, or {{\"missing\":\"unknown|notDone\"}}.");
            if (property.Value.TryGetProperty("missing", out var code) && code.ValueKind == JsonValueKind.String)
            {
                if (members.FirstOrDefault(m => m != "missing") is { } other)
                    throw new JsonException($"baseline.{key} records a missing code, which is {{\"missing\":\"unknown|notDone\"}} alone; '{other}' is not part of it.");
                continue;
            }
            Check(property.Value, key + ".");
        }
    }

    public override void Write(Utf8JsonWriter writer, BaselineValues value, JsonSerializerOptions options) => Domain.Write(writer, value, options);
}
