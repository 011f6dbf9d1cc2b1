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

    /// <summary>
    /// One pass over the study's patients finds each one's groups, exclusion and time for every curve and count (at
    /// 100 000 patients a pass per group and per count was most of the answer). Cancellation is observed before the pass and each group's curve.
    /// </summary>
    public static SurvivalView Compute(StudyViewScope scope, EndpointDefinition endpoint, IReadOnlyList<ArmGroup> groups, bool inDays, IReadOnlyList<double> landmarkMonths,
        CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var code = endpoint.Code;
        var noTime = NoTime(code);
        var about = new PopulationCount();
        var counted = new PopulationCount[groups.Count];
        var times = new List<TimeToEvent>[groups.Count];
        for (var g = 0; g < groups.Count; g++) (counted[g], times[g]) = (new PopulationCount(), []);
        var withoutArm = 0;
        foreach (var outcome in scope.Outcomes)
        {
            if (outcome.Arm is not { } arm)
            {
                withoutArm++;
                about.Add(PopulationView.NotRandomized(outcome));
                continue;
            }
            var time = outcome.Time(code);
            var excluded = outcome.ExcludedBecause ?? (time is null ? noTime : null);
            var inAny = false;
            for (var g = 0; g < groups.Count; g++)
            {
                if (!groups[g].Contains(arm)) continue;
                inAny = true;
                counted[g].Add(excluded);
                if (excluded is null) times[g].Add(time!);
            }
            if (inAny) about.Add(excluded);
        }
        var arms = new List<ArmSurvivalView>(groups.Count);
        for (var g = 0; g < groups.Count; g++)
        {
            ct.ThrowIfCancellationRequested();
            arms.Add(ForArm(groups[g].Label, times[g], counted[g].View(), inDays, landmarkMonths));
        }
        return new(endpoint.Code, endpoint.Name, scope.Protocol.TimeOrigin, inDays ? "days" : "months", scope.AsOf, scope.DataCut, arms, withoutArm, about.View());
    }

    /// <summary>Why a patient is not in an endpoint's analysis: excluded from every analysis, or (DOR) not a responder.</summary>
    public static string? ExcludedFrom(PatientOutcome outcome, string endpoint) => ExcludedFrom(outcome, endpoint, outcome.Time(endpoint));

    /// <param name="time">The patient's time for the endpoint, looked up already (a view that reads it too looks it up once).</param>
    public static string? ExcludedFrom(PatientOutcome outcome, string endpoint, TimeToEvent? time) =>
        outcome.ExcludedBecause ?? (time is null ? NoTime(endpoint) : null);

    /// <summary>Why a patient with no time for the endpoint is not in its analysis.</summary>
    private static string NoTime(string endpoint) => endpoint == "dor" ? "not a responder (DOR counts responders only)" : $"no {endpoint} time";

    /// <summary>A group's curve of its analysed patients' times (in the study's patient order), with who the group's patients are.</summary>
    private static ArmSurvivalView ForArm(string label, List<TimeToEvent> times, PopulationView population, bool inDays, IReadOnlyList<double> landmarkMonths)
    {
        var scale = inDays ? 1 : 1 / StudyViewScope.DaysPerMonth;
        var landmarkTimes = landmarkMonths.Select(m => (Months: m, Time: inDays ? m * StudyViewScope.DaysPerMonth : m)).ToList();
        if (times.Count == 0)
            return new ArmSurvivalView(label, 0, 0, null, null, null,
                landmarkTimes.Select(t => new LandmarkView(t.Months, t.Time, null, null, null)).ToList(), [new AtRiskView(0, 0)], [], [], population);

        var days = new double[times.Count];
        var events = new bool[times.Count];
        for (var i = 0; i < times.Count; i++) (days[i], events[i]) = (times[i].Days * scale, times[i].Event);
        var curve = KaplanMeier.Estimate(new SurvivalData(days, events));
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
