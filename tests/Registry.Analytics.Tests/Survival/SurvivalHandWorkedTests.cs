using Registry.Analytics.Survival;

namespace Registry.Analytics.Tests.Survival;

/// <summary>Small cases worked by hand; the arithmetic is spelled out in each data row.</summary>
public class SurvivalHandWorkedTests
{
    // Exact fractions evaluated in double: only rounding separates us from the hand result.
    private const double Tolerance = 1e-12;

    // Six patients: times 1, 2, 2, 3, 4, 5 with events at 1, 2, 3, 5 (one censoring at 2, one at 4).
    private static readonly SurvivalData Six = SurvivalData.FromStatus([1, 2, 2, 3, 4, 5], [1, 0, 1, 1, 0, 1]);

    public static TheoryData<double, int, double, double?> SixPatientSteps => new()
    {
        // t, at risk, S = Π(1 − d/n), Greenwood SE = S·sqrt(Σ d/(n(n − d)))
        { 1, 6, 5.0 / 6, 5.0 / 6 * Math.Sqrt(1.0 / 30) },
        { 2, 5, 5.0 / 6 * 4 / 5, 2.0 / 3 * Math.Sqrt(1.0 / 30 + 1.0 / 20) },
        { 3, 3, 2.0 / 3 * 2 / 3, 4.0 / 9 * Math.Sqrt(1.0 / 30 + 1.0 / 20 + 1.0 / 6) }, // = 4/9 · 1/2 = 2/9
        { 5, 1, 0, null }, // everyone at risk dies: S = 0, SE undefined
    };

    [Theory]
    [MemberData(nameof(SixPatientSteps))]
    public void Kaplan_Meier_steps_by_hand(double time, int atRisk, double survival, double? stdErr)
    {
        var step = KaplanMeier.Estimate(Six).Steps.Single(s => s.Time == time);
        Near.Exactly(atRisk, step.NRisk, $"hand: patients with follow-up ≥ {time}");
        Near.Equal(survival, step.Survival, Tolerance, $"hand: S({time})");
        Near.Equal(stdErr, step.StdErr, Tolerance, $"hand: Greenwood SE at {time}");
    }

    [Fact]
    public void Greenwood_standard_error_at_three_is_two_ninths()
    {
        // Σ d/(n(n − d)) = 1/30 + 1/20 + 1/6 = 1/4, so SE = (4/9)·(1/2).
        Near.Equal(2.0 / 9, KaplanMeier.Estimate(Six).SurvivalAt(3.5).StdErr, Tolerance, "hand: SE of S(3.5) = 2/9");
    }

    [Fact]
    public void Restricted_mean_to_four_by_hand()
    {
        // Area: 1·1 + (5/6)·1 + (2/3)·1 + (4/9)·1 = 53/18. Areas after each event time up to 4:
        // A(1) = 35/18, A(2) = 10/9, A(3) = 4/9; variance = Σ A² d/(n(n − d)).
        var rmst = KaplanMeier.Estimate(Six).RestrictedMean(4);
        var variance = Math.Pow(35.0 / 18, 2) / 30 + Math.Pow(10.0 / 9, 2) / 20 + Math.Pow(4.0 / 9, 2) / 6;
        Near.Equal(53.0 / 18, rmst.Mean, Tolerance, "hand: RMST(4) = 53/18");
        Near.Equal(Math.Sqrt(variance), rmst.StdErr, Tolerance, "hand: SE of RMST(4)");
    }

    [Theory]
    // S = 5/6, 4/6, 1/2 at 3 (flat through the censoring at 4), 1/4 at 5: median midway, (3 + 5)/2.
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6 }, new[] { 1, 1, 1, 0, 1, 0 }, 4.0)]
    // S = 3/4, 1/2, 1/4, 0: first below 1/2 after sitting on it at 2 → (2 + 3)/2.
    [InlineData(new double[] { 1, 2, 3, 4 }, new[] { 1, 1, 1, 1 }, 2.5)]
    // S = 2/3 then 1/3: first time at or below 1/2 is 5.
    [InlineData(new double[] { 2, 5, 8 }, new[] { 1, 1, 0 }, 5.0)]
    // One event among ten: S never reaches 1/2, so the median is not reached.
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, new[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, null)]
    public void Median_by_hand(double[] times, int[] status, double? median)
    {
        var curve = KaplanMeier.Estimate(SurvivalData.FromStatus(times, status));
        Near.Equal(median, curve.Median.Time, Tolerance, "hand: median survival");
    }

    [Fact]
    public void Landmark_beyond_last_follow_up_is_not_estimable()
    {
        var at = KaplanMeier.Estimate(Six).SurvivalAt(6);
        // Last follow-up is 5, so nobody is at risk at 6 and S(6) is not estimable (R's summary drops t = 6).
        Assert.Equal(new LandmarkSurvival(6, 0, null, null, null, null), at);
    }

    /// <summary>
    /// A: events at 1 and 3; B: event at 2, censored at 4. At t = 1, 2, 3 the risk sets are (2,2), (1,2), (1,1):
    /// E_A = 1/2 + 1/3 + 1/2 = 4/3, V = 1/4 + 2/9 + 1/4 = 13/18, χ² = (2 − 4/3)²/(13/18) = 8/13.
    /// Stratifying two copies of the same data doubles O − E and V, so χ² doubles to 16/13.
    /// </summary>
    [Theory]
    [InlineData(false, 2.0, 4.0 / 3, 13.0 / 18, 8.0 / 13, 0.43276758066778465)]
    [InlineData(true, 4.0, 8.0 / 3, 26.0 / 18, 16.0 / 13, 0.2672574931543879)]
    public void Log_rank_by_hand(bool twoStrata, double observedA, double expectedA, double variance, double chiSquare, double p)
    {
        // p: R's pchisq(8/13, 1, lower.tail = FALSE) and pchisq(16/13, 1, lower.tail = FALSE).
        double[] a = [1, 3], b = [2, 4];
        int[] sa = [1, 1], sb = [1, 0];
        SurvivalGroup[] groups = twoStrata
            ? [new("A", SurvivalData.FromStatus([.. a, .. a], [.. sa, .. sa]), ["x", "x", "y", "y"]),
               new("B", SurvivalData.FromStatus([.. b, .. b], [.. sb, .. sb]), ["x", "x", "y", "y"])]
            : [new("A", SurvivalData.FromStatus(a, sa)), new("B", SurvivalData.FromStatus(b, sb))];
        var result = LogRank.Test(groups);
        Near.Equal(observedA, result.Observed[0], Tolerance, "hand: observed in A");
        Near.Equal(expectedA, result.Expected[0], Tolerance, "hand: expected in A");
        Near.Equal(variance, result.Variance[0][0], Tolerance, "hand: Var(O_A − E_A)");
        Near.Equal(chiSquare, result.Test!.ChiSquare, Tolerance, "hand: log-rank chi-square");
        Near.Equal(p, result.Test.P, 1e-12, "R: pchisq upper tail");
        Near.Exactly(twoStrata ? 2 : 1, result.Strata, "hand: strata given");
    }
}
