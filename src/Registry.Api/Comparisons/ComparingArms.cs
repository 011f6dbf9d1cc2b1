using Marten;
using Microsoft.AspNetCore.Authorization;
using Registry.Analytics.Cox;
using Registry.Analytics.Survival;
using Registry.Api.StudyViews;
using Registry.Domain.Outcomes;
using Wolverine.Http;

namespace Registry.Api.Comparisons;

/// <summary>
/// Experimental vs reference: Cox hazard ratio (Efron ties) with Wald 95% CI and p, and the log-rank p (stratified
/// when strata are given). When the HR cannot be estimated the numbers are null and <c>notEstimableReason</c> says why.
/// </summary>
public sealed record ComparisonView(
    string Endpoint, string Arm, string Reference, int N, int Events,
    double? Hr, double? HrLower, double? HrUpper, double? P, double? LogRankP,
    bool Estimable, string? NotEstimableReason, string? Strata, IReadOnlyList<string> AdjustedFor,
    IReadOnlyList<CoxTermView> Terms, DateTimeOffset? AsOf, DateOnly? DataCut);

public sealed record CoxTermView(string Name, double? Coef, double? Se, double? Hr, double? HrLower, double? HrUpper, double? P, string? NotEstimableReason);

public static class HazardComparison
{
    public static ComparisonView Compute(IReadOnlyList<PatientOutcome> outcomes, SurvivalEndpoint endpoint,
        IReadOnlyList<string> arm, IReadOnlyList<string> reference, BaselineVariable? strata, IReadOnlyList<BaselineVariable> adjust,
        DateTimeOffset? asOf = null, DateOnly? dataCut = null)
    {
        var armLabel = string.Join("+", arm);
        var referenceLabel = string.Join("+", reference);
        var rows = outcomes
            .Where(o => arm.Contains(o.Arm) || reference.Contains(o.Arm))
            .Select(o => (Outcome: o, Time: StudyViewScope.Time(o, endpoint)))
            .Where(r => r.Time is not null)
            .ToList();
        var events = rows.Count(r => r.Time!.Event);
        ComparisonView Result(CoxModel? model, double? logRankP, string? reason)
        {
            var term = model?.Terms[0];
            return new ComparisonView(endpoint.ToString().ToLowerInvariant(), armLabel, referenceLabel, rows.Count, events,
                term?.HazardRatio, term?.HazardRatioLower, term?.HazardRatioUpper, term?.P, logRankP,
                term?.Estimable ?? false, reason ?? term?.NotEstimableReason, strata?.Name, adjust.Select(a => a.Name).ToList(),
                model?.Terms.Select(t => new CoxTermView(t.Name, t.Coefficient, t.StandardError, t.HazardRatio, t.HazardRatioLower, t.HazardRatioUpper, t.P, t.NotEstimableReason)).ToList() ?? [],
                asOf, dataCut);
        }

        var inArm = rows.Select(r => arm.Contains(r.Outcome.Arm)).ToList();
        if (!inArm.Contains(true) || !inArm.Contains(false))
            return Result(null, null, $"No analysable patients in {(inArm.Contains(true) ? referenceLabel : armLabel)} (PFS and OS need a treatment start).");
        if (events == 0)
            return Result(null, null, "No events yet in either group: the hazard ratio is not estimable.");

        var times = rows.Select(r => (double)r.Time!.Days).ToList();
        var hadEvent = rows.Select(r => r.Time!.Event).ToList();
        var strataLabels = strata is null ? null : rows.Select(r => strata.Category!(r.Outcome.Baseline)).ToList();

        var design = new CoxDesign().AddGroup("arm", inArm.Select(e => e ? armLabel : referenceLabel).ToList(), referenceLabel, [referenceLabel, armLabel]);
        foreach (var variable in adjust)
        {
            if (variable.IsCategorical)
            {
                var labels = rows.Select(r => variable.Category!(r.Outcome.Baseline)).ToList();
                var present = variable.Levels!.Where(labels.Contains).ToList();
                design.AddGroup(variable.Name, labels, present[0], present);
            }
            else design.AddCovariate(variable.Name, rows.Select(r => variable.Value!(r.Outcome.Baseline)).ToList());
        }

        var logRank = LogRank.Test(
        [
            Group(armLabel, rows.Where((_, i) => inArm[i]).ToList(), strata),
            Group(referenceLabel, rows.Where((_, i) => !inArm[i]).ToList(), strata),
        ]);
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

    private static SurvivalGroup Group(string label, List<(PatientOutcome Outcome, TimeToEvent? Time)> rows, BaselineVariable? strata) => new(
        label,
        new SurvivalData(rows.Select(r => (double)r.Time!.Days).ToList(), rows.Select(r => r.Time!.Event).ToList()),
        strata is null ? null : rows.Select(r => strata.Category!(r.Outcome.Baseline)).ToList());

    /// <summary>Parses strata=VAR and adjust=A,B against the baseline variables; strata must be categorical.</summary>
    public static (BaselineVariable? Strata, IReadOnlyList<BaselineVariable> Adjust) Covariates(string? strata, string? adjust, Dictionary<string, string[]> errors)
    {
        BaselineVariable? strataVariable = null;
        if (!string.IsNullOrWhiteSpace(strata))
        {
            strataVariable = BaselineVariables.Find(strata);
            if (strataVariable is not { IsCategorical: true })
                errors["strata"] = [$"'{strata}' is not a categorical baseline variable; use one of {string.Join(", ", BaselineVariables.Categorical.Select(v => v.Name))}."];
        }
        var adjustVariables = new List<BaselineVariable>();
        foreach (var name in (adjust ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (BaselineVariables.Find(name) is { } variable) adjustVariables.Add(variable);
            else errors["adjust"] = [$"'{name}' is not a baseline variable; use any of {string.Join(", ", BaselineVariables.All.Select(v => v.Name))}."];
        }
        return (strataVariable, adjustVariables);
    }
}

public static class ComparingArmsEndpoint
{
    [WolverineGet("/api/studies/{studyId}/comparisons")]
    [Authorize(Roles = StudyViewLoader.Readers)]
    public static async Task<IResult> Get(Guid studyId, string? endpoint, string? arm, string? reference, string? strata, string? adjust,
        string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var which = StudyViewLoader.ParseEndpoint(endpoint ?? "pfs", errors);
        var (strataVariable, adjustVariables) = HazardComparison.Covariates(strata, adjust, errors);
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The query is not valid.");

        var (scope, refusal) = await StudyViewLoader.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        if (scope is null) return refusal!;
        var experimental = StudyViewLoader.ParseArmGroup(arm, scope.Study, "arm", errors);
        var control = StudyViewLoader.ParseArmGroup(reference, scope.Study, "reference", errors);
        if (experimental is not null && control is not null && experimental.Intersect(control).Any())
            errors["reference"] = ["arm and reference must not share an arm."];
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The query is not valid.");

        return Results.Ok(HazardComparison.Compute(scope.Outcomes, which!.Value, experimental!, control!, strataVariable, adjustVariables, scope.AsOf, scope.DataCut));
    }
}
