using FsCheck.Xunit;
using Registry.Analytics.Comparisons;
using Registry.Analytics.Cox;
using Registry.Analytics.Subgroups;

namespace Registry.Analytics.Tests.Comparisons;

/// <summary>
/// Counted per day, two groups give what the general <see cref="Survival.LogRank.Test"/> and <see cref="CoxRegression.Fit"/>
/// (Efron ties) give for the same patients one row each — which agree with R's survdiff and coxph (survival 3.5.3) in
/// their own tests: every number to a relative 1e-9, and the same nulls, refusals and not-estimable reasons.
/// </summary>
[Properties(Arbitrary = [typeof(TwoGroupArbitraries)], MaxTest = 400)]
public sealed class TwoGroupComparisonProperties
{
    private const double Relative = 1e-9;

    [Property]
    public void The_log_rank_test_from_counts_is_the_general_test(TwoGroupData data)
    {
        var general = data.GeneralLogRank();
        var counted = TwoGroupComparison.LogRank(data.Counts(), "E", "R");
        Assert.Equal(general.Groups, counted.Groups);
        Assert.Equal(general.N, counted.N);
        Assert.Equal(general.Strata, counted.Strata);
        for (var k = 0; k < 2; k++)
        {
            Assert.Equal(general.Observed[k], counted.Observed[k]);
            Close(general.Expected[k], counted.Expected[k], "expected");
            for (var j = 0; j < 2; j++) Close(general.Variance[k][j], counted.Variance[k][j], "variance", absolute: 1e-12);
        }
        Assert.Equal(general.Test is null, counted.Test is null);
        if (general.Test is null) return;
        Assert.Equal(general.Test.DegreesOfFreedom, counted.Test!.DegreesOfFreedom);
        Close(general.Test.ChiSquare, counted.Test.ChiSquare, "chi-square", absolute: 1e-12);
        Close(general.Test.P, counted.Test.P, "p");
    }

    [Property]
    public void The_Cox_model_from_counts_is_the_general_model(TwoGroupData data)
    {
        CoxModel? general = null, counted = null;
        string? generalRefusal = null, countedRefusal = null;
        try { general = data.GeneralCox(); }
        catch (ArgumentException refused) { generalRefusal = refused.Message; }
        try { counted = TwoGroupComparison.Cox(data.Counts(), "arm=E", new CoxOptions { Ties = CoxTies.Efron }); }
        catch (ArgumentException refused) { countedRefusal = refused.Message; }
        if (data.Experimental.Distinct().Count() == 1 && generalRefusal is null)
        {
            // One side only: the column is constant, and what the general fit makes of it (redundant, infinite, even a
            // number) is rounding's; a comparison never fits it (HazardComparison says which side has no patients).
            Assert.StartsWith("Only one group has subjects", countedRefusal);
            return;
        }
        Assert.Equal(generalRefusal?.Split(" (Parameter")[0], countedRefusal?.Split(" (Parameter")[0]);
        if (general is null) return;

        Assert.Equal((general.Subjects, general.Events, general.Strata), (counted!.Subjects, counted.Events, counted.Strata));
        Assert.Equal((general.Converged, general.Iterations), (counted.Converged, counted.Iterations));
        Assert.Equal(general.Warnings, counted.Warnings);
        var (g, c) = (Assert.Single(general.Terms), Assert.Single(counted.Terms));
        Assert.Equal((g.Name, g.Estimable, g.NotEstimableReason), (c.Name, c.Estimable, c.NotEstimableReason));
        Close(general.NullLogLikelihood, counted.NullLogLikelihood, "log-likelihood at 0", absolute: 1e-12);
        // A monotone likelihood levels off near 0: there its last digits are a difference of terms of order log n.
        Close(general.LogLikelihood, counted.LogLikelihood, "log-likelihood", absolute: 1e-12);
        Close(g.Coefficient, c.Coefficient, "coefficient", absolute: 1e-12);
        Close(g.StandardError, c.StandardError, "standard error");
        Close(g.HazardRatio, c.HazardRatio, "hazard ratio");
        Close(g.HazardRatioLower, c.HazardRatioLower, "lower limit");
        Close(g.HazardRatioUpper, c.HazardRatioUpper, "upper limit");
        Close(g.P, c.P, "Wald p");
        Assert.Equal(general.Wald is null, counted.Wald is null);
        Close(general.Score?.ChiSquare, counted.Score?.ChiSquare, "score test", absolute: 1e-12);
    }

    [Property(MaxTest = 50)]
    public void Counts_cleared_and_counted_again_are_counts_counted_once(TwoGroupData data, TwoGroupData other)
    {
        var reused = other.Counts();
        reused.Clear();
        for (var i = 0; i < data.Day.Length; i++) reused.Add(data.Day[i], data.Experimental[i], data.Event[i], data.Stratum[i]);
        var once = data.Counts();
        Assert.Equal((once.ExperimentalSubjects, once.ReferenceSubjects, once.ExperimentalEvents, once.ReferenceEvents),
            (reused.ExperimentalSubjects, reused.ReferenceSubjects, reused.ExperimentalEvents, reused.ReferenceEvents));
        Assert.Equal(TwoGroupComparison.LogRank(once, "E", "R").Test, TwoGroupComparison.LogRank(reused, "E", "R").Test);
    }

    private static void Close(double? expected, double? actual, string what, double absolute = 0)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is not { } e || actual is not { } a) return;
        Assert.True(Math.Abs(a - e) <= Relative * Math.Max(Math.Abs(a), Math.Abs(e)) + absolute, $"{what}: general {e:R}, from counts {a:R}");
    }
}

/// <summary>
/// A subgroup's treatment effect in whole days is fitted from counts per day: each level's effect (and the overall one) is
/// what <see cref="CoxRegression.Fit"/> gives for that level's patients (Efron, a treatment column), to a relative 1e-9.
/// </summary>
[Properties(Arbitrary = [typeof(TwoGroupArbitraries)], MaxTest = 200)]
public sealed class SubgroupEffectFromCountsProperties
{
    [Property]
    public void Each_level_effect_is_the_general_fit_of_its_patients(TwoGroupData data)
    {
        if (data.Experimental.Distinct().Count() < 2) return;
        var levels = data.Stratum.Select(s => $"g{s}").ToList();
        var subjects = SubgroupSubjects.Of(data.Day.Select(d => (double)d).ToList(), data.Event,
            data.Experimental.Select(e => e ? "E" : "R").ToList(), new(["E"], ["R"]));
        var result = SubgroupAnalysis.Analyze(subjects, "group", levels);
        foreach (var effect in result.Levels.Append(subjects.Overall))
        {
            var rows = Enumerable.Range(0, data.Day.Length).Where(i => effect.Label == "All" || levels[i] == effect.Label).ToList();
            if (effect.NotEstimableReason is "no events" or "only one side of the comparison has subjects") continue;
            var general = Assert.Single(new TwoGroupData(rows.Select(i => data.Day[i]).ToArray(), rows.Select(i => data.Event[i]).ToArray(),
                rows.Select(i => data.Experimental[i]).ToArray(), rows.Select(_ => 0).ToArray(), false).GeneralCox().Terms);
            Assert.Equal((general.Estimable, general.NotEstimableReason), (effect.Estimable, effect.NotEstimableReason));
            foreach (var (g, c) in new[] { (general.HazardRatio, effect.HazardRatio), (general.HazardRatioLower, effect.HazardRatioLower), (general.HazardRatioUpper, effect.HazardRatioUpper), (general.P, effect.P) })
            {
                Assert.Equal(g is null, c is null);
                if (g is { } e && c is { } a) Assert.True(Math.Abs(a - e) <= 1e-9 * Math.Max(Math.Abs(a), Math.Abs(e)), $"{effect.Label}: general {e:R}, from counts {a:R}");
            }
        }
    }
}
