using System.Text.RegularExpressions;
using Registry.Domain.Outcomes;
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
        ArmGroup arm, ArmGroup reference, (int Months, int Days) step, CancellationToken ct = default) =>
        Compute(charts, study, endpoint, arm, reference, Cuts(charts, step), ct).Select(p => p.Point).OfType<MaturityPoint>().ToList();

    /// <summary>The comparison at each of <paramref name="cuts"/>, each derived from the charts as the registry knew them then; cuts before the study was registered have no point.</summary>
    public static IReadOnlyList<(DateOnly Cut, MaturityPoint? Point)> Compute(IReadOnlyList<PatientChart> charts, Study study, string endpoint,
        ArmGroup arm, ArmGroup reference, IEnumerable<DateOnly> cuts, CancellationToken ct = default)
    {
        var points = new List<(DateOnly, MaturityPoint?)>();
        foreach (var cut in cuts)
        {
            ct.ThrowIfCancellationRequested();
            if (study.AsOf(AsOf(cut)) is not { } then)
            {
                points.Add((cut, null));
                continue;
            }
            points.Add((cut, Point(StudyViewLoader.Derive(charts, then, AsOf(cut), cut, ct), cut, endpoint, arm, reference, ct)));
        }
        return points;
    }

    /// <summary>The comparison at one cut, from the outcomes derived at it.</summary>
    public static MaturityPoint Point(IReadOnlyList<PatientOutcome> outcomes, DateOnly cut, string endpoint, ArmGroup arm, ArmGroup reference, CancellationToken ct = default)
    {
        var c = HazardComparison.Compute(outcomes, endpoint, arm, reference, null, [], ct: ct);
        return new MaturityPoint(cut, c.N, c.Events, c.Hr, c.HrLower, c.HrUpper, c.P, c.LogRankP, c.NotEstimableReason);
    }

    /// <summary>The moment a cut is read at: the end of its day (UTC).</summary>
    public static DateTimeOffset AsOf(DateOnly cut) => new(cut.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>How many cuts a step makes over the charts' recording span; checked before any work is done.</summary>
    public static int CountCuts(IReadOnlyList<PatientChart> charts, (int Months, int Days) step) => Cuts(charts, step).Take(MaximumCuts + 1).Count();

    /// <summary>Cuts from the first recorded entry's month to the last, at the given step.</summary>
    private static IEnumerable<DateOnly> Cuts(IReadOnlyList<PatientChart> charts, (int Months, int Days) step)
    {
        var recorded = charts.SelectMany(c => c.Entries).Select(e => DateOnly.FromDateTime(e.RecordedAt.UtcDateTime)).ToList();
        return recorded.Count == 0 ? [] : Cuts(recorded.Min(), recorded.Max(), step);
    }

    /// <summary>Cuts from <paramref name="first"/>'s month to <paramref name="last"/>, at the given step.</summary>
    public static IEnumerable<DateOnly> Cuts(DateOnly first, DateOnly last, (int Months, int Days) step)
    {
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
