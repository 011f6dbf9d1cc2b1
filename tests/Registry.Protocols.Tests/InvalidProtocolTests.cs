using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Domain.Protocols;

namespace Registry.Protocols.Tests;

/// <summary>
/// Protocols the registry refuses: the schema refuses each, at the faulty field; an unknown property or a number in
/// quotes is also refused by the API's reading, and every other fault by <see cref="ProtocolRules"/>, so schema and
/// registry agree.
/// </summary>
public class InvalidProtocolTests
{
    private const string Valid = """
        {
          "code": "TEST-1",
          "title": "A small valid study",
          "design": "non-randomized",
          "timeOrigin": "treatmentStart",
          "arms": [ { "code": "A", "name": "Arm A", "regimen": [ { "class": "chemotherapy", "agents": 2 } ] },
                    { "code": "B", "name": "Arm B" } ],
          "variables": [
            { "key": "age", "label": "Age", "type": "integer", "min": 18, "max": 100, "grouping": { "cutPoints": [65] } },
            { "key": "stage", "label": "Stage", "type": "category", "levels": ["III", "IV"] },
            { "key": "ebvDna", "label": "EBV DNA", "type": "decimal", "required": false, "missing": ["notDone"] }
          ],
          "eligibility": [ { "variable": "age", "min": 18 } ],
          "endpoints": ["pfs", "os", "orr"],
          "response": { "criteria": "RECIST 1.1" },
          "analysis": { "reference": "B", "comparisons": [ { "arm": "A", "reference": "B" } ], "subgroups": ["stage"] }
        }
        """;

    public enum RefusedBy { Reading, Rules }

    public static TheoryData<string, RefusedBy, string> Cases => new()
    {
        { "unknown top-level property", RefusedBy.Reading, "/sponsor" },
        { "unknown arm property", RefusedBy.Reading, "/arms/0/dose" },
        { "unknown regimen component property", RefusedBy.Reading, "/arms/0/regimen/0/cycles" },
        { "unknown variable property", RefusedBy.Reading, "/variables/0/format" },
        { "unknown grouping property", RefusedBy.Reading, "/variables/0/grouping/closed" },
        { "unknown eligibility property", RefusedBy.Reading, "/eligibility/0/operator" },
        { "unknown response property", RefusedBy.Reading, "/response/window" },
        { "unknown analysis property", RefusedBy.Reading, "/analysis/alpha" },
        { "unknown comparison property", RefusedBy.Reading, "/analysis/comparisons/0/sided" },
        { "number in quotes", RefusedBy.Reading, "/variables/0/min" },
        { "design not in the catalogue", RefusedBy.Rules, "/design" },
        { "time origin not in the catalogue", RefusedBy.Rules, "/timeOrigin" },
        { "endpoint not in the catalogue", RefusedBy.Rules, "/endpoints/3" },
        { "variable type not in the catalogue", RefusedBy.Rules, "/variables/1/type" },
        { "component class not in the catalogue", RefusedBy.Rules, "/arms/0/regimen/0/class" },
        { "missing code not in the catalogue", RefusedBy.Rules, "/variables/2/missing/0" },
        { "response criteria not supported", RefusedBy.Rules, "/response/criteria" },
        { "time unit neither months nor days", RefusedBy.Rules, "/timeUnit" },
        { "endpoints left out", RefusedBy.Rules, "/" },
        { "no arms", RefusedBy.Rules, "/arms" },
        { "arm code with '+'", RefusedBy.Rules, "/arms/0/code" },
        { "landmark of 0 months", RefusedBy.Rules, "/landmarks/0" },
        { "randomized study counting from treatment start", RefusedBy.Rules, "/timeOrigin" },
        { "randomized study with one arm", RefusedBy.Rules, "/arms" },
        { "single-arm study with two arms", RefusedBy.Rules, "/arms" },
        { "stratification factors in a non-randomized study", RefusedBy.Rules, "/stratificationFactors" },
        { "category without levels", RefusedBy.Rules, "/variables/1" },
        { "levels on a number", RefusedBy.Rules, "/variables/0/levels" },
        { "min on a category", RefusedBy.Rules, "/variables/1/min" },
        { "required variable with missing codes", RefusedBy.Rules, "/variables/2/required" },
        { "cut-points on a category", RefusedBy.Rules, "/variables/1/type" },
        { "merged levels on a number", RefusedBy.Rules, "/variables/0/type" },
        { "confirmation interval over a year", RefusedBy.Rules, "/response/confirmationMinimumDays" },
    };

    private static void Mutate(string fault, JsonObject p)
    {
        JsonObject Arm(int i) => p["arms"]![i]!.AsObject();
        JsonObject Var(string key) => p["variables"]!.AsArray().Select(v => v!.AsObject()).Single(v => (string?)v["key"] == key);
        switch (fault)
        {
            case "unknown top-level property": p["sponsor"] = "ACME"; break;
            case "unknown arm property": Arm(0)["dose"] = "200 mg"; break;
            case "unknown regimen component property": Arm(0)["regimen"]![0]!["cycles"] = 6; break;
            case "unknown variable property": Var("age")["format"] = "0"; break;
            case "unknown grouping property": Var("age")["grouping"]!["closed"] = "right"; break;
            case "unknown eligibility property": p["eligibility"]![0]!["operator"] = ">="; break;
            case "unknown response property": p["response"]!["window"] = 7; break;
            case "unknown analysis property": p["analysis"]!["alpha"] = 0.05; break;
            case "unknown comparison property": p["analysis"]!["comparisons"]![0]!["sided"] = 2; break;
            case "number in quotes": Var("age")["min"] = "18"; break;
            case "design not in the catalogue": p["design"] = "crossover"; break;
            case "time origin not in the catalogue": p["timeOrigin"] = "diagnosis"; break;
            case "endpoint not in the catalogue": p["endpoints"]!.AsArray().Add("pcr"); break;
            case "variable type not in the catalogue": Var("stage")["type"] = "string"; Var("stage").Remove("levels"); break;
            case "component class not in the catalogue": Arm(0)["regimen"]![0]!["class"] = "targeted-therapy"; break;
            case "missing code not in the catalogue": Var("ebvDna")["missing"] = new JsonArray("refused"); break;
            case "response criteria not supported": p["response"]!["criteria"] = "mRECIST"; break;
            case "time unit neither months nor days": p["timeUnit"] = "weeks"; break;
            case "endpoints left out": p.Remove("endpoints"); break;
            case "no arms": p["arms"] = new JsonArray(); p.Remove("analysis"); break;
            case "arm code with '+'": Arm(0)["code"] = "A+B"; p.Remove("analysis"); break;
            case "landmark of 0 months": p["landmarks"] = new JsonArray(0, 12); break;
            case "randomized study counting from treatment start": p["design"] = "randomized"; break;
            case "randomized study with one arm":
                p["design"] = "randomized"; p["timeOrigin"] = "randomization"; p["arms"]!.AsArray().RemoveAt(1); p.Remove("analysis"); break;
            case "single-arm study with two arms": p["design"] = "single-arm"; break;
            case "stratification factors in a non-randomized study": p["stratificationFactors"] = new JsonArray("stage"); break;
            case "category without levels": Var("stage").Remove("levels"); break;
            case "levels on a number": Var("age")["levels"] = new JsonArray("young", "old"); break;
            case "min on a category": Var("stage")["min"] = 1; break;
            case "required variable with missing codes": Var("ebvDna")["required"] = true; break;
            case "cut-points on a category": Var("stage")["grouping"] = new JsonObject { ["cutPoints"] = new JsonArray(3) }; break;
            case "merged levels on a number":
                Var("age")["grouping"] = new JsonObject
                {
                    ["merge"] = new JsonArray(new JsonObject { ["label"] = "old", ["levels"] = new JsonArray("65") }),
                };
                break;
            case "confirmation interval over a year": p["response"]!["confirmationMinimumDays"] = 400; break;
            default: throw new ArgumentException($"No such case: {fault}");
        }
    }

    [Fact]
    public void The_valid_base_protocol_is_valid()
    {
        Assert.Empty(Schema.Errors(Valid));
        Assert.Empty(ProtocolRules.Errors(Schema.Read(Valid)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_schema_refuses_it_where_it_is_wrong_and_so_does_the_registry(string fault, RefusedBy refusedBy, string location)
    {
        var protocol = JsonNode.Parse(Valid)!.AsObject();
        Mutate(fault, protocol);
        var json = protocol.ToJsonString();

        var errors = Schema.Errors(json);
        Assert.True(errors.Any(e => e.StartsWith(location + " ", StringComparison.Ordinal)),
            $"Expected a schema error at {location}; the schema said:\n{string.Join("\n", errors)}");
        if (refusedBy == RefusedBy.Reading)
            Assert.Throws<JsonException>(() => Schema.Read(json));
        else
            Assert.NotEmpty(ProtocolRules.Errors(Schema.Read(json)));
    }

    [Fact]
    public void An_unknown_property_is_named_in_the_schema_s_errors()
    {
        var protocol = JsonNode.Parse(Valid)!.AsObject();
        protocol["arms"]![0]!["dose"] = "200 mg";
        var errors = Schema.Errors(protocol.ToJsonString());
        Assert.Contains(errors, e => e.StartsWith("/arms/0", StringComparison.Ordinal));
    }

    [Fact]
    public void Null_for_an_optional_field_is_valid()
    {
        var protocol = JsonNode.Parse(Valid)!.AsObject();
        foreach (var optional in new[] { "setting", "eligibility", "stratificationFactors", "primaryEndpoint", "landmarks", "timeUnit", "response", "analysis" })
            protocol[optional] = null;
        var json = protocol.ToJsonString();
        Assert.Empty(Schema.Errors(json));
        Assert.Empty(ProtocolRules.Errors(Schema.Read(json)));
    }

    /// <summary>
    /// The records serialize their computed members too (Protocol.ResponseCriteria, LandmarkMonths, InDays,
    /// IsRandomized, GroupableVariables; Variable.IsNumeric, IsGroupable, AllowedMissing), which the schema does not
    /// describe: whoever writes a protocol back must leave them out (or the records mark them [JsonIgnore]).
    /// Everything else the registry writes back, nulls included, is valid against the schema.
    /// </summary>
    [Theory]
    [MemberData(nameof(DocumentedExamples.Names), MemberType = typeof(DocumentedExamples))]
    public void A_protocol_written_back_without_its_computed_members_is_valid(string name)
    {
        var written = JsonNode.Parse(JsonSerializer.Serialize(Schema.Read(DocumentedExamples.All[name]), Schema.Api))!.AsObject();
        foreach (var computed in new[] { "responseCriteria", "landmarkMonths", "inDays", "isRandomized", "groupableVariables" })
            written.Remove(computed);
        foreach (var variable in written["variables"]!.AsArray().Select(v => v!.AsObject()))
            foreach (var computed in new[] { "isNumeric", "isGroupable", "allowedMissing" })
                variable.Remove(computed);
        var errors = Schema.Errors(written.ToJsonString());
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
