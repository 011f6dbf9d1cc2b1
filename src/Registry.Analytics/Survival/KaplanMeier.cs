namespace Registry.Analytics.Survival;

/// <summary>Settings of a Kaplan–Meier fit; the defaults are R's (<c>conf.int = 0.95</c>, <c>conf.type = "log"</c>).</summary>
public sealed record KaplanMeierOptions
{
    public static KaplanMeierOptions Default { get; } = new();

    /// <summary>Level of the pointwise and median confidence intervals, strictly between 0 and 1.</summary>
    public double ConfidenceLevel
    {
        get;
        init => field = value is > 0 and < 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(ConfidenceLevel), value, "Confidence level must lie strictly between 0 and 1.");
    } = 0.95;

    public SurvivalIntervalType IntervalType
    {
        get;
        init => field = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(IntervalType), value, "Unknown interval type.");
    } = SurvivalIntervalType.Log;
}

/// <summary>
/// Kaplan–Meier estimator of the survival function with Greenwood standard errors, matching R's
/// <c>survfit(Surv(time, status) ~ 1)</c>. Cost O(n log n): one sort, then linear passes.
/// </summary>
public static class KaplanMeier
{
    /// <summary>Front door: fits one group's curve.</summary>
    /// <exception cref="ArgumentException">The group has no patients.</exception>
    public static KaplanMeierCurve Estimate(SurvivalData data, KaplanMeierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
            throw new ArgumentException("A Kaplan–Meier curve needs at least one patient.", nameof(data));
        var (times, events) = data.SortByTime();
        return Fit(RiskSetTable.FromSorted(times, events), options ?? KaplanMeierOptions.Default);
    }

    /// <summary>Fit over a non-empty risk-set table; trusts its input.</summary>
    internal static KaplanMeierCurve Fit(RiskSetTable risk, KaplanMeierOptions options)
    {
        var z = PointwiseInterval.NormalQuantile(options.ConfidenceLevel);
        var timeline = new KaplanMeierStep[risk.Count];
        double survival = 1, greenwood = 0;
        for (var i = 0; i < risk.Count; i++)
        {
            double atRisk = risk.AtRisk[i], events = risk.Events[i];
            if (events > 0)
            {
                // Same arithmetic as survival's survfitkm.c; greenwood becomes +∞ when everyone at risk dies.
                survival *= (atRisk - events) / atRisk;
                greenwood += events / (atRisk * (atRisk - events));
            }
            var logStdErr = Math.Sqrt(greenwood);
            var (lower, upper) = PointwiseInterval.Limits(survival, logStdErr, z, options.IntervalType);
            timeline[i] = new KaplanMeierStep(
                risk.Times[i], risk.AtRisk[i], risk.Events[i], risk.Censored[i], survival,
                survival == 0 ? null : survival * logStdErr, lower, upper);
        }
        return new KaplanMeierCurve(risk.AtRisk[0], options, timeline);
    }
}
