using Registry.Analytics.Survival;
using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;

namespace Registry.Projections.StudyViews;

public sealed record SurvivalStepView(double Time, int NRisk, int NEvent, double Survival, double? StdErr, double? Lower, double? Upper);
public sealed record LandmarkView(double Months, double Time, double? Survival, double? Lower, double? Upper);
public sealed record AtRiskView(double Time, int N);
public sealed record CensorMarkView(double Time, double Survival);

public sealed record ArmSurvivalView(
    string Arm, int N, int Events, double? Median, double? MedianLower, double? MedianUpper,
    IReadOnlyList<LandmarkView> Landmarks, IReadOnlyList<AtRiskView> AtRisk, IReadOnlyList<SurvivalStepView> Steps,
    IReadOnlyList<CensorMarkView> Censored, PopulationView Population);

/// <summary>Curves per group; <see cref="Population"/> is everyone the view is about (the groups' patients and any not yet randomized).</summary>
public sealed record SurvivalView(string Endpoint, string EndpointName, string TimeOrigin, string Unit, DateTimeOffset? AsOf, DateOnly? DataCut,
    IReadOnlyList<ArmSurvivalView> Arms, int WithoutArm, PopulationView Population);

/// <summary>Kaplan–Meier per arm (or pooled group): steps at each event time, medians with R's CI rule, landmark rates, numbers at risk.</summary>
public static class SurvivalCurves
{
    public const double AtRiskEveryMonths = 6;

    /// <summary>Cancellation is observed before each group's curve.</summary>
    public static SurvivalView Compute(StudyViewScope scope, EndpointDefinition endpoint, IReadOnlyList<ArmGroup> groups, bool inDays, IReadOnlyList<double> landmarkMonths,
        CancellationToken ct = default) =>
        new(endpoint.Code, endpoint.Name, scope.Protocol.TimeOrigin, inDays ? "days" : "months", scope.AsOf, scope.DataCut,
            groups.Select(g =>
            {
                ct.ThrowIfCancellationRequested();
                return ForArm(g.Label, scope.In(g), endpoint.Code, inDays, landmarkMonths);
            }).ToList(), scope.WithoutArm,
            PopulationView.About(scope.Outcomes, groups, o => ExcludedFrom(o, endpoint.Code)));

    /// <summary>Why a patient is not in an endpoint's analysis: excluded from every analysis, or (DOR) not a responder.</summary>
    public static string? ExcludedFrom(PatientOutcome outcome, string endpoint) =>
        outcome.ExcludedBecause ?? (outcome.Time(endpoint) is null ? endpoint == "dor" ? "not a responder (DOR counts responders only)" : $"no {endpoint} time" : null);

    public static ArmSurvivalView ForArm(string label, IReadOnlyList<PatientOutcome> outcomes, string endpoint, bool inDays, IReadOnlyList<double> landmarkMonths)
    {
        var scale = inDays ? 1 : 1 / StudyViewScope.DaysPerMonth;
        var population = PopulationView.Of(outcomes, o => ExcludedFrom(o, endpoint));
        var times = outcomes.Select(o => o.Analysable ? o.Time(endpoint) : null).OfType<TimeToEvent>().ToList();
        var landmarkTimes = landmarkMonths.Select(m => (Months: m, Time: inDays ? m * StudyViewScope.DaysPerMonth : m)).ToList();
        if (times.Count == 0)
            return new ArmSurvivalView(label, 0, 0, null, null, null,
                landmarkTimes.Select(t => new LandmarkView(t.Months, t.Time, null, null, null)).ToList(), [new AtRiskView(0, 0)], [], [], population);

        var curve = KaplanMeier.Estimate(new SurvivalData(times.Select(t => t.Days * scale).ToList(), times.Select(t => t.Event).ToList()));
        var every = inDays ? AtRiskEveryMonths * StudyViewScope.DaysPerMonth : AtRiskEveryMonths;
        var atRiskTimes = Enumerable.Range(0, (int)Math.Floor(curve.LastFollowUp / every) + 1).Select(i => i * every);
        var censored = curve.Timeline.Where(row => row.NCensored > 0).Select(row => new CensorMarkView(row.Time, row.Survival)).ToList();

        return new ArmSurvivalView(label, curve.Subjects, curve.Events, curve.Median.Time, curve.Median.Lower, curve.Median.Upper,
            landmarkTimes.Select(t => Landmark(curve, t.Months, t.Time)).ToList(),
            atRiskTimes.Select(t => new AtRiskView(t, curve.NumberAtRisk(t))).ToList(),
            curve.Steps.Select(s => new SurvivalStepView(s.Time, s.NRisk, s.NEvent, s.Survival, s.StdErr, s.Lower, s.Upper)).ToList(),
            censored, population);
    }

    /// <summary>
    /// S at a landmark. Past the last follow-up it is unknown (null), unless every patient has had the event: the
    /// curve has reached 0 and stays there, as R's <c>summary(fit, times, extend = TRUE)</c> reads it.
    /// </summary>
    private static LandmarkView Landmark(KaplanMeierCurve curve, double months, double time)
    {
        var estimate = curve.SurvivalAt(time);
        if (estimate.Survival is null && curve.Timeline.Count > 0 && curve.Timeline[^1].Survival == 0)
            return new LandmarkView(months, time, 0, null, null);
        return new LandmarkView(months, estimate.Time, estimate.Survival, estimate.Lower, estimate.Upper);
    }
}
