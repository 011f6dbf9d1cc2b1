using Marten;
using Microsoft.AspNetCore.Authorization;
using Registry.Analytics.Survival;
using Registry.Api.StudyViews;
using Registry.Domain.Outcomes;
using Registry.Domain.Studies;
using Wolverine.Http;

namespace Registry.Api.Survival;

public sealed record SurvivalStepView(double Time, int NRisk, int NEvent, double Survival, double? StdErr, double? Lower, double? Upper);
public sealed record LandmarkView(double Time, double? Survival, double? Lower, double? Upper);
public sealed record AtRiskView(double Time, int N);
public sealed record CensorMarkView(double Time, double Survival);

public sealed record ArmSurvivalView(
    string Arm, int N, int Events, double? Median, double? MedianLower, double? MedianUpper,
    IReadOnlyList<LandmarkView> Landmarks, IReadOnlyList<AtRiskView> AtRisk, IReadOnlyList<SurvivalStepView> Steps,
    IReadOnlyList<CensorMarkView> Censored);

public sealed record SurvivalView(string Endpoint, string Unit, DateTimeOffset? AsOf, DateOnly? DataCut, IReadOnlyList<ArmSurvivalView> Arms);

/// <summary>Kaplan–Meier per arm (or pooled arm group): steps at each event time, medians with R's CI rule, landmarks, numbers at risk.</summary>
public static class SurvivalCurves
{
    public static readonly double[] LandmarkMonths = [6, 12, 24];
    public const double AtRiskEveryMonths = 6;

    public static ArmSurvivalView ForArm(string label, IEnumerable<PatientOutcome> outcomes, SurvivalEndpoint endpoint, bool inDays)
    {
        var scale = inDays ? 1 : 1 / StudyViewScope.DaysPerMonth;
        var times = outcomes.Select(o => StudyViewScope.Time(o, endpoint)).OfType<TimeToEvent>().ToList();
        var landmarkTimes = LandmarkMonths.Select(m => inDays ? m * StudyViewScope.DaysPerMonth : m).ToArray();
        if (times.Count == 0)
            return new ArmSurvivalView(label, 0, 0, null, null, null,
                landmarkTimes.Select(t => new LandmarkView(t, null, null, null)).ToList(), [new AtRiskView(0, 0)], [], []);

        var curve = KaplanMeier.Estimate(new SurvivalData(times.Select(t => t.Days * scale).ToList(), times.Select(t => t.Event).ToList()));
        var every = inDays ? AtRiskEveryMonths * StudyViewScope.DaysPerMonth : AtRiskEveryMonths;
        var atRiskTimes = Enumerable.Range(0, (int)Math.Floor(curve.LastFollowUp / every) + 1).Select(i => i * every);
        var survivalAtCensor = 1.0;
        var censored = new List<CensorMarkView>();
        foreach (var row in curve.Timeline)
        {
            survivalAtCensor = row.Survival;
            if (row.NCensored > 0) censored.Add(new CensorMarkView(row.Time, survivalAtCensor));
        }

        return new ArmSurvivalView(label, curve.Subjects, curve.Events, curve.Median.Time, curve.Median.Lower, curve.Median.Upper,
            landmarkTimes.Select(t => curve.SurvivalAt(t)).Select(l => new LandmarkView(l.Time, l.Survival, l.Lower, l.Upper)).ToList(),
            atRiskTimes.Select(t => new AtRiskView(t, curve.NumberAtRisk(t))).ToList(),
            curve.Steps.Select(s => new SurvivalStepView(s.Time, s.NRisk, s.NEvent, s.Survival, s.StdErr, s.Lower, s.Upper)).ToList(),
            censored);
    }

    /// <summary>The arm groups a view shows: each arm of the study, or the groups named in <c>arms=ITC,IT+IC</c>.</summary>
    public static IReadOnlyList<(string Label, IReadOnlyList<string> Codes)>? ArmGroups(string? arms, StudyViewScope scope, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(arms)) return scope.Study.Arms.Select(a => (a.Code, (IReadOnlyList<string>)[a.Code])).ToList();
        var groups = new List<(string, IReadOnlyList<string>)>();
        foreach (var group in arms.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (StudyViewLoader.ParseArmGroup(group, scope.Study, "arms", errors) is not { } codes) return null;
            groups.Add((string.Join("+", codes), codes));
        }
        return groups;
    }
}

public static class GettingSurvivalEndpoint
{
    [WolverineGet("/api/studies/{studyId}/survival")]
    [Authorize(Roles = StudyViewLoader.Readers)]
    public static async Task<IResult> Get(Guid studyId, string? endpoint, string? arms, string? asOf, string? dataCut, string? unit, bool? consistent,
        IQuerySession session, CancellationToken ct)
    {
        var (view, _, refusal) = await ComputeAsync(studyId, endpoint, arms, asOf, dataCut, unit, consistent, session, ct);
        return view is null ? refusal! : Results.Ok(view);
    }

    /// <summary>The view and its study, or the refusal to answer with; the Kaplan–Meier plot draws the same view.</summary>
    public static async Task<(SurvivalView? View, Study? Study, IResult? Refusal)> ComputeAsync(Guid studyId, string? endpoint, string? arms,
        string? asOf, string? dataCut, string? unit, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var which = StudyViewLoader.ParseEndpoint(endpoint ?? "pfs", errors);
        var inDays = Units.InDays(unit, errors);
        if (errors.Count > 0) return (null, null, Results.ValidationProblem(errors, title: "The query is not valid."));

        var (scope, refusal) = await StudyViewLoader.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        if (scope is null) return (null, null, refusal);
        if (SurvivalCurves.ArmGroups(arms, scope, errors) is not { } groups) return (null, null, Results.ValidationProblem(errors, title: "The query is not valid."));

        var views = groups.Select(g => SurvivalCurves.ForArm(g.Label, scope.Outcomes.Where(o => g.Codes.Contains(o.Arm)), which!.Value, inDays)).ToList();
        return (new SurvivalView(which!.Value.ToString().ToLowerInvariant(), inDays ? "days" : "months", scope.AsOf, scope.DataCut, views), scope.Study, null);
    }
}

public static class Units
{
    public static bool InDays(string? unit, Dictionary<string, string[]> errors)
    {
        switch (unit?.ToLowerInvariant())
        {
            case null or "months": return false;
            case "days": return true;
            default:
                errors["unit"] = [$"unit must be 'months' or 'days', not '{unit}'."];
                return false;
        }
    }
}
