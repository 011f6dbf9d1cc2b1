using Registry.Domain.Protocols;
using static Registry.Domain.Tests.Support.Fixtures;

namespace Registry.Domain.Tests.Protocols;

/// <summary>
/// What makes a protocol well formed, each error keyed by the JSON path of the field at fault so the registration
/// form can show it there; and what an amendment may and may not change once patients carry the protocol's data.
/// </summary>
public sealed class ProtocolRulesTests
{
    [Fact]
    public void The_reference_protocols_are_well_formed()
    {
        Assert.Empty(ProtocolRules.Errors(Randomized()));
        Assert.Empty(ProtocolRules.Errors(SingleArm()));
        Assert.Empty(ProtocolRules.Errors(SingleArm(TimeOrigins.Enrolment) with { Design = StudyDesigns.NonRandomized }));
    }

    [Fact]
    public void No_protocol_at_all_is_one_error()
    {
        Assert.Equal([""], ProtocolRules.Errors(null).Keys);
    }

    /// <summary>Each case breaks one rule of an otherwise valid protocol.</summary>
    private static readonly Dictionary<string, Func<Protocol>> Broken = new()
    {
        ["bad design"] = () => SingleArm() with { Design = "crossover" },
        ["unknown time origin"] = () => SingleArm() with { TimeOrigin = "surgery" },
        ["randomized without randomization origin"] = () => Randomized() with { TimeOrigin = TimeOrigins.TreatmentStart },
        ["non-randomized with randomization origin"] = () => SingleArm(TimeOrigins.Randomization),
        ["single-arm with 2 arms"] = () => SingleArm() with { Arms = [new ProtocolArm("ITC", "ITC"), new ProtocolArm("IC", "IC")] },
        ["randomized with 1 arm"] = () => Randomized() with { Arms = [new ProtocolArm("IC", "IC")], Analysis = null },
        ["duplicate arm codes"] = () => Randomized() with { Arms = [new ProtocolArm("ITC", "ITC"), new ProtocolArm("IC", "IC"), new ProtocolArm("IC", "IC again")] },
        ["arm code with a space"] = () => SingleArm() with { Arms = [new ProtocolArm("I TC", "ITC")] },
        ["unknown regimen class"] = () => SingleArm() with { Arms = [new ProtocolArm("ITC", "ITC", [new RegimenComponent("magic")])] },
        ["category without levels"] = () => Replace(SingleArm(), "sex", v => v with { Levels = null }),
        ["levels on a number"] = () => Replace(SingleArm(), "age", v => v with { Levels = ["young"] }),
        ["unknown variable type"] = () => Replace(SingleArm(), "age", v => v with { Type = "number" }),
        ["min above max"] = () => Replace(SingleArm(), "age", v => v with { Min = 100, Max = 18 }),
        ["cut-points not increasing"] = () => Replace(SingleArm(), "age", v => v with { Grouping = new Grouping(CutPoints: [50, 50]) }),
        ["unknown missing code"] = () => Replace(SingleArm(), "ebvDna", v => v with { Missing = ["refused"] }),
        ["duplicate variable keys"] = () => SingleArm() with { Variables = [.. NpcVariables, NpcVariables[0]] },
        ["unknown endpoint banana"] = () => SingleArm() with { Endpoints = ["pfs", "banana"] },
        ["no endpoints"] = () => SingleArm() with { Endpoints = [] },
        ["primary endpoint not among endpoints"] = () => SingleArm() with { Endpoints = ["pfs"], PrimaryEndpoint = "os" },
        ["eligibility over unknown variable"] = () => Randomized() with { Eligibility = [new EligibilityCriterion("age", Min: 18), new EligibilityCriterion("weight", Min: 40)] },
        ["eligibility range over a category"] = () => Randomized() with { Eligibility = [new EligibilityCriterion("sex", Min: 1)] },
        ["stratification in a single-arm study"] = () => SingleArm() with { StratificationFactors = ["sex"] },
        ["stratification by a number without cut-points"] = () => Randomized() with { StratificationFactors = ["bodyMassIndex"] },
        ["analysis subgroup not groupable"] = () => Randomized() with { Analysis = new AnalysisPlan(Subgroups: ["bodyMassIndex"]) },
        ["pooled group with unknown arm"] = () => Randomized() with { Analysis = new AnalysisPlan(Pooled: new Dictionary<string, IReadOnlyList<string>> { ["immunotherapy"] = ["ITC", "TC"] }) },
        ["pooled group named like an arm"] = () => Randomized() with { Analysis = new AnalysisPlan(Pooled: new Dictionary<string, IReadOnlyList<string>> { ["IC"] = ["ITC", "IC"] }) },
        ["reference not an arm"] = () => Randomized() with { Analysis = new AnalysisPlan(Reference: "placebo") },
        ["comparison with unknown arm"] = () => Randomized() with { Analysis = new AnalysisPlan(Comparisons: [new PlannedComparison("ITC", "C")]) },
        ["adjusting for free text"] = () => Randomized() with
        {
            Variables = [.. NpcVariables, new Variable("notes", "Notes", VariableTypes.Text, Required: false)],
            Analysis = new AnalysisPlan(AdjustFor: ["age", "notes"]),
        },
        ["landmark beyond 20 years"] = () => SingleArm() with { Landmarks = [12, 241] },
        ["unknown time unit"] = () => SingleArm() with { TimeUnit = "weeks" },
        ["unknown response criteria"] = () => SingleArm(response: new ResponseCriteria(Criteria: "WHO")),
    };

    [Theory]
    [InlineData("bad design", "design")]
    [InlineData("unknown time origin", "timeOrigin")]
    [InlineData("randomized without randomization origin", "timeOrigin")]
    [InlineData("non-randomized with randomization origin", "timeOrigin")]
    [InlineData("single-arm with 2 arms", "arms")]
    [InlineData("randomized with 1 arm", "arms")]
    [InlineData("duplicate arm codes", "arms")]
    [InlineData("arm code with a space", "arms[0].code")]
    [InlineData("unknown regimen class", "arms[0].regimen[0].class")]
    [InlineData("category without levels", "variables[1].levels")]
    [InlineData("levels on a number", "variables[0].levels")]
    [InlineData("unknown variable type", "variables[0].type")]
    [InlineData("min above max", "variables[0].min")]
    [InlineData("cut-points not increasing", "variables[0].grouping.cutPoints")]
    [InlineData("unknown missing code", "variables[9].missing")]
    [InlineData("duplicate variable keys", "variables")]
    [InlineData("unknown endpoint banana", "endpoints[1]")]
    [InlineData("no endpoints", "endpoints")]
    [InlineData("primary endpoint not among endpoints", "primaryEndpoint")]
    [InlineData("eligibility over unknown variable", "eligibility[1].variable")]
    [InlineData("eligibility range over a category", "eligibility[0]")]
    [InlineData("stratification in a single-arm study", "stratificationFactors")]
    [InlineData("stratification by a number without cut-points", "stratificationFactors[0]")]
    [InlineData("analysis subgroup not groupable", "analysis.subgroups[0]")]
    [InlineData("pooled group with unknown arm", "analysis.pooled.immunotherapy")]
    [InlineData("pooled group named like an arm", "analysis.pooled.IC")]
    [InlineData("reference not an arm", "analysis.reference")]
    [InlineData("comparison with unknown arm", "analysis.comparisons[0].reference")]
    [InlineData("adjusting for free text", "analysis.adjustFor[1]")]
    [InlineData("landmark beyond 20 years", "landmarks")]
    [InlineData("unknown time unit", "timeUnit")]
    [InlineData("unknown response criteria", "response.criteria")]
    public void Each_broken_rule_is_one_error_at_the_fields_JSON_path(string broken, string path)
    {
        var errors = ProtocolRules.Errors(Broken[broken]());
        // Exactly the field at fault: a broken rule must not also flag fields that are fine.
        Assert.Equal([path], errors.Keys);
        Assert.NotEmpty(errors[path].Single());
    }

    [Fact]
    public void Every_case_above_is_exercised()
    {
        // Keeps the dictionary and the InlineData rows in step: a case added to one and not the other fails here.
        var rows = typeof(ProtocolRulesTests).GetMethod(nameof(Each_broken_rule_is_one_error_at_the_fields_JSON_path))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (string)a.GetData(null!).Single()[0]);
        Assert.Equal(Broken.Keys.Order(), rows.Order());
    }

    [Fact]
    public void The_unknown_endpoint_message_lists_the_catalogue()
    {
        var message = ProtocolRules.Errors(SingleArm() with { Endpoints = ["banana"] })["endpoints[0]"].Single();
        Assert.StartsWith("'banana' is not in the endpoint catalogue ('pfs', 'os', 'efs', 'ffs', 'dmfs', 'lrrfs', 'ttp', 'dor', 'orr', 'corr', 'dcr')", message);
    }

    // ── found by ProtocolProperties: a client's JSON may omit a list or send null in one ───────────────────────────

    [Theory]
    [InlineData("arms [null], analysis reference A", "arms[0]")]
    [InlineData("arms null, analysis reference A", "arms")]
    [InlineData("arms [null], pooled group", "arms[0]")]
    [InlineData("variables null, eligibility over age", "eligibility[0].variable")]
    [InlineData("variables [null], eligibility over age", "variables[0]")]
    [InlineData("variables null, subgroup age", "analysis.subgroups[0]")]
    [InlineData("variables null, stratified by sex", "stratificationFactors[0]")]
    public void A_null_list_or_element_is_a_field_error_not_an_exception(string protocol, string path)
    {
        var analysisOnA = new AnalysisPlan(Reference: "A");
        var p = protocol switch
        {
            "arms [null], analysis reference A" => SingleArm() with { Arms = [null!], Analysis = analysisOnA },
            "arms null, analysis reference A" => SingleArm() with { Arms = null!, Analysis = analysisOnA },
            "arms [null], pooled group" => SingleArm() with { Arms = [null!], Analysis = new AnalysisPlan(Pooled: new Dictionary<string, IReadOnlyList<string>> { ["all"] = ["ITC"] }) },
            "variables null, eligibility over age" => SingleArm() with { Variables = null!, Eligibility = [new EligibilityCriterion("age", Min: 18)] },
            "variables [null], eligibility over age" => SingleArm() with { Variables = [null!], Eligibility = [new EligibilityCriterion("age", Min: 18)] },
            "variables null, subgroup age" => SingleArm() with { Variables = null!, Analysis = new AnalysisPlan(Subgroups: ["age"]) },
            "variables null, stratified by sex" => Randomized() with { Variables = null!, Eligibility = null, Analysis = null, StratificationFactors = ["sex"] },
            _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
        };
        Assert.Contains(path, ProtocolRules.Errors(p).Keys);
    }

    [Fact]
    public void A_protocol_the_rules_accept_without_a_variables_list_can_be_amended()
    {
        // ProtocolRules reads a missing variables list as an empty dictionary; rejecting it would be a fix as well.
        var lax = SingleArm() with { Variables = null! };
        if (ProtocolRules.Errors(lax).Count > 0) return;
        Assert.Empty(ProtocolRules.AmendmentViolations(lax, lax));
        Assert.Equal(["An amendment cannot remove variable 'age'."], ProtocolRules.AmendmentViolations(SingleArm() with { Variables = [NpcVariables[0]] }, lax));
    }

    private static Protocol Replace(Protocol p, string key, Func<Variable, Variable> change) =>
        p with { Variables = [.. p.Variables.Select(v => v.Key == key ? change(v) : v)] };

    // ── amendments ──────────────────────────────────────────────────────────────────────────────────────────────

    [Theory]
    [InlineData("code", "An amendment cannot change the study code.")]
    [InlineData("design", "An amendment cannot change the design.")]
    [InlineData("origin", "An amendment cannot change the time origin.")]
    [InlineData("arm removed", "An amendment cannot remove arm 'IC'.")]
    [InlineData("variable removed", "An amendment cannot remove variable 'pdL1Cps'.")]
    [InlineData("type changed", "An amendment cannot change the type of 'age' (integer).")]
    [InlineData("level removed", "An amendment cannot remove levels of 'diseaseStatus'.")]
    public void An_amendment_cannot_take_away_what_patients_may_already_carry(string change, string violation)
    {
        var current = Randomized();
        var amended = change switch
        {
            "code" => current with { Code = "NPC-RCT-2" },
            "design" => current with { Design = StudyDesigns.NonRandomized },
            "origin" => current with { TimeOrigin = TimeOrigins.Enrolment },
            "arm removed" => current with { Arms = [current.Arms[0]] },
            "variable removed" => current with { Variables = [.. current.Variables.Where(v => v.Key != "pdL1Cps")] },
            "type changed" => Replace(current, "age", v => v with { Type = VariableTypes.Decimal }),
            "level removed" => Replace(current, "diseaseStatus", v => v with { Levels = ["recurrent", "metastatic"] }),
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };
        Assert.Equal([violation], ProtocolRules.AmendmentViolations(current, amended));
    }

    [Fact]
    public void An_amendment_may_add_an_arm_a_variable_a_level_and_relabel()
    {
        var current = Randomized();
        var amended = Replace(current, "diseaseStatus", v => v with { Levels = [.. v.Levels!, "locoregional"], Label = "Disease status at entry" }) with
        {
            Title = "ITC versus IC or C in recurrent/metastatic NPC",
            Arms = [.. current.Arms, new ProtocolArm("C", "GP alone")],
            Variables = [.. Replace(current, "diseaseStatus", v => v with { Levels = [.. v.Levels!, "locoregional"] }).Variables,
                         new Variable("smoking", "Smoking", VariableTypes.Boolean, Required: false)],
            Endpoints = [.. current.Endpoints],
        };
        Assert.Empty(ProtocolRules.AmendmentViolations(current, amended));
        Assert.Empty(ProtocolRules.Errors(amended));
    }
}
