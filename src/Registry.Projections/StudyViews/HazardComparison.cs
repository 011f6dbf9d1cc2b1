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
        Variable? strata, IReadOnlyList<Variable> adjust, DateTimeOffset? asOf = null, DateOnly? dataCut = null, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var enrolled = outcomes.Where(o => arm.Contains(o) || reference.Contains(o)).ToList();
        string? Excluded(PatientOutcome o) => SurvivalCurves.ExcludedFrom(o, endpoint)
            ?? adjust.Where(v => v.IsNumeric && !v.IsGroupable && DataDictionary.NumericOf(o.Baseline.Get(v.Key)) is null)
                .Select(v => $"{v.Key} missing (adjusted for)").FirstOrDefault();
        var population = PopulationView.About(outcomes, [arm, reference], Excluded);
        var rows = enrolled.Where(o => Excluded(o) is null).Select(o => (Outcome: o, Time: o.Time(endpoint)!)).ToList();
        var events = rows.Count(r => r.Time.Event);
        ComparisonView Result(CoxModel? model, double? logRankP, string? reason)
        {
            var term = model?.Terms[0];
            return new ComparisonView(endpoint, arm.Label, reference.Label, rows.Count, events,
                term?.HazardRatio, term?.HazardRatioLower, term?.HazardRatioUpper, term?.P, logRankP,
                term?.Estimable ?? false, reason ?? term?.NotEstimableReason, strata?.Key, adjust.Select(a => a.Key).ToList(),
                model?.Terms.Select(t => new CoxTermView(t.Name, t.Coefficient, t.StandardError, t.HazardRatio, t.HazardRatioLower, t.HazardRatioUpper, t.P, t.NotEstimableReason)).ToList() ?? [],
                population, asOf, dataCut);
        }

        var inArm = rows.Select(r => arm.Contains(r.Outcome)).ToList();
        if (!inArm.Contains(true) || !inArm.Contains(false))
            return Result(null, null, $"No analysable patients in {(inArm.Contains(true) ? reference.Label : arm.Label)}.");
        if (events == 0)
            return Result(null, null, "No events yet in either group: the hazard ratio is not estimable.");

        var times = rows.Select(r => (double)r.Time.Days).ToList();
        var hadEvent = rows.Select(r => r.Time.Event).ToList();
        var strataLabels = strata is null ? null : rows.Select(r => Group(strata, r.Outcome)).ToList();

        var design = new CoxDesign().AddGroup("arm", inArm.Select(e => e ? arm.Label : reference.Label).ToList(), reference.Label, [reference.Label, arm.Label]);
        foreach (var variable in adjust)
        {
            if (variable.IsGroupable)
            {
                var labels = rows.Select(r => Group(variable, r.Outcome)).ToList();
                var present = DataDictionary.GroupLabels(variable).Concat(MissingCodes.All.Select(MissingCodes.Label)).Where(labels.Contains).ToList();
                design.AddGroup(variable.Key, labels, present[0], present);
            }
            else design.AddCovariate(variable.Key, rows.Select(r => DataDictionary.NumericOf(r.Outcome.Baseline.Get(variable.Key))!.Value).ToList());
        }

        var logRank = LogRank.Test(
        [
            SurvivalGroup(arm.Label, rows.Where((_, i) => inArm[i]).ToList(), strata),
            SurvivalGroup(reference.Label, rows.Where((_, i) => !inArm[i]).ToList(), strata),
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

    /// <summary>The patient's group for a variable; a missing value is its own group ("Unknown", "Not done").</summary>
    public static string Group(Variable variable, PatientOutcome outcome) => DataDictionary.GroupOrUnknown(variable, outcome.Baseline.Get(variable.Key));

    private static SurvivalGroup SurvivalGroup(string label, List<(PatientOutcome Outcome, TimeToEvent Time)> rows, Variable? strata) => new(
        label,
        new SurvivalData(rows.Select(r => (double)r.Time.Days).ToList(), rows.Select(r => r.Time.Event).ToList()),
        strata is null ? null : rows.Select(r => Group(strata, r.Outcome)).ToList());

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
