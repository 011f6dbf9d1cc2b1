using MathNet.Numerics.Distributions;

namespace Registry.Analytics.Tables;

/// <summary>A proportion (e.g. objective response rate) with its exact confidence interval.</summary>
/// <param name="Successes">Patients with the outcome, e.g. responders.</param>
/// <param name="Trials">Patients evaluated.</param>
/// <param name="Proportion">Successes / Trials.</param>
/// <param name="Lower">Lower limit; 0 when there are no successes.</param>
/// <param name="Upper">Upper limit; 1 when every patient is a success.</param>
public sealed record ProportionInterval(int Successes, int Trials, double Proportion, double Lower, double Upper, double ConfidenceLevel);

/// <summary>
/// Clopper–Pearson exact interval for a binomial proportion, from Beta quantiles as R's <c>binom.test(x, n)$conf.int</c>.
/// </summary>
public static class ClopperPearson
{
    /// <exception cref="ArgumentException">No trials, successes outside 0..trials, or a level outside (0, 1).</exception>
    public static ProportionInterval Interval(int successes, int trials, double confidenceLevel = 0.95)
    {
        if (trials < 1)
            throw new ArgumentOutOfRangeException(nameof(trials), trials, "A proportion needs at least one patient.");
        if (successes < 0 || successes > trials)
            throw new ArgumentOutOfRangeException(nameof(successes), successes, $"Successes must lie between 0 and {trials}.");
        if (confidenceLevel is not (> 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(confidenceLevel), confidenceLevel, "Confidence level must lie strictly between 0 and 1.");

        var tail = (1 - confidenceLevel) / 2;
        var lower = successes == 0 ? 0 : Beta.InvCDF(successes, trials - successes + 1, tail);
        var upper = successes == trials ? 1 : Beta.InvCDF(successes + 1, trials - successes, 1 - tail);
        return new ProportionInterval(successes, trials, (double)successes / trials, lower, upper, confidenceLevel);
    }
}
