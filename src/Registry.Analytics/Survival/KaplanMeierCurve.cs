namespace Registry.Analytics.Survival;

/// <summary>One row of a Kaplan–Meier table.</summary>
/// <param name="Time">Follow-up time of the row.</param>
/// <param name="NRisk">Patients at risk: follow-up ≥ <paramref name="Time"/>.</param>
/// <param name="NEvent">Events at <paramref name="Time"/>.</param>
/// <param name="NCensored">
/// In <see cref="KaplanMeierCurve.Timeline"/>: censored exactly at <paramref name="Time"/>. In
/// <see cref="KaplanMeierCurve.Steps"/>: censored since the previous step, up to and including this time (R's summary).
/// </param>
/// <param name="Survival">S(t) just after <paramref name="Time"/>.</param>
/// <param name="StdErr">Greenwood standard error of S(t); null once S has reached 0 (R gives NaN).</param>
/// <param name="Lower">Lower pointwise limit; null where R gives NA (S = 0, or S = 1 on the log-log scale).</param>
/// <param name="Upper">Upper pointwise limit; null where R gives NA.</param>
public sealed record KaplanMeierStep(
    double Time, int NRisk, int NEvent, int NCensored, double Survival, double? StdErr, double? Lower, double? Upper);

/// <summary>Survival at a landmark time, read off the step function as R's <c>summary(fit, times = t)</c>.</summary>
/// <param name="NRisk">Patients with follow-up ≥ <paramref name="Time"/>; 0 beyond the last follow-up.</param>
/// <param name="Survival">S(t); null when t is beyond the last follow-up (not estimable; R drops such times).</param>
/// <param name="StdErr">Standard error of S(t); null when not estimable or once S has reached 0.</param>
/// <param name="Lower">Lower limit; null when not estimable or where R gives NA.</param>
/// <param name="Upper">Upper limit; null when not estimable or where R gives NA.</param>
public sealed record LandmarkSurvival(double Time, int NRisk, double? Survival, double? StdErr, double? Lower, double? Upper);

/// <summary>A fitted Kaplan–Meier curve for one group, with R's tables and the usual read-outs.</summary>
public sealed record KaplanMeierCurve
{
    private readonly double[] _times;

    internal KaplanMeierCurve(int subjects, KaplanMeierOptions options, KaplanMeierStep[] timeline)
    {
        Subjects = subjects;
        ConfidenceLevel = options.ConfidenceLevel;
        IntervalType = options.IntervalType;
        Timeline = timeline;
        _times = timeline.Select(r => r.Time).ToArray();
        Steps = EventSteps(timeline);
        Events = Steps.Sum(s => s.NEvent);
        Median = MedianSurvival.FromTimeline(timeline);
    }

    public int Subjects { get; }

    public int Events { get; }

    public double ConfidenceLevel { get; }

    public SurvivalIntervalType IntervalType { get; }

    /// <summary>Every distinct follow-up time, event or censoring, as R's survfit object; censor marks for plots come from here.</summary>
    public IReadOnlyList<KaplanMeierStep> Timeline { get; }

    /// <summary>Event times only, as R's <c>summary(fit, censored = FALSE)</c>.</summary>
    public IReadOnlyList<KaplanMeierStep> Steps { get; }

    /// <summary>Median survival with its confidence limits, as printed by R's <c>print(survfit)</c>.</summary>
    public MedianSurvival Median { get; }

    public double LastFollowUp => _times[^1];

    /// <summary>S(t) with its standard error and limits at a landmark time.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time is negative or not finite.</exception>
    public LandmarkSurvival SurvivalAt(double time)
    {
        var nRisk = NumberAtRisk(time);
        if (time > LastFollowUp) return new LandmarkSurvival(time, nRisk, null, null, null, null);
        var row = Array.BinarySearch(_times, time);
        row = row >= 0 ? row : ~row - 1;
        // Before the first follow-up time R (survfit0) reports S = 1 with zero-width limits on every scale.
        if (row < 0) return new LandmarkSurvival(time, nRisk, 1, 0, 1, 1);
        var step = Timeline[row];
        return new LandmarkSurvival(time, nRisk, step.Survival, step.StdErr, step.Lower, step.Upper);
    }

    /// <summary>Patients still under follow-up at <paramref name="time"/> (follow-up ≥ time), for risk tables under plots.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time is negative or not finite.</exception>
    public int NumberAtRisk(double time)
    {
        if (!double.IsFinite(time) || time < 0)
            throw new ArgumentOutOfRangeException(nameof(time), time, "Landmark times must be finite and ≥ 0.");
        var row = Array.BinarySearch(_times, time);
        row = row >= 0 ? row : ~row;
        return row < _times.Length ? Timeline[row].NRisk : 0;
    }

    /// <summary>Restricted mean survival time up to <paramref name="horizon"/>, as R's <c>print(fit, rmean = horizon)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The horizon is not finite and positive.</exception>
    public RestrictedMeanSurvival RestrictedMean(double horizon) => RestrictedMeanSurvival.Estimate(Timeline, horizon);

    private static KaplanMeierStep[] EventSteps(KaplanMeierStep[] timeline)
    {
        var steps = new List<KaplanMeierStep>();
        var censoredSinceLastStep = 0;
        foreach (var row in timeline)
        {
            censoredSinceLastStep += row.NCensored;
            if (row.NEvent == 0) continue;
            steps.Add(row with { NCensored = censoredSinceLastStep });
            censoredSinceLastStep = 0;
        }
        return steps.ToArray();
    }
}
