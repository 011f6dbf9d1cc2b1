using MathNet.Numerics.Distributions;

namespace Registry.Analytics.Survival;

/// <summary>Scale on which the pointwise confidence interval of S(t) is built, as R's <c>conf.type</c>.</summary>
public enum SurvivalIntervalType
{
    /// <summary>R's default <c>"log"</c>: S·exp(±z·se(log S)), upper limit capped at 1.</summary>
    Log,

    /// <summary>R's <c>"log-log"</c>: symmetric on log(−log S); stays inside (0, 1).</summary>
    LogLog,

    /// <summary>R's <c>"plain"</c>: S ± z·se(S), clipped to [0, 1] as R does.</summary>
    Plain,
}

/// <summary>Pointwise confidence limits for a survival probability, following survival's <c>survfit_confint</c>.</summary>
internal static class PointwiseInterval
{
    public static double NormalQuantile(double confidenceLevel) => Normal.InvCDF(0, 1, 1 - (1 - confidenceLevel) / 2);

    /// <param name="survival">S(t).</param>
    /// <param name="logStdErr">Standard error of log S(t) (Greenwood), +∞ once S has reached 0.</param>
    /// <param name="z">Normal quantile for the confidence level.</param>
    /// <returns>Null limits where R returns NA: S = 0 on every scale, and S = 1 on the log-log scale.</returns>
    public static (double? Lower, double? Upper) Limits(double survival, double logStdErr, double z, SurvivalIntervalType type)
    {
        if (survival == 0) return (null, null);
        switch (type)
        {
            case SurvivalIntervalType.Log:
                return (Math.Exp(Math.Log(survival) - z * logStdErr), Math.Min(Math.Exp(Math.Log(survival) + z * logStdErr), 1));
            case SurvivalIntervalType.LogLog:
                if (survival == 1) return (null, null);
                var shift = z * logStdErr / Math.Log(survival);
                var center = Math.Log(-Math.Log(survival));
                return (Math.Exp(-Math.Exp(center - shift)), Math.Exp(-Math.Exp(center + shift)));
            case SurvivalIntervalType.Plain:
                var halfWidth = logStdErr * survival * z;
                return (Math.Max(survival - halfWidth, 0), Math.Min(survival + halfWidth, 1));
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown interval type.");
        }
    }
}
