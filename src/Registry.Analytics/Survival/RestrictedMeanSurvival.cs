namespace Registry.Analytics.Survival;

/// <summary>
/// Restricted mean survival time: the area under the Kaplan–Meier curve from 0 to <see cref="Horizon"/>, with the
/// standard error R prints as <c>se(rmean)</c> in <c>print(fit, rmean = horizon)</c>.
/// </summary>
/// <param name="Horizon">Upper limit τ of the integral. Beyond the last follow-up the curve is carried flat, as R does.</param>
/// <param name="Mean">Restricted mean, in the time unit of the data.</param>
/// <param name="StdErr">Its standard error: sqrt(Σ A(tⱼ)² dⱼ / (nⱼ(nⱼ − dⱼ))), A(tⱼ) the area from event time tⱼ to τ.</param>
public sealed record RestrictedMeanSurvival(double Horizon, double Mean, double StdErr)
{
    internal static RestrictedMeanSurvival Estimate(IReadOnlyList<KaplanMeierStep> timeline, double horizon)
    {
        if (!double.IsFinite(horizon) || horizon <= 0)
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The restriction time must be finite and > 0.");

        var kept = 0;
        while (kept < timeline.Count && timeline[kept].Time <= horizon) kept++;

        double mean = 0, previousTime = 0, previousSurvival = 1;
        for (var j = 0; j < kept; j++)
        {
            mean += (timeline[j].Time - previousTime) * previousSurvival;
            previousTime = timeline[j].Time;
            previousSurvival = timeline[j].Survival;
        }
        mean += (horizon - previousTime) * previousSurvival;

        // Accumulate the area after each time from τ backwards, as survmean does; rows where everyone
        // at risk dies contribute nothing (R sets their hazard-variance term to 0).
        double variance = 0, areaAfter = 0, nextTime = horizon;
        for (var j = kept - 1; j >= 0; j--)
        {
            var row = timeline[j];
            areaAfter += (nextTime - row.Time) * row.Survival;
            nextTime = row.Time;
            double n = row.NRisk, d = row.NEvent;
            if (n - d > 0) variance += areaAfter * areaAfter * (d / (n * (n - d)));
        }
        return new RestrictedMeanSurvival(horizon, mean, Math.Sqrt(variance));
    }
}
