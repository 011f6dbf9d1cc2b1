using System.Text.Json;
using Registry.Domain.Protocols;
using static Registry.Domain.Tests.Support.Fixtures;

namespace Registry.Domain.Tests.Protocols;

/// <summary>
/// A baseline in JSON is a plain object of dictionary keys; a missing code is <c>{"missing":"notDone"}</c>; the first
/// schema's nested objects read back as dotted keys, so patients enrolled before the protocol model keep their values.
/// </summary>
public sealed class BaselineValuesJsonTests
{
    private static BaselineValues Read(string json) => JsonSerializer.Deserialize<BaselineValues>(json)!;

    [Fact]
    public void Every_kind_of_value_survives_a_round_trip()
    {
        var baseline = Baseline(
            ("age", BaselineValue.Of(52)), ("bmi", BaselineValue.Of(22.75)), ("sex", BaselineValue.Of("female")),
            ("liver", BaselineValue.Of(true)), ("ebvDna", BaselineValue.MissingAs(MissingCodes.NotDone)),
            ("pdL1", BaselineValue.MissingAs(MissingCodes.Unknown)), ("metastaticSites.count", BaselineValue.Of(2)));

        var json = JsonSerializer.Serialize(baseline);

        // Keys in ordinal order, a missing code as an object, dotted keys written flat.
        Assert.Equal("""{"age":52,"bmi":22.75,"ebvDna":{"missing":"notDone"},"liver":true,"metastaticSites.count":2,"pdL1":{"missing":"unknown"},"sex":"female"}""", json);
        Assert.Equal(baseline, Read(json));
    }

    [Fact]
    public void A_missing_code_reads_as_that_code()
    {
        var baseline = Read("""{"ebvDna":{"missing":"notDone"}}""");
        Assert.Equal(BaselineValue.MissingAs(MissingCodes.NotDone), baseline.Get("ebvDna"));
        Assert.True(baseline.Get("ebvDna")!.IsMissing);
    }

    [Fact]
    public void Null_reads_as_unknown()
    {
        Assert.Equal(BaselineValue.MissingAs(MissingCodes.Unknown), Read("""{"pdL1":null}""").Get("pdL1"));
    }

    [Fact]
    public void A_legacy_nested_object_reads_as_dotted_keys()
    {
        var baseline = Read("""{"age":45,"metastaticSites":{"count":2,"liver":true}}""");

        Assert.Equal(["age", "metastaticSites.count", "metastaticSites.liver"], baseline.Keys);
        Assert.Equal(2d, baseline.Number("metastaticSites.count"));
        Assert.True(baseline.Flag("metastaticSites.liver"));
        Assert.Null(baseline.Get("metastaticSites")); // the parent is not a value of its own
    }

    [Fact]
    public void A_legacy_baseline_satisfies_a_dictionary_that_names_its_dotted_keys()
    {
        var protocol = SingleArm() with
        {
            Variables = [new("metastaticSites.count", "Sites", VariableTypes.Integer, Min: 0), new("metastaticSites.liver", "Liver", VariableTypes.Boolean)],
        };
        Assert.Empty(DataDictionary.Errors(protocol, Read("""{"metastaticSites":{"count":2,"liver":true}}""")));
    }

    [Theory]
    [InlineData("""{"sites":[1,2]}""")] // arrays are not values
    [InlineData("""[1,2]""")]          // a baseline is an object
    [InlineData("""52""")]
    public void Anything_but_an_object_of_values_is_refused(string json)
    {
        Assert.Throws<JsonException>(() => Read(json));
    }

    [Fact]
    public void Baselines_with_the_same_values_are_equal_whatever_the_order_given()
    {
        var a = Baseline(("age", BaselineValue.Of(52)), ("sex", BaselineValue.Of("male")));
        var b = Baseline(("sex", BaselineValue.Of("male")), ("age", BaselineValue.Of(52)));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, Baseline(("age", BaselineValue.Of(52))));
    }

    [Fact]
    public void A_value_shows_as_the_clinic_writes_it()
    {
        Assert.Equal(["52", "22.5", "male", "Yes", "No", "Not done", "Unknown"],
            new[] { BaselineValue.Of(52), BaselineValue.Of(22.5), BaselineValue.Of("male"), BaselineValue.Of(true), BaselineValue.Of(false),
                    BaselineValue.MissingAs(MissingCodes.NotDone), BaselineValue.MissingAs(MissingCodes.Unknown) }.Select(v => v.ToString()));
    }
}
