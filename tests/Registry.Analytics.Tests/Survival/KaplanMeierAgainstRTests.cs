using System.Text.Json;
using Registry.Analytics.Survival;

namespace Registry.Analytics.Tests.Survival;

/// <summary>
/// Every field of the Kaplan–Meier output against R's survfit/summary/print/quantile, for each case in
/// Fixtures/km_logrank.json (lung, veteran, ovarian, aml, generated ties, edge cases) and each conf.type.
/// </summary>
public class KaplanMeierAgainstRTests
{
    // Same arithmetic as survfitkm.c; the fixture's 15 significant digits are what limits agreement.
    private const double SurvivalTolerance = 1e-12;
    private const double StdErrTolerance = 1e-12;
    // MathNet's normal quantile and R's qnorm agree to ~1e-16; exp(−exp(·)) on the log-log scale amplifies that a few-fold.
    private const double LimitTolerance = 1e-10;
    // Medians are event times or midpoints of two event times.
    private const double MedianTolerance = 1e-12;
    // Sums of rectangles; R's sum() accumulates in long double, we in double.
    private const double RestrictedMeanTolerance = 1e-12;

    public static TheoryData<string, int> Fits()
    {
        var data = new TheoryData<string, int>();
        foreach (var c in RReference.KmLogRank.GetProperty("kaplanMeier").EnumerateArray())
            for (var f = 0; f < c.GetProperty("fits").GetArrayLength(); f++)
                data.Add(c.GetProperty("name").GetString()!, f);
        return data;
    }

    [Theory]
    [MemberData(nameof(Fits))]
    public void Timeline_matches_the_survfit_object(string name, int fitIndex)
    {
        var (curve, fit) = FitCase(name, fitIndex);
        CompareRows(curve.Timeline, fit.GetProperty("timeline"), $"{name} [{Label(fit)}] survfit() row");
    }

    [Theory]
    [MemberData(nameof(Fits))]
    public void Steps_match_summary_at_event_times(string name, int fitIndex)
    {
        var (curve, fit) = FitCase(name, fitIndex);
        CompareRows(curve.Steps, fit.GetProperty("steps"), $"{name} [{Label(fit)}] summary(fit, censored = FALSE) row");
    }

    [Theory]
    [MemberData(nameof(Fits))]
    public void Median_and_limits_match_print_survfit(string name, int fitIndex)
    {
        var (curve, fit) = FitCase(name, fitIndex);
        var reference = $"{name} [{Label(fit)}] print(survfit) (survival:::survmean)";
        Near.Equal(fit.NullableDouble("median"), curve.Median.Time, MedianTolerance, $"{reference} median");
        Near.Equal(fit.NullableDouble("medianLower"), curve.Median.Lower, MedianTolerance, $"{reference} LCL");
        Near.Equal(fit.NullableDouble("medianUpper"), curve.Median.Upper, MedianTolerance, $"{reference} UCL");
    }

    /// <summary>
    /// quantile.survfit differs from print only when a curve stays exactly at 0.5 up to the last follow-up; this
    /// checks that claim on every case, and that the fixture contains such a case so the check is not vacuous.
    /// </summary>
    [Fact]
    public void Median_agrees_with_quantile_survfit_except_on_a_final_flat_one_half()
    {
        var divergences = 0;
        foreach (var c in RReference.KmLogRank.GetProperty("kaplanMeier").EnumerateArray())
        {
            var name = c.GetProperty("name").GetString()!;
            for (var f = 0; f < c.GetProperty("fits").GetArrayLength(); f++)
            {
                var (curve, fit) = FitCase(name, f);
                var last = curve.Timeline[^1];
                foreach (var (ours, quantile, endValue, what) in new[]
                         {
                             (curve.Median.Time, fit.NullableDouble("quantileMedian"), (double?)last.Survival, "median"),
                             (curve.Median.Lower, fit.NullableDouble("quantileLower"), last.Lower, "lower"),
                             (curve.Median.Upper, fit.NullableDouble("quantileUpper"), last.Upper, "upper"),
                         })
                {
                    if (ours == quantile) continue;
                    divergences++;
                    Assert.True(endValue is { } v && Math.Abs(v - 0.5) < 1.5e-8,
                        $"{name} [{Label(fit)}] {what}: ours {ours}, quantile.survfit {quantile}, but the curve does not end at 0.5");
                }
            }
        }
        Assert.True(divergences > 0, "fixture should contain a curve ending exactly at 0.5");
    }

    [Theory]
    [MemberData(nameof(Fits))]
    public void Landmarks_match_summary_at_times(string name, int fitIndex)
    {
        var (curve, fit) = FitCase(name, fitIndex);
        var lm = fit.GetProperty("landmarks");
        var times = lm.GetProperty("time").Doubles();
        var nRisk = lm.GetProperty("nRisk").Ints();
        var survival = lm.GetProperty("survival").NullableDoubles();
        var stdErr = lm.GetProperty("stdErr").NullableDoubles();
        var lower = lm.GetProperty("lower").NullableDoubles();
        var upper = lm.GetProperty("upper").NullableDoubles();
        Assert.NotEmpty(times);
        for (var i = 0; i < times.Length; i++)
        {
            var at = curve.SurvivalAt(times[i]);
            var reference = $"{name} [{Label(fit)}] summary(fit, times = {times[i]})";
            Assert.True(nRisk[i] == at.NRisk, $"{reference}$n.risk (extend = TRUE) is {nRisk[i]}, got {at.NRisk}");
            Near.Exactly(nRisk[i], curve.NumberAtRisk(times[i]), $"{reference}$n.risk via NumberAtRisk");
            Near.Equal(survival[i], at.Survival, SurvivalTolerance, $"{reference}$surv");
            Near.Equal(stdErr[i], at.StdErr, StdErrTolerance, $"{reference}$std.err");
            Near.Equal(lower[i], at.Lower, LimitTolerance, $"{reference}$lower");
            Near.Equal(upper[i], at.Upper, LimitTolerance, $"{reference}$upper");
        }
    }

    [Theory]
    [MemberData(nameof(Fits))]
    public void Restricted_mean_matches_print_rmean(string name, int fitIndex)
    {
        var (curve, fit) = FitCase(name, fitIndex);
        var rmeans = fit.GetProperty("restrictedMeans").EnumerateArray().ToArray();
        Assert.NotEmpty(rmeans);
        foreach (var r in rmeans)
        {
            var horizon = r.GetProperty("horizon").GetDouble();
            var ours = curve.RestrictedMean(horizon);
            var reference = $"{name} [{Label(fit)}] print(fit, rmean = {horizon}) (survival:::survmean)";
            Near.Equal(r.GetProperty("rmean").GetDouble(), ours.Mean, RestrictedMeanTolerance, $"{reference}[\"rmean\"]");
            Near.Equal(r.GetProperty("seRmean").GetDouble(), ours.StdErr, RestrictedMeanTolerance, $"{reference}[\"se(rmean)\"]");
        }
    }

    private static void CompareRows(IReadOnlyList<KaplanMeierStep> rows, JsonElement r, string reference)
    {
        var time = r.GetProperty("time").Doubles();
        var nRisk = r.GetProperty("nRisk").Ints();
        var nEvent = r.GetProperty("nEvent").Ints();
        var nCensored = r.GetProperty("nCensored").Ints();
        var survival = r.GetProperty("survival").Doubles();
        var stdErr = r.GetProperty("stdErr").NullableDoubles();
        var lower = r.GetProperty("lower").NullableDoubles();
        var upper = r.GetProperty("upper").NullableDoubles();
        Assert.True(time.Length == rows.Count, $"{reference}s: R has {time.Length}, got {rows.Count}");
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var at = $"{reference} {i + 1} (t = {time[i]})";
            // Times, counts: inputs and integer counts, compared exactly.
            Assert.True(time[i] == row.Time, $"{at}: time {row.Time}");
            Assert.True(nRisk[i] == row.NRisk, $"{at}: n.risk R {nRisk[i]}, got {row.NRisk}");
            Assert.True(nEvent[i] == row.NEvent, $"{at}: n.event R {nEvent[i]}, got {row.NEvent}");
            Assert.True(nCensored[i] == row.NCensored, $"{at}: n.censor R {nCensored[i]}, got {row.NCensored}");
            Near.Equal(survival[i], row.Survival, SurvivalTolerance, $"{at} surv");
            Near.Equal(stdErr[i], row.StdErr, StdErrTolerance, $"{at} std.err");
            Near.Equal(lower[i], row.Lower, LimitTolerance, $"{at} lower");
            Near.Equal(upper[i], row.Upper, LimitTolerance, $"{at} upper");
        }
    }

    private static (KaplanMeierCurve Curve, JsonElement Fit) FitCase(string name, int fitIndex)
    {
        var c = RReference.Case(RReference.KmLogRank, "kaplanMeier", name);
        var fit = c.GetProperty("fits")[fitIndex];
        var options = new KaplanMeierOptions
        {
            ConfidenceLevel = fit.GetProperty("confLevel").GetDouble(),
            IntervalType = fit.GetProperty("confType").GetString() switch
            {
                "log" => SurvivalIntervalType.Log,
                "log-log" => SurvivalIntervalType.LogLog,
                "plain" => SurvivalIntervalType.Plain,
                var other => throw new InvalidOperationException($"fixture conf.type {other}"),
            },
        };
        var data = SurvivalData.FromStatus(c.GetProperty("time").Doubles(), c.GetProperty("event").Ints());
        return (KaplanMeier.Estimate(data, options), fit);
    }

    private static string Label(JsonElement fit) =>
        $"conf.type = {fit.GetProperty("confType").GetString()}, conf.int = {fit.GetProperty("confLevel").GetDouble()}";
}
