using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Domain.Protocols;

namespace Registry.Protocols.Tests;

/// <summary>The schema states the registry's protocol limits (<see cref="ProtocolLimits"/>) with the same numbers, and both refuse one past them.</summary>
public class LimitTests
{
    public static TheoryData<string, string, int> Limits => new()
    {
        { "/properties/arms", "maxItems", ProtocolLimits.Arms },
        { "/$defs/arm/properties/regimen", "maxItems", ProtocolLimits.RegimenComponents },
        { "/properties/variables", "maxItems", ProtocolLimits.Variables },
        { "/$defs/variable/properties/levels", "maxItems", ProtocolLimits.Levels },
        { "/$defs/variable/properties/levels/items", "maxLength", ProtocolLimits.NameLength },
        { "/$defs/variable/properties/unit", "maxLength", ProtocolLimits.NameLength },
        { "/$defs/grouping/properties/cutPoints", "maxItems", ProtocolLimits.CutPoints },
        { "/$defs/grouping/properties/labels", "maxItems", ProtocolLimits.CutPoints + 1 },
        { "/$defs/grouping/properties/labels/items", "maxLength", ProtocolLimits.NameLength },
        { "/$defs/grouping/properties/merge", "maxItems", ProtocolLimits.MergedGroups },
        { "/$defs/mergedLevels/properties/label", "maxLength", ProtocolLimits.NameLength },
        { "/properties/eligibility", "maxItems", ProtocolLimits.EligibilityCriteria },
        { "/$defs/eligibilityCriterion/properties/label", "maxLength", ProtocolLimits.LabelLength },
        { "/properties/stratificationFactors", "maxItems", ProtocolLimits.StratificationFactors },
        { "/properties/endpoints", "maxItems", EndpointCatalogue.All.Count },
        { "/properties/landmarks", "maxItems", ProtocolLimits.Landmarks },
        { "/$defs/analysisPlan/properties/pooled", "maxProperties", ProtocolLimits.PooledGroups },
        { "/$defs/analysisPlan/properties/pooled/propertyNames", "maxLength", ProtocolLimits.NameLength },
        { "/$defs/analysisPlan/properties/pooled/additionalProperties", "maxItems", ProtocolLimits.Arms },
        { "/$defs/analysisPlan/properties/comparisons", "maxItems", ProtocolLimits.Comparisons },
        { "/$defs/analysisPlan/properties/stratifyBy", "maxItems", ProtocolLimits.StratifyBy },
        { "/$defs/analysisPlan/properties/adjustFor", "maxItems", ProtocolLimits.AdjustFor },
        { "/$defs/analysisPlan/properties/subgroups", "maxItems", ProtocolLimits.Subgroups },
    };

    [Theory]
    [MemberData(nameof(Limits))]
    public void The_schema_states_each_limit_the_rules_apply(string pointer, string keyword, int limit)
    {
        var node = pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate(Schema.Document, (e, part) => e.GetProperty(part));
        Assert.Equal(limit, node.GetProperty(keyword).GetInt32());
    }

    [Theory]
    [InlineData("arms", "/arms")]
    [InlineData("endpoint listed twice", "/endpoints")]
    [InlineData("subgroup listed twice", "/analysis/subgroups")]
    public void One_past_a_limit_is_refused_by_the_schema_and_the_registry(string fault, string location)
    {
        var protocol = JsonNode.Parse(DocumentedExamples.All.Values.First())!.AsObject();
        switch (fault)
        {
            case "arms":
                var arms = protocol["arms"]!.AsArray();
                for (var i = arms.Count; i <= ProtocolLimits.Arms; i++) arms.Add(new JsonObject { ["code"] = $"X{i}", ["name"] = $"Arm {i}" });
                break;
            case "endpoint listed twice": protocol["endpoints"]!.AsArray().Add(protocol["endpoints"]![0]!.GetValue<string>()); break;
            case "subgroup listed twice":
                var plan = protocol["analysis"] ??= new JsonObject();
                var key = protocol["variables"]!.AsArray().Select(v => v!["key"]!.GetValue<string>()).First(k => protocol["variables"]!.AsArray()
                    .Any(v => v!["key"]!.GetValue<string>() == k && v["type"]!.GetValue<string>() is "category" or "boolean"));
                plan["subgroups"] = new JsonArray(key, key);
                break;
        }
        var json = protocol.ToJsonString();
        var errors = Schema.Errors(json);
        Assert.True(errors.Any(e => e.StartsWith(location + " ", StringComparison.Ordinal)),
            $"Expected a schema error at {location}; the schema said:\n{string.Join("\n", errors)}");
        Assert.NotEmpty(ProtocolRules.Errors(Schema.Read(json)));
    }
}
