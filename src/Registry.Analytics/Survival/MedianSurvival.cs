namespace Registry.Analytics.Survival;

/// <summary>
/// Median survival and its confidence limits, by the rule of R's <c>print(survfit)</c> (survival's <c>survmean</c>):
/// the first time a curve is at or below 0.5; when it sits exactly at 0.5 the median is the midpoint between that
/// time and the time it next drops. The limits apply the same rule to the lower and upper pointwise curves.
/// </summary>
/// <param name="Time">Median survival time; null when S never reaches 0.5 (median not reached).</param>
/// <param name="Lower">Lower limit; null when the lower curve never reaches 0.5.</param>
/// <param name="Upper">Upper limit; null when the upper curve never reaches 0.5 (commonly "NR" in reports).</param>
/// <remarks>
/// R's <c>quantile.survfit</c> agrees except when a curve stays exactly at 0.5 until the last follow-up: it then
/// averages with the last follow-up time, while <c>print</c> (and this type) reports the time the curve reached 0.5.
/// </remarks>
public sealed record MedianSurvival(double? Time, double? Lower, double? Upper)
{
    // survmean's tolerance, sqrt(.Machine$double.eps): products such as 3/4·2/3 land within rounding of 0.5.
    private const double Tolerance = 1.4901161193847656e-8;

    internal static MedianSurvival FromTimeline(IReadOnlyList<KaplanMeierStep> timeline) => new(
        FirstAtOrBelowHalf(timeline, r => r.Survival),
        FirstAtOrBelowHalf(timeline, r => r.Lower),
        FirstAtOrBelowHalf(timeline, r => r.Upper));

    private static double? FirstAtOrBelowHalf(IReadOnlyList<KaplanMeierStep> timeline, Func<KaplanMeierStep, double?> curve)
    {
        for (var i = 0; i < timeline.Count; i++)
        {
            if (curve(timeline[i]) is not { } value || value >= 0.5 + Tolerance) continue;
            if (Math.Abs(value - 0.5) < Tolerance)
                for (var j = i + 1; j < timeline.Count; j++)
                    if (curve(timeline[j]) is { } later && later < value)
                        return (timeline[i].Time + timeline[j].Time) / 2;
            return timeline[i].Time;
        }
        return null;
    }
}
