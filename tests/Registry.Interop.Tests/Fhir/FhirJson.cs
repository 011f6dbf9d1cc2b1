using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Registry.Interop.Fhir;

namespace Registry.Interop.Tests.Fhir;

/// <summary>A bundle as a FHIR client reads it: written as JSON, parsed back by the SDK's strict parser.</summary>
public static class FhirJson
{
    public static async Task<string> WriteAsync(Bundle bundle)
    {
        using var buffer = new MemoryStream();
        await FhirStudyBundle.WriteAsync(bundle, buffer, CancellationToken.None);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Parses strictly: an unknown element, a value of the wrong type or an invalid code fails. (FhirJsonDeserializer
    /// replaces the SDK's FhirJsonParser, obsolete since 6.0; strict mode is what PermissiveParsing = false was.)
    /// </summary>
    public static Bundle Parse(string json) =>
        new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Strict)).Deserialize<Bundle>(json);

    /// <summary>Every <c>reference</c> in the bundle's JSON that names no entry's fullUrl.</summary>
    public static IReadOnlyList<string> UnresolvedReferences(string json)
    {
        using var document = JsonDocument.Parse(json);
        var fullUrls = document.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("fullUrl").GetString()!).ToHashSet();
        var references = new List<string>();
        void Walk(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Object)
                foreach (var property in element.EnumerateObject())
                    if (property.Name == "reference" && property.Value.ValueKind == JsonValueKind.String) references.Add(property.Value.GetString()!);
                    else Walk(property.Value);
            else if (element.ValueKind == JsonValueKind.Array)
                foreach (var item in element.EnumerateArray()) Walk(item);
        }
        Walk(document.RootElement);
        Assert.NotEmpty(references);
        return references.Where(r => !fullUrls.Contains(r)).ToList();
    }
}
