using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Registry.Api.Comparisons;
using Registry.Api.StudyViews;
using Registry.Domain.Outcomes;
using Registry.Domain.Studies;
using Registry.Projections.Patients;
using Wolverine.Http;

namespace Registry.Api.Maturity;

public sealed record MaturityPoint(DateOnly DataCut, int N, int Events, double? Hr, double? HrLower, double? HrUpper, double? P, double? LogRankP, string? NotEstimableReason);

public sealed record MaturityView(string Endpoint, string Arm, string Reference, string Every, IReadOnlyList<MaturityPoint> Cuts);

/// <summary>
/// The hazard ratio at successive data cuts, each answered as the registry knew it at the end of that day
/// (asOf = cut) with follow-up ending at the cut (dataCut = cut), so investigators see the estimate settle.
/// </summary>
public static partial class MaturityEndpoint
{
    [WolverineGet("/api/studies/{studyId}/maturity")]
    [Authorize(Roles = StudyViewLoader.Readers)]
    public static async Task<IResult> Get(Guid studyId, string? endpoint, string? arm, string? reference, string? every,
        IQuerySession session, CancellationToken ct)
    {
        var (view, _, refusal) = await ComputeAsync(studyId, endpoint, arm, reference, every, session, ct);
        return view is null ? refusal! : Results.Ok(view);
    }

    /// <summary>The view and its study, or the refusal to answer with; the maturity plot draws the same view.</summary>
    public static async Task<(MaturityView? View, Study? Study, IResult? Refusal)> ComputeAsync(Guid studyId, string? endpoint, string? arm, string? reference,
        string? every, IQuerySession session, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var which = StudyViewLoader.ParseEndpoint(endpoint ?? "pfs", errors);
        var step = Step(every ?? "1m", errors);
        if (errors.Count > 0) return (null, null, Results.ValidationProblem(errors, title: "The query is not valid."));
        // Each cut derives its own outcomes from the charts, so only the study is loaded up front.
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study)
            return (null, null, Infrastructure.Problems.NotFound($"No study {studyId} is registered."));
        var experimental = StudyViewLoader.ParseArmGroup(arm, study, "arm", errors);
        var control = StudyViewLoader.ParseArmGroup(reference, study, "reference", errors);
        if (errors.Count > 0) return (null, null, Results.ValidationProblem(errors, title: "The query is not valid."));

        var charts = await session.Query<PatientChart>().Where(c => c.StudyId == studyId).ToListAsync(ct);
        var points = MaturityTimeline.Compute(charts, study, which!.Value, experimental!, control!, step!.Value);
        return (new MaturityView(which!.Value.ToString().ToLowerInvariant(), string.Join("+", experimental!), string.Join("+", control!), every ?? "1m", points), study, null);
    }

    public static (int Months, int Days)? Step(string every, Dictionary<string, string[]> errors)
    {
        var match = StepPattern().Match(every);
        if (match.Success && int.Parse(match.Groups[1].Value) is var n and > 0)
            return match.Groups[2].Value switch { "d" => (0, n), "w" => (0, 7 * n), "m" => (n, 0), _ => (12 * n, 0) };
        errors["every"] = [$"every must look like 2w, 1m, 3m or 1y, not '{every}'."];
        return null;
    }

    [GeneratedRegex("^([0-9]{1,3})([dwmy])$")]
    private static partial Regex StepPattern();
}

/// <summary>The comparison recomputed at each successive data cut, each as the registry knew it at the end of that day.</summary>
public static class MaturityTimeline
{
    public static IReadOnlyList<MaturityPoint> Compute(IReadOnlyList<PatientChart> charts, Registry.Domain.Studies.Study study, SurvivalEndpoint endpoint,
        IReadOnlyList<string> arm, IReadOnlyList<string> reference, (int Months, int Days) step)
    {
        var points = new List<MaturityPoint>();
        foreach (var cut in Cuts(charts, step))
        {
            var asOf = new DateTimeOffset(cut.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var outcomes = charts.Select(c => c.Timeline(asOf)).Where(t => t is not null)
                .Select(t => OutcomeDerivation.Derive(t!, study.ResponseRules, cut)).ToList();
            var c = HazardComparison.Compute(outcomes, endpoint, arm, reference, null, []);
            points.Add(new MaturityPoint(cut, c.N, c.Events, c.Hr, c.HrLower, c.HrUpper, c.P, c.LogRankP, c.NotEstimableReason));
        }
        return points;
    }

    /// <summary>Cuts from the first recorded entry's month to the last, at the given step.</summary>
    private static IEnumerable<DateOnly> Cuts(IReadOnlyList<PatientChart> charts, (int Months, int Days) step)
    {
        var recorded = charts.SelectMany(c => c.Entries).Select(e => DateOnly.FromDateTime(e.RecordedAt.UtcDateTime)).ToList();
        if (recorded.Count == 0) yield break;
        var first = recorded.Min();
        var last = recorded.Max();
        for (var cut = new DateOnly(first.Year, first.Month, 1).AddMonths(step.Months).AddDays(step.Days); ; cut = cut.AddMonths(step.Months).AddDays(step.Days))
        {
            if (cut >= last) { yield return last; yield break; }
            yield return cut;
        }
    }

}
