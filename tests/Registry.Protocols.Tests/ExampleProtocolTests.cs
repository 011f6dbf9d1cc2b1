using System.Text.Json;
using Registry.Domain.Protocols;

namespace Registry.Protocols.Tests;

/// <summary>Every example protocol the documentation and the schema show is one the registry accepts.</summary>
public class ExampleProtocolTests
{
    [Fact]
    public void The_protocol_guide_has_its_four_complete_examples()
    {
        Assert.Superset(
            new HashSet<string> { "npc-rm-four-regimens", "npc-la-randomized", "npc-rm-single-arm", "breast-neoadjuvant" },
            DocumentedExamples.All.Keys.ToHashSet());
    }

    [Theory]
    [MemberData(nameof(DocumentedExamples.Names), MemberType = typeof(DocumentedExamples))]
    public void A_documented_example_validates_against_the_schema(string name)
    {
        var errors = Schema.Errors(DocumentedExamples.All[name]);
        Assert.True(errors.Count == 0, $"docs/protocol.md example '{name}' fails the schema:\n{string.Join("\n", errors)}");
    }

    [Theory]
    [MemberData(nameof(DocumentedExamples.Names), MemberType = typeof(DocumentedExamples))]
    public void A_documented_example_reads_as_the_api_reads_it_and_breaks_no_protocol_rule(string name)
    {
        var protocol = Schema.Read(DocumentedExamples.All[name]);
        var errors = ProtocolRules.Errors(protocol);
        Assert.True(errors.Count == 0, $"docs/protocol.md example '{name}' breaks protocol rules:\n{Schema.Describe(errors)}");
    }

    [Fact]
    public void The_schema_s_own_examples_validate_and_break_no_protocol_rule()
    {
        var examples = Schema.Document.GetProperty("examples").EnumerateArray().ToList();
        Assert.NotEmpty(examples);
        foreach (var example in examples)
        {
            var code = example.GetProperty("code").GetString();
            var schemaErrors = Schema.Errors(example);
            Assert.True(schemaErrors.Count == 0, $"schema example {code} fails the schema:\n{string.Join("\n", schemaErrors)}");
            var ruleErrors = ProtocolRules.Errors(Schema.Read(example.GetRawText()));
            Assert.True(ruleErrors.Count == 0, $"schema example {code} breaks protocol rules:\n{Schema.Describe(ruleErrors)}");
        }
    }

    [Fact]
    public void The_schema_s_examples_are_among_the_documented_ones()
    {
        var documented = DocumentedExamples.All.Values.Select(j => JsonDocument.Parse(j).RootElement).ToList();
        foreach (var example in Schema.Document.GetProperty("examples").EnumerateArray())
            Assert.Contains(documented, d => JsonElement.DeepEquals(d, example));
    }

    [Fact]
    public void The_breast_cancer_example_uses_the_study_s_own_limits_not_disease_specific_ones()
    {
        var protocol = Schema.Read(DocumentedExamples.All["breast-neoadjuvant"]);
        Assert.Equal(0, protocol.Variable("treatmentLine")!.Min);
        Assert.Contains(protocol.Eligibility!, c => c is { Variable: "age", Min: 16 });

        var sixteen = Baseline(("age", 16), ("treatmentLine", 0));
        Assert.Empty(DataDictionary.Errors(protocol, sixteen));
        Assert.Empty(DataDictionary.Ineligibility(protocol, sixteen));

        var fifteen = Baseline(("age", 15), ("treatmentLine", 0));
        Assert.Empty(DataDictionary.Errors(protocol, fifteen));
        Assert.Equal(["Not eligible: Age ≥ 16 years (recorded 15)."], DataDictionary.Ineligibility(protocol, fifteen));
    }

    private static BaselineValues Baseline(params (string Key, double Value)[] numbers)
    {
        var json = """
            { "erStatus": "positive", "menopausalStatus": null, "ki67": { "missing": "notDone" }, "clinicalNodes": true,
              "diagnosedOn": "2025-03-14", "pathologyNote": null }
            """;
        var values = JsonSerializer.Deserialize<BaselineValues>(json, Schema.Api)!;
        return new BaselineValues(values.Concat(numbers.Select(n => new KeyValuePair<string, BaselineValue>(n.Key, BaselineValue.Of(n.Value)))));
    }
}
