using Registry.Domain.Protocols;
using static Registry.Domain.Tests.Support.Fixtures;

namespace Registry.Domain.Tests.Protocols;

/// <summary>
/// A protocol one past each limit is refused at the field's JSON path, alone (the rest of the protocol is fine);
/// one at the limit is accepted. The limits bound every view's work: arms, levels and planned analyses.
/// </summary>
public sealed class ProtocolLimitsTests
{
    private static IReadOnlyList<ProtocolArm> Arms(int n) => [.. Enumerable.Range(1, n).Select(i => new ProtocolArm($"A{i}", $"Arm {i}"))];
    private static IReadOnlyDictionary<string, IReadOnlyList<string>> Pooled(int n) =>
        Enumerable.Range(1, n).ToDictionary(i => $"pool{i}", IReadOnlyList<string> (_) => ["ITC", "IC"]);
    private static Protocol WithAge(Protocol p, Func<Variable, Variable> change) =>
        p with { Variables = [.. p.Variables.Select(v => v.Key == "age" ? change(v) : v)] };
    private static Protocol WithPlan(Func<AnalysisPlan, AnalysisPlan> change) => Randomized() with { Analysis = change(Randomized().Analysis!) };
    private static IReadOnlyList<Variable> ManyVariables(int n) =>
        [.. NpcVariables, .. Enumerable.Range(1, n - NpcVariables.Count).Select(i => new Variable($"extra{i}", $"Extra {i}", VariableTypes.Boolean))];
    private static readonly string Long = new('x', ProtocolLimits.NameLength + 1);

    /// <summary>Each case: the protocol at the limit, the protocol one past it, and the path the refusal is keyed by.</summary>
    public static TheoryData<string, string> Cases => new()
    {
        { "arms", "arms" },
        { "regimen components", "arms[0].regimen" },
        { "variables", "variables" },
        { "levels", "variables[1].levels" },
        { "level length", "variables[1].levels" },
        { "unit length", "variables[0].unit" },
        { "cut-points", "variables[0].grouping.cutPoints" },
        { "eligibility criteria", "eligibility" },
        { "criterion label length", "eligibility[0].label" },
        { "stratification factors", "stratificationFactors" },
        { "endpoints listed twice", "endpoints[2]" },
        { "landmarks", "landmarks" },
        { "pooled groups", "analysis.pooled" },
        { "pooled group name length", $"analysis.pooled.{Long}" },
        { "pooled group listing an arm twice", "analysis.pooled.both" },
        { "comparisons", "analysis.comparisons" },
        { "stratify-by variables", "analysis.stratifyBy" },
        { "adjustment variables", "analysis.adjustFor" },
        { "subgroups", "analysis.subgroups" },
        { "subgroup listed twice", "analysis.subgroups[4]" },
    };

    private static (Protocol AtLimit, Protocol Past) Case(string name) => name switch
    {
        "arms" => (Randomized() with { Arms = [.. Randomized().Arms, .. Arms(ProtocolLimits.Arms - 2)] },
                   Randomized() with { Arms = [.. Randomized().Arms, .. Arms(ProtocolLimits.Arms - 1)] }),
        "regimen components" => (SingleArm() with { Arms = [new ProtocolArm("ITC", "ITC", [.. Enumerable.Repeat(new RegimenComponent("chemotherapy"), ProtocolLimits.RegimenComponents)])] },
                                 SingleArm() with { Arms = [new ProtocolArm("ITC", "ITC", [.. Enumerable.Repeat(new RegimenComponent("chemotherapy"), ProtocolLimits.RegimenComponents + 1)])] }),
        "variables" => (SingleArm() with { Variables = ManyVariables(ProtocolLimits.Variables) }, SingleArm() with { Variables = ManyVariables(ProtocolLimits.Variables + 1) }),
        "levels" => (Sex(Enumerable.Range(1, ProtocolLimits.Levels).Select(i => $"l{i}")), Sex(Enumerable.Range(1, ProtocolLimits.Levels + 1).Select(i => $"l{i}"))),
        "level length" => (Sex(["male", new string('x', ProtocolLimits.NameLength)]), Sex(["male", Long])),
        "unit length" => (WithAge(SingleArm(), v => v with { Unit = Long[1..] }), WithAge(SingleArm(), v => v with { Unit = Long })),
        "cut-points" => (WithAge(SingleArm(), v => v with { Grouping = new Grouping([.. Enumerable.Range(1, ProtocolLimits.CutPoints).Select(i => 18.0 + i)]) }),
                         WithAge(SingleArm(), v => v with { Grouping = new Grouping([.. Enumerable.Range(1, ProtocolLimits.CutPoints + 1).Select(i => 18.0 + i)]) })),
        "eligibility criteria" => (Randomized() with { Eligibility = [.. Enumerable.Repeat(new EligibilityCriterion("age", Min: 18), ProtocolLimits.EligibilityCriteria)] },
                                   Randomized() with { Eligibility = [.. Enumerable.Repeat(new EligibilityCriterion("age", Min: 18), ProtocolLimits.EligibilityCriteria + 1)] }),
        "criterion label length" => (Randomized() with { Eligibility = [new EligibilityCriterion("age", Min: 18, Label: new string('x', ProtocolLimits.LabelLength))] },
                                     Randomized() with { Eligibility = [new EligibilityCriterion("age", Min: 18, Label: new string('x', ProtocolLimits.LabelLength + 1))] }),
        "stratification factors" => (Randomized() with { StratificationFactors = ["diseaseStatus", "sex", "age", "karnofskyScore", "ebvDna"] },
                                     Randomized() with { StratificationFactors = ["diseaseStatus", "sex", "age", "karnofskyScore", "ebvDna", "npcFamilyHistory"] }),
        "endpoints listed twice" => (SingleArm() with { Endpoints = ["pfs", "os"] }, SingleArm() with { Endpoints = ["pfs", "os", "pfs"] }),
        "landmarks" => (SingleArm() with { Landmarks = [.. Enumerable.Range(1, ProtocolLimits.Landmarks).Select(i => (double)i)] },
                        SingleArm() with { Landmarks = [.. Enumerable.Range(1, ProtocolLimits.Landmarks + 1).Select(i => (double)i)] }),
        "pooled groups" => (WithPlan(a => a with { Pooled = Pooled(ProtocolLimits.PooledGroups) }), WithPlan(a => a with { Pooled = Pooled(ProtocolLimits.PooledGroups + 1) })),
        "pooled group name length" => (WithPlan(a => a with { Pooled = new Dictionary<string, IReadOnlyList<string>> { [Long[1..]] = ["ITC", "IC"] } }),
                                       WithPlan(a => a with { Pooled = new Dictionary<string, IReadOnlyList<string>> { [Long] = ["ITC", "IC"] } })),
        "pooled group listing an arm twice" => (WithPlan(a => a with { Pooled = new Dictionary<string, IReadOnlyList<string>> { ["both"] = ["ITC", "IC"] } }),
                                                WithPlan(a => a with { Pooled = new Dictionary<string, IReadOnlyList<string>> { ["both"] = ["ITC", "IC", "ITC"] } })),
        "comparisons" => (WithPlan(a => a with { Comparisons = [.. Enumerable.Repeat(new PlannedComparison("ITC", "IC"), ProtocolLimits.Comparisons)] }),
                          WithPlan(a => a with { Comparisons = [.. Enumerable.Repeat(new PlannedComparison("ITC", "IC"), ProtocolLimits.Comparisons + 1)] })),
        "stratify-by variables" => (WithPlan(a => a with { StratifyBy = ["diseaseStatus", "sex", "age", "karnofskyScore", "ebvDna"] }),
                                    WithPlan(a => a with { StratifyBy = ["diseaseStatus", "sex", "age", "karnofskyScore", "ebvDna", "npcFamilyHistory"] })),
        "adjustment variables" => (WithPlan(a => a with { AdjustFor = [.. NpcVariables.Take(ProtocolLimits.AdjustFor).Select(v => v.Key)] }),
                                   WithPlan(a => a with { AdjustFor = [.. NpcVariables.Take(ProtocolLimits.AdjustFor + 1).Select(v => v.Key)] })),
        "subgroups" => (SubgroupsOf(ProtocolLimits.Subgroups), SubgroupsOf(ProtocolLimits.Subgroups + 1)),
        "subgroup listed twice" => (WithPlan(a => a with { Subgroups = ["age", "sex", "karnofskyScore", "metastaticSites.liver"] }),
                                    WithPlan(a => a with { Subgroups = ["age", "sex", "karnofskyScore", "metastaticSites.liver", "sex"] })),
        _ => throw new ArgumentException(name),
    };

    private static Protocol Sex(IEnumerable<string> levels) =>
        SingleArm() with { Variables = [.. NpcVariables.Select(v => v.Key == "sex" ? v with { Levels = [.. levels] } : v)] };

    private static Protocol SubgroupsOf(int n) => Randomized() with
    {
        Variables = ManyVariables(NpcVariables.Count + n),
        Analysis = Randomized().Analysis! with { Subgroups = [.. Enumerable.Range(1, n).Select(i => $"extra{i}")] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void One_past_a_limit_is_refused_at_its_path_and_the_limit_itself_is_accepted(string limit, string path)
    {
        var (atLimit, past) = Case(limit);
        Assert.Empty(ProtocolRules.Errors(atLimit));
        var errors = ProtocolRules.Errors(past);
        Assert.Equal([path], errors.Keys);
        Assert.NotEmpty(errors[path].Single());
    }

    [Fact]
    public void Thirty_thousand_arms_are_refused_with_one_error_naming_the_limit()
    {
        var errors = ProtocolRules.Errors(Randomized() with { Arms = Arms(30_000), Analysis = null });
        Assert.Equal(["arms"], errors.Keys);
        Assert.Equal($"A study has at most {ProtocolLimits.Arms} arms.", errors["arms"].Single());
    }
}
