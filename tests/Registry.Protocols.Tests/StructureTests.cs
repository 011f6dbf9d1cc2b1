using System.Reflection;
using System.Text.Json;
using Registry.Domain.Protocols;

namespace Registry.Protocols.Tests;

/// <summary>The schema says exactly what the C# records say: the same properties, required and nullable alike, the catalogues' values, the records' defaults.</summary>
public class StructureTests
{
    public static TheoryData<string, Type> Objects => new()
    {
        { "", typeof(Protocol) },
        { "arm", typeof(ProtocolArm) },
        { "regimenComponent", typeof(RegimenComponent) },
        { "variable", typeof(Variable) },
        { "grouping", typeof(Grouping) },
        { "mergedLevels", typeof(MergedLevels) },
        { "eligibilityCriterion", typeof(EligibilityCriterion) },
        { "responseCriteria", typeof(ResponseCriteria) },
        { "analysisPlan", typeof(AnalysisPlan) },
        { "plannedComparison", typeof(PlannedComparison) },
    };

    private static JsonElement Definition(string name) =>
        name.Length == 0 ? Schema.Document : Schema.Document.GetProperty("$defs").GetProperty(name);

    private static ParameterInfo[] Parameters(Type record) =>
        record.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First().GetParameters();

    private static string CamelCase(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);

    [Theory]
    [MemberData(nameof(Objects))]
    public void An_object_has_the_record_s_properties_and_refuses_any_other(string name, Type record)
    {
        var definition = Definition(name);
        Assert.Equal("object", definition.GetProperty("type").GetString());
        Assert.False(definition.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(
            Parameters(record).Select(p => CamelCase(p.Name!)).Order(StringComparer.Ordinal),
            definition.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void Required_properties_are_the_record_s_parameters_without_a_default(string name, Type record)
    {
        var required = Definition(name).GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal);
        Assert.Equal(Parameters(record).Where(p => !p.HasDefaultValue).Select(p => CamelCase(p.Name!)).Order(StringComparer.Ordinal), required);
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void A_property_admits_null_exactly_when_the_record_s_parameter_is_nullable(string name, Type record)
    {
        var nullability = new NullabilityInfoContext();
        var properties = Definition(name).GetProperty("properties");
        foreach (var parameter in Parameters(record))
        {
            var nullable = nullability.Create(parameter).WriteState == NullabilityState.Nullable;
            Assert.True(nullable == AdmitsNull(properties.GetProperty(CamelCase(parameter.Name!))),
                $"{record.Name}.{parameter.Name} is {(nullable ? "" : "not ")}nullable in C#; the schema should {(nullable ? "" : "not ")}admit null.");
        }
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void A_schema_default_is_the_record_s_default(string name, Type record)
    {
        var properties = Definition(name).GetProperty("properties");
        foreach (var parameter in Parameters(record).Where(p => p.HasDefaultValue && p.DefaultValue is not null))
        {
            var property = properties.GetProperty(CamelCase(parameter.Name!));
            Assert.True(property.TryGetProperty("default", out var @default), $"{record.Name}.{parameter.Name} defaults to {parameter.DefaultValue}; the schema should say so.");
            Assert.Equal(JsonSerializer.Serialize(parameter.DefaultValue), @default.GetRawText());
        }
    }

    private static bool AdmitsNull(JsonElement property)
    {
        if (property.TryGetProperty("type", out var type))
            return type.ValueKind == JsonValueKind.Array && type.EnumerateArray().Any(t => t.GetString() == "null");
        return property.TryGetProperty("anyOf", out var anyOf) &&
               anyOf.EnumerateArray().Any(s => s.TryGetProperty("type", out var t) && t.GetString() == "null");
    }

    [Fact]
    public void Enumerations_are_the_registry_s_catalogues()
    {
        static IEnumerable<string> Enum(JsonElement e) =>
            (e.TryGetProperty("items", out var items) ? items : e).GetProperty("enum").EnumerateArray()
                .Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!);
        var root = Schema.Document.GetProperty("properties");
        var defs = Schema.Document.GetProperty("$defs");
        var endpoints = EndpointCatalogue.All.Select(e => e.Code).ToList();

        Assert.Equal(StudyDesigns.All, Enum(root.GetProperty("design")));
        Assert.Equal(TimeOrigins.All, Enum(root.GetProperty("timeOrigin")));
        Assert.Equal(endpoints, Enum(root.GetProperty("endpoints")));
        Assert.Equal(endpoints, Enum(root.GetProperty("primaryEndpoint")));
        Assert.Equal(VariableTypes.All, Enum(defs.GetProperty("variable").GetProperty("properties").GetProperty("type")));
        Assert.Equal(MissingCodes.All, Enum(defs.GetProperty("variable").GetProperty("properties").GetProperty("missing")));
        Assert.Equal(ComponentClasses.All, Enum(defs.GetProperty("regimenComponent").GetProperty("properties").GetProperty("class")));
    }

    [Fact]
    public void Every_property_has_a_title_and_a_description()
    {
        var missing = new List<string>();
        void Walk(JsonElement element, string path)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var item in element.EnumerateArray()) Walk(item, $"{path}/{i++}");
                return;
            }
            if (element.ValueKind != JsonValueKind.Object) return;
            foreach (var member in element.EnumerateObject())
            {
                if (member.Name is "examples" or "default" or "const" or "enum") continue;
                if (member.Name == "properties" && path.Split('/').All(p => p is not ("if" or "then" or "else")))
                    foreach (var property in member.Value.EnumerateObject())
                        foreach (var keyword in new[] { "title", "description" })
                            if (!property.Value.TryGetProperty(keyword, out var text) || string.IsNullOrWhiteSpace(text.GetString()))
                                missing.Add($"{path}/properties/{property.Name} has no {keyword}");
                Walk(member.Value, $"{path}/{member.Name}");
            }
        }
        Walk(Schema.Document, "#");
        Assert.Empty(missing);
        Assert.All(Schema.Document.GetProperty("$defs").EnumerateObject(), d => Assert.True(d.Value.TryGetProperty("description", out _), d.Name));
    }

    [Fact]
    public void The_schema_is_draft_2020_12_and_embedded_in_the_domain_assembly()
    {
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", Schema.Document.GetProperty("$schema").GetString());
        Assert.Same(ProtocolSchema.Json, ProtocolSchema.Json);
        var onDisk = File.ReadAllText(Path.Combine(DocumentedExamples.RepositoryRoot, "src", "Registry.Domain", "Protocols", "protocol.schema.json"));
        Assert.Equal(onDisk, ProtocolSchema.Json);
    }
}
