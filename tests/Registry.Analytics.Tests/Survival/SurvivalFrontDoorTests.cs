using Registry.Analytics.Survival;

namespace Registry.Analytics.Tests.Survival;

/// <summary>The front doors reject bad input with <see cref="ArgumentException"/> and a message naming the problem.</summary>
public class SurvivalFrontDoorTests
{
    [Theory]
    [InlineData(-1.0, "finite and ≥ 0")]
    [InlineData(double.NaN, "finite and ≥ 0")]
    [InlineData(double.PositiveInfinity, "finite and ≥ 0")]
    public void Rejects_bad_times(double time, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new SurvivalData([1, time], [true, false]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Rejects_mismatched_lengths_and_bad_status()
    {
        Assert.Contains("2 times and 1 event flags", Assert.ThrowsAny<ArgumentException>(() => new SurvivalData([1, 2], [true])).Message);
        Assert.Contains("Status at index 1 is 2", Assert.ThrowsAny<ArgumentException>(() => SurvivalData.FromStatus([1, 2], [1, 2])).Message);
    }

    [Fact]
    public void Kaplan_Meier_needs_a_patient_and_a_sensible_level()
    {
        Assert.ThrowsAny<ArgumentException>(() => KaplanMeier.Estimate(new SurvivalData([], [])));
        Assert.ThrowsAny<ArgumentException>(() => new KaplanMeierOptions { ConfidenceLevel = 1 });
        var curve = KaplanMeier.Estimate(SurvivalData.FromStatus([1, 2], [1, 0]));
        Assert.ThrowsAny<ArgumentException>(() => curve.SurvivalAt(-1));
        Assert.ThrowsAny<ArgumentException>(() => curve.RestrictedMean(0));
    }

    [Fact]
    public void Log_rank_rejects_a_single_group_like_R()
    {
        // R: survdiff stops with "There is only 1 group".
        var one = new SurvivalGroup("A", SurvivalData.FromStatus([1, 2], [1, 0]));
        Assert.Contains("at least two groups", Assert.ThrowsAny<ArgumentException>(() => LogRank.Test([one])).Message);
        Assert.ThrowsAny<ArgumentException>(() => LogRank.Test([one, one with { Strata = ["s", "s"] }]));
        Assert.ThrowsAny<ArgumentException>(() => LogRank.Test([one, one]));
    }

    [Fact]
    public void Log_rank_with_an_empty_group_tests_the_others()
    {
        // R drops an unused factor level; we keep the group with 0 observed and 0 expected and leave it out of df.
        var result = LogRank.Test([
            new SurvivalGroup("A", SurvivalData.FromStatus([1, 3], [1, 1])),
            new SurvivalGroup("B", SurvivalData.FromStatus([2, 4], [1, 0])),
            new SurvivalGroup("C", new SurvivalData([], [])),
        ]);
        Near.Exactly(1, result.Test!.DegreesOfFreedom, "hand: two groups with expected events");
        Assert.True(result.Observed[2] == 0 && result.Expected[2] == 0, "hand: an empty group observes and expects nothing");
        Near.Equal(8.0 / 13, result.Test.ChiSquare, 1e-12, "hand: same as the two-group case");
    }
}
