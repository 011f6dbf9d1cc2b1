using System.Text.RegularExpressions;
using Registry.Domain.Studies;
using Registry.Projections.Patients;

namespace Registry.Projections.StudyViews;

public sealed record MaturityPoint(DateOnly DataCut, int N, int Events, double? Hr, double? HrLower, double? HrUpper, double? P, double? LogRankP, string? NotEstimableReason);

public sealed record MaturityView(string Endpoint, string Arm, string Reference, string Every, IReadOnlyList<MaturityPoint> Cuts);

/// <summary>
/// The comparison recomputed at successive data cuts, each as the registry knew it at the end of that day
/// (asOf = cut, under the protocol then in force) with follow-up ending at the cut, so investigators see the estimate settle.
/// </summary>
public static partial class MaturityTimeline
{
    /// <summary>At most this many cuts per request: a finer step than the study's span allows is refused, not computed.</summary>
    public const int MaximumCuts = 120;

    public static IReadOnlyList<MaturityPoint> Compute(IReadOnlyList<PatientChart> charts, Study study, string endpoint,
        ArmGroup arm, ArmGroup reference, (int Months, int Days) step, CancellationToken ct = default)
    {
        var points = new List<MaturityPoint>();
        foreach (var cut in Cuts(charts, step))
        {
            ct.ThrowIfCancellationRequested();
            var asOf = new DateTimeOffset(cut.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            if (study.AsOf(asOf) is not { } then) continue;
            var outcomes = StudyViewLoader.Derive(charts, then, asOf, cut, ct);
            var c = HazardComparison.Compute(outcomes, endpoint, arm, reference, null, [], ct: ct);
            points.Add(new MaturityPoint(cut, c.N, c.Events, c.Hr, c.HrLower, c.HrUpper, c.P, c.LogRankP, c.NotEstimableReason));
        }
        return points;
    }

    /// <summary>How many cuts a step makes over the charts' recording span; checked before any work is done.</summary>
    public static int CountCuts(IReadOnlyList<PatientChart> charts, (int Months, int Days) step) => Cuts(charts, step).Take(MaximumCuts + 1).Count();

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

    /// <summary>A step such as 2w, 1m, 3m or 1y (at least a week).</summary>
    public static (int Months, int Days)? Step(string every, Dictionary<string, string[]> errors)
    {
        var match = StepPattern().Match(every);
        if (match.Success && int.Parse(match.Groups[1].Value) is var n and > 0)
            return match.Groups[2].Value switch { "w" => (0, 7 * n), "m" => (n, 0), _ => (12 * n, 0) };
        errors["every"] = [$"every must look like 2w, 1m, 3m or 1y, not '{every}'."];
        return null;
    }

    [GeneratedRegex("^([0-9]{1,2})([wmy])$")]
    private static partial Regex StepPattern();
}
