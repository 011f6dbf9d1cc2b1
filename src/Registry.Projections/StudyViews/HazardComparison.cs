using Registry.Analytics.Comparisons;
using Registry.Analytics.Cox;
using Registry.Analytics.Survival;
using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;

namespace Registry.Projections.StudyViews;

/// <summary>
/// Experimental vs reference: Cox hazard ratio (Efron ties) with Wald 95% CI and p, and the log-rank p (stratified
/// when strata are given). When the HR cannot be estimated the numbers are null and <c>notEstimableReason</c> says why.
/// </summary>
public sealed record ComparisonView(
    string Endpoint, string Arm, string Reference, int N, int Events,
    double? Hr, double? HrLower, double? HrUpper, double? P, double? LogRankP,
    bool Estimable, string? NotEstimableReason, string? Strata, IReadOnlyList<string> AdjustedFor,
    IReadOnlyList<CoxTermView> Terms, PopulationView Population, DateTimeOffset? AsOf, DateOnly? DataCut);

public sealed record CoxTermView(string Name, double? Coef, double? Se, double? Hr, double? HrLower, double? HrUpper, double? P, string? NotEstimableReason);

/// <summary>The comparisons a study's analysis plan names, each computed as <see cref="HazardComparison.Compute"/> would.</summary>
public sealed record PlannedComparisonsView(string Endpoint, IReadOnlyList<ComparisonView> Comparisons, DateTimeOffset? AsOf, DateOnly? DataCut);

public static class HazardComparison
{
    public static ComparisonView Compute(IReadOnlyList<PatientOutcome> outcomes, string endpoint, ArmGroup arm, ArmGroup reference,
        Variable? strata, IReadOnlyList<Variable> adjust, DateTimeOffset? asOf = null, DateOnly? dataCut = null, CancellationToken ct = default) =>
        Compute(EndpointPatients.Of(outcomes, endpoint, adjust, ct), arm, reference, strata, asOf, dataCut, ct);

    /// <summary>One comparison of the patients read once for every comparison of an endpoint.</summary>
    public static ComparisonView Compute(EndpointPatients patients, ArmGroup arm, ArmGroup reference, Variable? strata,
        DateTimeOffset? asOf = null, DateOnly? dataCut = null, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var (endpoint, adjust) = (patients.Endpoint, patients.Adjust);
        // Who the comparison is about, and the analysed, in one pass over the study's patients.
        var counted = new PopulationCount();
        var analysed = new List<int>();
        var inArm = new List<bool>();
        for (var i = 0; i < patients.Count; i++)
        {
            if (patients.Arm[i] is not { } patientArm)
            {
                counted.Add(patients.Excluded[i]);
                continue;
            }
            var experimental = arm.Contains(patientArm);
            if (!experimental && !reference.Contains(patientArm)) continue;
            counted.Add(patients.Excluded[i]);
            if (patients.Excluded[i] is not null) continue;
            analysed.Add(i);
            inArm.Add(experimental);
        }
        var population = counted.View();
        var rows = analysed.ConvertAll(i => patients.Outcomes[i]);
        var times = analysed.Select(i => patients.Days[i]).ToArray();
        var hadEvent = analysed.Select(i => patients.Event[i]).ToArray();
        var events = hadEvent.Count(e => e);
        ComparisonView Result(CoxModel? model, double? logRankP, string? reason)
        {
            var term = model?.Terms[0];
            return new ComparisonView(endpoint, arm.Label, reference.Label, rows.Count, events,
                term?.HazardRatio, term?.HazardRatioLower, term?.HazardRatioUpper, term?.P, logRankP,
                term?.Estimable ?? false, reason ?? term?.NotEstimableReason, strata?.Key, adjust.Select(a => a.Key).ToList(),
                model?.Terms.Select(t => new CoxTermView(t.Name, t.Coefficient, t.StandardError, t.HazardRatio, t.HazardRatioLower, t.HazardRatioUpper, t.P, t.NotEstimableReason)).ToList() ?? [],
                population, asOf, dataCut);
        }

        var strataLabels = strata is null ? null : VariableGroups.OrUnknown(rows, strata);
        if (adjust.Count == 0 && times.All(t => t is >= 0 and <= TwoGroupCounts.MaximumDay))
        {
            // Unadjusted: the analysed patients counted per day (and stratum), compared as maturity's cuts are.
            var counts = new TwoGroupCounts();
            var stratumCodes = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < rows.Count; i++)
            {
                var stratum = strataLabels is null ? 0 : stratumCodes.TryGetValue(strataLabels[i], out var code) ? code : stratumCodes[strataLabels[i]] = stratumCodes.Count;
                counts.Add((int)times[i], inArm[i], hadEvent[i], stratum);
            }
            var (unadjusted, unadjustedLogRankP, unadjustedReason) = Unadjusted(counts, arm, reference, ct);
            return Result(unadjusted, unadjustedLogRankP, unadjustedReason);
        }
        if (NotComparable(inArm.Count(e => e), inArm.Count(e => !e), events, arm, reference) is { } reason)
            return Result(null, null, reason);

        var design = new CoxDesign().AddGroup(ArmTerm, inArm.Select(e => e ? arm.Label : reference.Label).ToList(), reference.Label, [reference.Label, arm.Label]);
        foreach (var variable in adjust)
        {
            if (variable.IsGroupable)
            {
                var labels = VariableGroups.OrUnknown(rows, variable);
                var recorded = labels.ToHashSet();
                var present = DataDictionary.GroupLabels(variable).Concat(MissingCodes.All.Select(MissingCodes.Label)).Where(recorded.Contains).ToList();
                design.AddGroup(variable.Key, labels, present[0], present);
            }
            else design.AddCovariate(variable.Key, rows.Select(r => DataDictionary.NumericOf(r.Baseline.Get(variable.Key))!.Value).ToList());
        }

        var logRank = LogRank.Test(
        [
            SurvivalGroup(arm.Label, true, inArm, times, hadEvent, strataLabels),
            SurvivalGroup(reference.Label, false, inArm, times, hadEvent, strataLabels),
        ]);
        // The Cox fit is the costly step: not begun for a caller who has gone.
        ct.ThrowIfCancellationRequested();
        try
        {
            var model = CoxRegression.Fit(design, times, hadEvent, strataLabels, new CoxOptions { Ties = CoxTies.Efron });
            return Result(model, logRank.Test?.P, null);
        }
        catch (ArgumentException unfit)
        {
            return Result(null, logRank.Test?.P, unfit.Message);
        }
    }

    /// <summary>
    /// An unadjusted comparison (stratified when more than one stratum was counted) of the analysed patients counted
    /// per day: the live comparisons and maturity's cuts both come here, so the same patients give the same digits.
    /// </summary>
    public static (CoxModel? Model, double? LogRankP, string? NotEstimableReason) Unadjusted(TwoGroupCounts counts, ArmGroup arm, ArmGroup reference,
        CancellationToken ct = default)
    {
        if (NotComparable(counts.ExperimentalSubjects, counts.ReferenceSubjects, counts.Events, arm, reference) is { } reason) return (null, null, reason);
        var logRank = TwoGroupComparison.LogRank(counts, arm.Label, reference.Label);
        ct.ThrowIfCancellationRequested();
        try
        {
            return (TwoGroupComparison.Cox(counts, $"{ArmTerm}={arm.Label}", new CoxOptions { Ties = CoxTies.Efron }), logRank.Test?.P, null);
        }
        catch (ArgumentException unfit)
        {
            return (null, logRank.Test?.P, unfit.Message);
        }
    }

    private const string ArmTerm = "arm";

    /// <summary>Why the hazard ratio cannot be estimated before any fit: a side without analysed patients, or no events.</summary>
    private static string? NotComparable(int experimental, int referenceSide, int events, ArmGroup arm, ArmGroup reference) =>
        experimental == 0 || referenceSide == 0 ? $"No analysable patients in {(experimental > 0 ? reference.Label : arm.Label)}."
        : events == 0 ? "No events yet in either group: the hazard ratio is not estimable."
        : null;

    /// <summary>
    /// The study's patients as an endpoint's comparisons read them — each one's arm, why it is not analysed (null: it
    /// is), its time — worked out in one pass for every comparison of an answer: at 100 000 patients a pass per
    /// comparison waited on memory more than it computed.
    /// </summary>
    public sealed class EndpointPatients
    {
        private EndpointPatients(string endpoint, IReadOnlyList<Variable> adjust, int count) =>
            (Endpoint, Adjust, Outcomes, Arm, Excluded, Days, Event) = (endpoint, adjust, new PatientOutcome[count], new string?[count], new string?[count], new double[count], new bool[count]);

        public string Endpoint { get; }

        /// <summary>The covariates adjusted for: a patient missing a numeric one is not analysed.</summary>
        public IReadOnlyList<Variable> Adjust { get; }

        public int Count => Outcomes.Length;
        internal PatientOutcome[] Outcomes { get; }
        internal string?[] Arm { get; }
        internal string?[] Excluded { get; }
        internal double[] Days { get; }
        internal bool[] Event { get; }

        public static EndpointPatients Of(IReadOnlyList<PatientOutcome> outcomes, string endpoint, IReadOnlyList<Variable> adjust, CancellationToken ct = default)
        {
            ct.ThrowIfCancellationRequested();
            var patients = new EndpointPatients(endpoint, adjust, outcomes.Count);
            for (var i = 0; i < outcomes.Count; i++)
            {
                var o = outcomes[i];
                var time = o.Time(endpoint);
                patients.Outcomes[i] = o;
                patients.Arm[i] = o.Arm;
                patients.Excluded[i] = o.Arm is null ? PopulationView.NotRandomized(o) : WhyNotAnalysed(o, endpoint, time, adjust);
                if (time is not null) (patients.Days[i], patients.Event[i]) = (time.Days, time.Event);
            }
            return patients;
        }

        private static string? WhyNotAnalysed(PatientOutcome o, string endpoint, TimeToEvent? time, IReadOnlyList<Variable> adjust)
        {
            if (o.ExcludedBecause is { } excluded) return excluded;
            if (time is null) return SurvivalCurves.ExcludedFrom(o, endpoint);
            foreach (var v in adjust)
                if (v.IsNumeric && !v.IsGroupable && DataDictionary.NumericOf(o.Baseline.Get(v.Key)) is null) return $"{v.Key} missing (adjusted for)";
            return null;
        }
    }

    /// <summary>The analysed patients on one side of the comparison (<paramref name="inArm"/> equal to <paramref name="side"/>), in their order.</summary>
    private static SurvivalGroup SurvivalGroup(string label, bool side, List<bool> inArm, double[] times, bool[] hadEvent, string[]? strata)
    {
        var sideTimes = new List<double>();
        var sideEvents = new List<bool>();
        var sideStrata = strata is null ? null : new List<string>();
        for (var i = 0; i < inArm.Count; i++)
        {
            if (inArm[i] != side) continue;
            sideTimes.Add(times[i]);
            sideEvents.Add(hadEvent[i]);
            sideStrata?.Add(strata![i]);
        }
        return new(label, new SurvivalData(sideTimes, sideEvents), sideStrata);
    }

    /// <summary>
    /// strata=KEY (or the plan's first stratification variable when omitted; <c>none</c> for none) and adjust=A,B
    /// (<c>plan</c> for the plan's covariates) against the study's dictionary.
    /// </summary>
    public static (Variable? Strata, IReadOnlyList<Variable> Adjust) Covariates(string? strata, string? adjust, Protocol protocol, Dictionary<string, string[]> errors)
    {
        Variable? strataVariable = null;
        var strataKey = strata ?? protocol.Analysis?.StratifyBy?.FirstOrDefault();
        if (!string.IsNullOrWhiteSpace(strataKey) && !string.Equals(strataKey, "none", StringComparison.OrdinalIgnoreCase))
            strataVariable = ViewQuery.GroupingVariable(strataKey.Trim(), protocol, "strata", errors);

        var keys = string.Equals(adjust?.Trim(), "plan", StringComparison.OrdinalIgnoreCase)
            ? protocol.Analysis?.AdjustFor ?? []
            : ViewQuery.List(adjust ?? "", "adjust", ProtocolLimits.AdjustFor, errors) ?? [];
        var adjustVariables = new List<Variable>();
        foreach (var key in keys)
        {
            if (protocol.Variable(key) is { } v && (v.IsGroupable || v.IsNumeric)) adjustVariables.Add(v);
            else errors["adjust"] = [$"'{key}' is not a numeric, categorical or boolean variable of study {protocol.Code}; use any of {string.Join(", ", protocol.Variables.Where(x => x.IsGroupable || x.IsNumeric).Select(x => x.Key))}."];
        }
        return (strataVariable, adjustVariables);
    }
}
