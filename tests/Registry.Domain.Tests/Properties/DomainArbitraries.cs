using FsCheck;
using FsCheck.Fluent;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Domain.Tests.Properties;

/// <summary>A protocol that may break ProtocolRules, or have lists left null or holding null, as JSON that omits or nulls a field would give.</summary>
public sealed record MangledProtocol(Protocol Protocol)
{
    public override string ToString() => Show.Protocol(Protocol);
}

/// <summary>A generated protocol (mostly well formed; its design and origin may disagree) and a baseline with anything in it.</summary>
public sealed record BaselineAgainstProtocol(Protocol Protocol, BaselineValues Baseline)
{
    public override string ToString() => Show.Baseline(Protocol, Baseline);
}

/// <summary>
/// A protocol ProtocolRules accepts although it holds nulls the rules tolerate (no variables list at all, a merged
/// group that is null or has no levels), and a baseline with anything in it.
/// </summary>
public sealed record BaselineAgainstLaxProtocol(Protocol Protocol, BaselineValues Baseline)
{
    public override string ToString() => Show.Baseline(Protocol, Baseline);
}

/// <summary>
/// The generators the property tests draw from: random protocols of every design and origin with a few variables
/// of each type, random baselines, and random patient histories (<see cref="AcceptedHistory"/>, <see cref="RawHistory"/>).
/// </summary>
public static class DomainArbitraries
{
    private static readonly DateOnly Epoch = new(2020, 1, 1);

    public static Arbitrary<AcceptedHistory> AcceptedHistories() =>
        Arb.From(Scenarios.Select(s => new AcceptedHistory(s)), h => ShrinkScenario(h.Scenario).Select(s => new AcceptedHistory(s)));

    public static Arbitrary<RawHistory> RawHistories() =>
        Arb.From(Scenarios.Select(s => new RawHistory(s)), h => ShrinkScenario(h.Scenario).Select(s => new RawHistory(s)));

    public static Arbitrary<MangledProtocol> MangledProtocols() =>
        Arb.From(Protocols.SelectMany(Mangle).Select(p => new MangledProtocol(p)), m => ShrinkProtocol(m.Protocol).Select(p => new MangledProtocol(p)));

    public static Arbitrary<BaselineAgainstProtocol> BaselinesAgainstProtocols() =>
        Arb.From(
            from p in Protocols
            from b in Baselines(p)
            select new BaselineAgainstProtocol(p, b),
            x => ShrinkProtocol(x.Protocol).Select(p => x with { Protocol = p })
                .Concat(x.Baseline.Keys.Select(k => x with { Baseline = new BaselineValues(x.Baseline.Where(v => v.Key != k)) })));

    public static Arbitrary<BaselineAgainstLaxProtocol> BaselinesAgainstLaxProtocols() =>
        Arb.From(
            from p in Protocols.SelectMany(Lax).Where(AcceptedByRules)
            from b in Baselines(p)
            select new BaselineAgainstLaxProtocol(p, b),
            x => ShrinkProtocol(x.Protocol).Where(AcceptedByRules).Select(p => x with { Protocol = p })
                .Concat(x.Baseline.Keys.Select(k => x with { Baseline = new BaselineValues(x.Baseline.Where(v => v.Key != k)) })));

    /// <summary>Nulls that ProtocolRules lets through: the variables list omitted (with nothing naming a variable), merged groups null or without levels.</summary>
    private static Gen<Protocol> Lax(Protocol p) => Gen.Frequency(
        (1, Gen.Constant(p with { Variables = null!, Eligibility = null, StratificationFactors = null, Analysis = null })),
        (2, from merge in Gen.Elements<IReadOnlyList<MergedLevels>>([null!], [new MergedLevels(null!, null!)], [new MergedLevels("a or b", ["a", "b"]), null!]).ListOf(p.Variables.Count)
            select p with
            {
                Variables = [.. p.Variables.Zip(merge, (v, m) => v.Type == VariableTypes.Category ? v with { Grouping = new Grouping(Merge: m) } : v)],
            }));

    /// <summary>
    /// Simpler protocols: optional parts dropped, one element fewer in a list, an arm without regimen, a variable
    /// without grouping or missing codes. Nulls a client sent are kept: they are what the properties are about.
    /// </summary>
    private static IEnumerable<Protocol> ShrinkProtocol(Protocol p)
    {
        if (p.Analysis is { } a)
        {
            yield return p with { Analysis = null };
            if (a.Reference is not null) yield return p with { Analysis = a with { Reference = null } };
            if (a.Pooled is not null) yield return p with { Analysis = a with { Pooled = null } };
            if (a.Comparisons is not null) yield return p with { Analysis = a with { Comparisons = null } };
            if (a.StratifyBy is not null) yield return p with { Analysis = a with { StratifyBy = null } };
            if (a.AdjustFor is not null) yield return p with { Analysis = a with { AdjustFor = null } };
            if (a.Subgroups is not null) yield return p with { Analysis = a with { Subgroups = null } };
        }
        if (p.Eligibility is not null) yield return p with { Eligibility = null };
        if (p.StratificationFactors is not null) yield return p with { StratificationFactors = null };
        if (p.PrimaryEndpoint is not null) yield return p with { PrimaryEndpoint = null };
        if (p.Response is not null) yield return p with { Response = null };
        foreach (var arms in Fewer(p.Arms)) yield return p with { Arms = arms };
        foreach (var variables in Fewer(p.Variables)) yield return p with { Variables = variables };
        foreach (var eligibility in Fewer(p.Eligibility)) yield return p with { Eligibility = eligibility };
        foreach (var endpoints in Fewer(p.Endpoints)) yield return p with { Endpoints = endpoints };
        if (p.Arms is not null)
            for (var i = 0; i < p.Arms.Count; i++)
                if (p.Arms[i] is { Regimen: not null } arm) yield return p with { Arms = [.. p.Arms.Take(i), arm with { Regimen = null }, .. p.Arms.Skip(i + 1)] };
        if (p.Variables is not null)
            for (var i = 0; i < p.Variables.Count; i++)
            {
                if (p.Variables[i] is not { } v) continue;
                if (v.Grouping is not null) yield return p with { Variables = [.. p.Variables.Take(i), v with { Grouping = null }, .. p.Variables.Skip(i + 1)] };
                if (v.Missing is not null) yield return p with { Variables = [.. p.Variables.Take(i), v with { Missing = null }, .. p.Variables.Skip(i + 1)] };
            }
    }

    private static IEnumerable<IReadOnlyList<T>> Fewer<T>(IReadOnlyList<T>? list) =>
        list is null ? [] : Enumerable.Range(0, list.Count).Select(i => (IReadOnlyList<T>)[.. list.Take(i), .. list.Skip(i + 1)]);

    // ── protocols ───────────────────────────────────────────────────────────────────────────────────────────────

    public static readonly Gen<ResponseCriteria> Responses = Gen.Frequency(
        (2, Gen.Constant(ResponseCriteria.Default)),
        (3, from confirm in Gen.Elements(true, false)
            from interval in Gen.Frequency((4, Gen.Choose(0, 60)), (1, Gen.Choose(-5, -1)))
            from sd in Gen.Frequency((4, Gen.Choose(0, 90)), (1, Gen.Choose(-5, -1)))
            select new ResponseCriteria("RECIST 1.1", confirm, interval, sd)));

    private static readonly Gen<Grouping?> NumericGroupings = Gen.Frequency(
        (2, Gen.Constant<Grouping?>(null)),
        (1, Gen.Constant<Grouping?>(new Grouping(CutPoints: [50]))),
        (1, Gen.Constant<Grouping?>(new Grouping(CutPoints: [10, 20.5], Labels: ["low", "mid", "high"]))),
        (1, Gen.Constant<Grouping?>(new Grouping(CutPoints: [-1, 0, 1]))));

    private static readonly Gen<Grouping?> CategoryGroupings = Gen.Frequency(
        (2, Gen.Constant<Grouping?>(null)),
        (1, Gen.Constant<Grouping?>(new Grouping(Merge: [new MergedLevels("a or b", ["a", "b"])]))));

    /// <summary>One variable of the given type, keyed by its position so keys are distinct.</summary>
    private static Gen<Variable> VariableOf(string type, int index) =>
        from required in Gen.Elements(true, false)
        from missing in required ? Gen.Constant<IReadOnlyList<string>?>(null) : Gen.Elements<IReadOnlyList<string>?>(null, [MissingCodes.Unknown], [MissingCodes.NotDone], MissingCodes.All)
        from bounds in Gen.Elements<(double?, double?)>((null, null), (0, 100), (18, null), (null, 10))
        from numericGrouping in NumericGroupings
        from categoryGrouping in CategoryGroupings
        select new Variable(
            $"{type}{index}", $"{type} {index}", type,
            Levels: type == VariableTypes.Category ? ["a", "b", "c"] : null,
            Min: type is VariableTypes.Integer or VariableTypes.Decimal ? bounds.Item1 : null,
            Max: type is VariableTypes.Integer or VariableTypes.Decimal ? bounds.Item2 : null,
            Required: required, Missing: missing,
            Grouping: type is VariableTypes.Integer or VariableTypes.Decimal ? numericGrouping : type == VariableTypes.Category ? categoryGrouping : null);

    private static readonly Gen<IReadOnlyList<Variable>> Variables =
        from count in Gen.Choose(0, 8)
        from types in Gen.Elements(VariableTypes.All).ListOf(count)
        from variables in Gen.CollectToList(types.Select((t, i) => VariableOf(t, i)))
        select (IReadOnlyList<Variable>)variables;

    /// <summary>Every design with every origin (mostly the consistent ones, sometimes a combination ProtocolRules refuses, which Derive must still survive).</summary>
    public static readonly Gen<Protocol> Protocols =
        from design in Gen.Elements(StudyDesigns.All)
        from origin in Gen.Frequency(
            (6, design == StudyDesigns.Randomized ? Gen.Constant(TimeOrigins.Randomization) : Gen.Elements(TimeOrigins.TreatmentStart, TimeOrigins.Enrolment)),
            (1, Gen.Elements<string>([.. TimeOrigins.All, "surgery", null!])))
        from armCount in design switch
        {
            StudyDesigns.SingleArm => Gen.Frequency((9, Gen.Constant(1)), (1, Gen.Constant(2))),
            StudyDesigns.Randomized => Gen.Choose(2, 3),
            _ => Gen.Choose(1, 3),
        }
        from variables in Variables
        from response in Responses
        from eligibility in EligibilityOver(variables)
        select new Protocol(
            "P-1", "Generated study", design, origin,
            [.. new[] { "A", "B", "C" }.Take(armCount).Select(c => new ProtocolArm(c, $"Arm {c}"))],
            variables, [.. EndpointCatalogue.All.Select(e => e.Code)],
            Eligibility: eligibility, Response: response,
            Analysis: new AnalysisPlan(Reference: "A", Subgroups: [.. variables.Where(v => v.IsGroupable).Select(v => v.Key)]));

    private static Gen<IReadOnlyList<EligibilityCriterion>?> EligibilityOver(IReadOnlyList<Variable> variables) =>
        variables.Count == 0 ? Gen.Constant<IReadOnlyList<EligibilityCriterion>?>(null) :
        from chosen in Gen.SubListOf((IEnumerable<Variable>)variables)
        select (IReadOnlyList<EligibilityCriterion>?)[.. chosen.Select(v => v.Type switch
        {
            VariableTypes.Integer or VariableTypes.Decimal => new EligibilityCriterion(v.Key, Min: 0, Max: 60),
            VariableTypes.Category => new EligibilityCriterion(v.Key, Levels: ["a", "c"]),
            VariableTypes.Boolean => new EligibilityCriterion(v.Key, MustBe: true),
            _ => new EligibilityCriterion(v.Key),
        })];

    private static bool AcceptedByRules(Protocol p)
    {
        try { return ProtocolRules.Errors(p).Count == 0; }
        catch (Exception) { return false; } // a throw is the ProtocolRules property's to report, not this one's
    }

    /// <summary>A list as JSON may give it: as it was, absent (null), empty, or with a null among its elements.</summary>
    private static Gen<IReadOnlyList<T>?> Mangle<T>(IReadOnlyList<T>? list) where T : class => Gen.Frequency(
        (3, Gen.Constant(list)),
        (1, Gen.Constant<IReadOnlyList<T>?>(null)),
        (1, Gen.Constant<IReadOnlyList<T>?>([])),
        (1, from at in Gen.Choose(0, list?.Count ?? 0) select (IReadOnlyList<T>?)[.. (list ?? []).Take(at), null!, .. (list ?? []).Skip(at)]));

    private static Gen<Protocol> Mangle(Protocol p) =>
        from code in Gen.Frequency((4, Gen.Constant(p.Code)), (1, Gen.Constant<string>(null!)))
        from design in Gen.Frequency((4, Gen.Constant(p.Design)), (1, Gen.Constant<string>(null!)))
        from arms in Mangle(p.Arms).SelectMany(list => Gen.CollectToList((list ?? []).Select(MangleArm)).Select(a => list is null ? null : (IReadOnlyList<ProtocolArm>?)a))
        from variables in Mangle(p.Variables).SelectMany(list => Gen.CollectToList((list ?? []).Select(MangleVariable)).Select(v => list is null ? null : (IReadOnlyList<Variable>?)v))
        from endpoints in Gen.Frequency((3, Gen.Constant<IReadOnlyList<string>?>(p.Endpoints)), (1, Gen.Constant<IReadOnlyList<string>?>(null)),
            (1, Gen.Constant<IReadOnlyList<string>?>(["pfs", null!])), (1, Gen.Constant<IReadOnlyList<string>?>(["banana"])))
        from eligibility in Mangle(p.Eligibility)
        from strata in Mangle<string>(p.IsRandomized ? [.. p.Variables.Where(v => v.IsGroupable).Select(v => v.Key).Take(1)] : null)
        from primary in Gen.Elements<string?>(null, "pfs", "banana")
        from analysis in MangleAnalysis(p.Analysis)
        select p with
        {
            Code = code, Design = design, Arms = arms!, Variables = variables!, Endpoints = endpoints!, Eligibility = eligibility,
            StratificationFactors = strata, PrimaryEndpoint = primary, Analysis = analysis,
        };

    private static Gen<ProtocolArm> MangleArm(ProtocolArm arm) =>
        arm is null ? Gen.Constant(arm!) :
        from regimen in Mangle<RegimenComponent>([new RegimenComponent("chemotherapy", "cisplatin", 1)])
        from code in Gen.Frequency((5, Gen.Constant(arm.Code)), (1, Gen.Constant<string>(null!)))
        select arm with { Regimen = regimen, Code = code };

    private static Gen<Variable> MangleVariable(Variable v) =>
        v is null ? Gen.Constant(v!) :
        from levels in v.Levels is null ? Gen.Constant<IReadOnlyList<string>?>(null) : Mangle(v.Levels)
        from missing in Mangle(v.Missing)
        from merge in Gen.Frequency(
            (3, Gen.Constant(v.Grouping?.Merge)),
            (1, Gen.Constant<IReadOnlyList<MergedLevels>?>([null!])),
            (1, Gen.Constant<IReadOnlyList<MergedLevels>?>([new MergedLevels(null!, null!)])))
        from key in Gen.Frequency((6, Gen.Constant(v.Key)), (1, Gen.Constant<string>(null!)))
        select v with
        {
            Key = key,
            Levels = levels,
            Missing = v.Required ? v.Missing : missing,
            Grouping = v.Type == VariableTypes.Category && merge is not null ? new Grouping(Merge: merge) : v.Grouping,
        };

    private static Gen<AnalysisPlan?> MangleAnalysis(AnalysisPlan? plan) => Gen.Frequency(
        (2, Gen.Constant(plan)),
        (1, Gen.Constant<AnalysisPlan?>(null)),
        (2, from reference in Gen.Elements<string?>(null, "A", "A+B", "Z")
            from pooled in Gen.Elements<IReadOnlyDictionary<string, IReadOnlyList<string>>?>(null,
                new Dictionary<string, IReadOnlyList<string>> { ["AB"] = ["A", "B"] },
                new Dictionary<string, IReadOnlyList<string>> { ["X"] = null! },
                new Dictionary<string, IReadOnlyList<string>> { ["Y"] = ["A", null!] })
            from comparisons in Mangle<PlannedComparison>([new PlannedComparison("B", "A")])
            from subgroups in Mangle(plan?.Subgroups)
            from adjust in Mangle<string>(["v0", "nope"])
            select (AnalysisPlan?)new AnalysisPlan(reference, pooled, comparisons, subgroups, adjust, subgroups)));

    // ── baselines ───────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Any value of any kind, including ones JSON cannot carry (NaN, infinities, a value with nothing set) and null.</summary>
    public static readonly Gen<BaselineValue> Values = Gen.Frequency(
        (4, Gen.Elements(-1.0, 0.0, 5.0, 10.0, 20.5, 50.0, 52.5, 100.0, 1e9, double.NaN, double.PositiveInfinity).Select(BaselineValue.Of)),
        (2, Gen.Choose(-10, 120).Select(n => BaselineValue.Of(n))),
        (4, Gen.Elements("a", "b", "c", "a or b", "A", "", " ", "2020-02-29", "2021-02-29", "yes", new string('x', 501)).Select(BaselineValue.Of)),
        (2, Gen.Elements(true, false).Select(BaselineValue.Of)),
        (2, Gen.Elements(MissingCodes.Unknown, MissingCodes.NotDone, "refused", "").Select(BaselineValue.MissingAs)),
        (1, Gen.Constant(new BaselineValue())),
        (1, Gen.Constant<BaselineValue>(null!)));

    /// <summary>Values for a subset of the protocol's keys (and a few keys it does not have).</summary>
    public static Gen<BaselineValues> Baselines(Protocol p) =>
        from keys in Gen.SubListOf((p.Variables ?? []).Where(v => v?.Key is not null).Select(v => v.Key).Concat(["unknown", "metastaticSites", ""]))
        from values in Values.ListOf(keys.Count)
        select new BaselineValues(keys.Distinct().Zip(values, (k, v) => new KeyValuePair<string, BaselineValue>(k, v)));

    // ── histories ───────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Days from enrolment: mostly the first year or so, some before enrolment, some years later.</summary>
    private static readonly Gen<int> Days = Gen.Frequency((2, Gen.Choose(-40, -1)), (20, Gen.Choose(0, 400)), (2, Gen.Choose(401, 1500)));

    public static readonly Gen<Knobs> KnobsGen =
        from day in Days
        from grade in Gen.Frequency((8, Gen.Choose(1, 5)), (2, Gen.Elements(-1, 0, 6, 7, int.MaxValue, int.MinValue)))
        from term in Gen.Elements<string?>(null, "", "   ", "Rash", " rash ", "Neutropenia", "Haemorrhage")
        from flag in Gen.Elements(true, false)
        from choice in Gen.Choose(0, 1000)
        from number in Gen.Frequency(
            (3, Gen.Constant<double?>(null)),
            (6, Gen.Choose(0, 300).Select(n => (double?)n)),
            (1, Gen.Elements<double?>(-5, double.NaN, double.PositiveInfinity, 0.5)))
        select new Knobs(day, grade, term, flag, choice, number);

    private static readonly Gen<FactKind> Kinds = Gen.Frequency(
        (5, Gen.Constant(FactKind.Imaging)), (2, Gen.Constant(FactKind.AdverseEvent)), (3, Gen.Constant(FactKind.TreatmentStarted)),
        (2, Gen.Constant(FactKind.Progressed)), (2, Gen.Constant(FactKind.Relapsed)), (1, Gen.Constant(FactKind.Died)),
        (2, Gen.Constant(FactKind.LastKnownAlive)), (1, Gen.Constant(FactKind.Withdrew)), (2, Gen.Constant(FactKind.Randomized)));

    private static readonly Gen<Intent> Intents = Gen.Frequency(
        (12, from kind in Kinds from knobs in KnobsGen select (Intent)new Enter(kind, knobs)),
        (3, from pick in Gen.Choose(0, 1000) from knobs in KnobsGen select (Intent)new Correct(pick, knobs)),
        (2, Gen.Choose(0, 1000).Select(pick => (Intent)new Void(pick))),
        (1, from knobs in KnobsGen from days in Gen.Elements(0, 0, 1, 30) select (Intent)new FatalAdverseEvent(knobs, days)));

    public static readonly Gen<Scenario> Scenarios =
        from protocol in Protocols
        from enrolledOn in Gen.Choose(0, 700).Select(Epoch.AddDays)
        from arm in Gen.Frequency(
            (4, Gen.Constant<string?>(protocol.IsRandomized ? null : protocol.Arms[0].Code)),
            (1, Gen.Elements<string?>([null, .. protocol.Arms.Select(a => a.Code)])))
        from baseline in Baselines(protocol)
        from count in Gen.Sized(size => Gen.Choose(0, Math.Clamp(size / 2, 3, 30)))
        from intents in Intents.ListOf(count)
        from cut in Gen.Frequency(
            (1, Gen.Constant<DateOnly?>(null)),
            (3, Gen.Choose(-60, 800).Select(d => (DateOnly?)enrolledOn.AddDays(d))))
        select new Scenario(protocol,
            new PatientEnrolled(Guid.Parse("00000000-0000-4000-8000-00000000000a"), Guid.Parse("00000000-0000-4000-8000-00000000000b"),
                arm, "S1", "SUBJ-1", enrolledOn, baseline),
            [.. intents], cut);

    /// <summary>Smaller scenarios: one intent fewer (so an accepted history stays accepted: it is re-decided), no cut, default response rules.</summary>
    private static IEnumerable<Scenario> ShrinkScenario(Scenario s)
    {
        for (var i = s.Intents.Count - 1; i >= 0; i--)
            yield return s with { Intents = [.. s.Intents.Take(i), .. s.Intents.Skip(i + 1)] };
        if (s.Protocol.Response is not null) yield return s with { Protocol = s.Protocol with { Response = null } };
        if (s.Enrolment.Baseline.Count > 0) yield return s with { Enrolment = s.Enrolment with { Baseline = BaselineValues.Empty } };
    }
}

internal static class Show
{
    public static string Protocol(Protocol p) =>
        $"{Environment.NewLine}  protocol: code {p.Code ?? "null"}, design {p.Design ?? "null"}, timeOrigin {p.TimeOrigin ?? "null"}, primaryEndpoint {p.PrimaryEndpoint ?? "null"}, response {p.Response?.ToString() ?? "null"}" +
        $"{Environment.NewLine}  arms: {List(p.Arms, a => a is null ? "null" : $"{a.Code ?? "null"}(regimen {List(a.Regimen, c => c?.Class ?? "null")})")}" +
        $"{Environment.NewLine}  variables: {List(p.Variables, v => v is null ? "null" : $"{v.Key ?? "null"}:{v.Type} levels {List(v.Levels, l => l ?? "null")} missing {List(v.Missing, m => m ?? "null")} merge {List(v.Grouping?.Merge, m => m is null ? "null" : $"{m.Label ?? "null"}={List(m.Levels, l => l ?? "null")}")} cuts {List(v.Grouping?.CutPoints, c => c.ToString())}")}" +
        $"{Environment.NewLine}  endpoints: {List(p.Endpoints, e => e ?? "null")}; eligibility: {List(p.Eligibility, c => c?.ToString() ?? "null")}; strata: {List(p.StratificationFactors, s => s ?? "null")}" +
        $"{Environment.NewLine}  analysis: {(p.Analysis is not { } a ? "null" : $"reference {a.Reference ?? "null"}, pooled {(a.Pooled is null ? "null" : string.Join(";", a.Pooled.Select(kv => $"{kv.Key}={List(kv.Value, c => c ?? "null")}")))}, comparisons {List(a.Comparisons, c => c?.ToString() ?? "null")}, subgroups {List(a.Subgroups, x => x ?? "null")}, adjustFor {List(a.AdjustFor, x => x ?? "null")}")}";

    public static string Baseline(Protocol protocol, BaselineValues baseline) =>
        $"{Protocol(protocol)}{Environment.NewLine}  baseline: {{ {string.Join(", ", baseline.Select(p => $"'{p.Key}': {(p.Value is null ? "null" : p.Value)}"))} }}";

    private static string List<T>(IEnumerable<T>? items, Func<T, string> show) => items is null ? "null" : $"[{string.Join(", ", items.Select(show))}]";
}
