using Registry.Analytics.Cox;
using Registry.Analytics.Subgroups;
using static Registry.Analytics.Tests.Subgroups.TiedSubjects;

namespace Registry.Analytics.Tests.Subgroups;

/// <summary>
/// Subjects prepared once for several subgroup variables (sorted by time once; each level's fit takes its order from
/// the whole's) give every level the fit a fresh Cox regression of that level's subjects gives, sorting them itself.
/// </summary>
public class SubgroupSubjectsTests
{
    public static TheoryData<bool, CoxTies> Layouts => new() { { false, CoxTies.Efron }, { true, CoxTies.Efron }, { true, CoxTies.Breslow } };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Each_level_is_fitted_as_a_fresh_regression_of_its_subjects_would_be(bool stratified, CoxTies ties)
    {
        var options = new CoxOptions { Ties = ties };
        var strata = stratified ? Stratum : null;
        var comparison = new TreatmentComparison(["A"], ["B"]);
        var subjects = SubgroupSubjects.Of(Time, Died, Arm, comparison, strata, options);
        var estimable = 0;

        foreach (var (name, labels) in new[] { ("site", Site), ("age", Age), ("ecog", Ecog) })
        {
            var result = SubgroupAnalysis.Analyze(subjects, name, labels);
            Assert.Same(subjects.Overall, result.Overall);
            AssertFresh(result.Overall, _ => true);
            foreach (var level in result.Levels) AssertFresh(level, i => labels[i] == level.Label);
        }
        Assert.Equal(3 + 3 + 2 + 3, estimable); // the overall effect once per variable, and every level but ECOG 3
        Assert.Contains(SubgroupAnalysis.Analyze(subjects, "ecog", Ecog).Levels, l => l.NotEstimableReason == "only one side of the comparison has subjects");

        void AssertFresh(TreatmentEffect effect, Func<int, bool> inRow)
        {
            var rows = Enumerable.Range(0, N).Where(i => Arm[i] != "X" && inRow(i)).ToArray();
            Assert.Equal(rows.Length, effect.Subjects);
            if (!effect.Estimable) return;
            estimable++;
            var design = new CoxDesign().AddCovariate("treatment", rows.Select(i => Arm[i] == "A" ? 1.0 : 0.0).ToArray());
            var fresh = CoxRegression.Fit(design, rows.Select(i => Time[i]).ToArray(), rows.Select(i => Died[i]).ToArray(),
                strata is null ? null : rows.Select(i => strata[i]).ToArray(), options).Terms[0];
            // The same sums in the same order; strata numbered apart may add their blocks in another order.
            Assert.Equal(fresh.HazardRatio!.Value, effect.HazardRatio!.Value, 1e-12);
            Assert.Equal(fresh.HazardRatioLower!.Value, effect.HazardRatioLower!.Value, 1e-12);
            Assert.Equal(fresh.HazardRatioUpper!.Value, effect.HazardRatioUpper!.Value, 1e-12);
            Assert.Equal(fresh.P!.Value, effect.P!.Value, 1e-12);
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Each_interaction_test_is_the_likelihood_ratio_of_two_fresh_regressions(bool stratified, CoxTies ties)
    {
        var options = new CoxOptions { Ties = ties };
        var strata = stratified ? Stratum : null;
        var subjects = SubgroupSubjects.Of(Time, Died, Arm, new TreatmentComparison(["A"], ["B"]), strata, options);
        var rows = Enumerable.Range(0, N).Where(i => Arm[i] != "X").ToArray();
        var treatment = rows.Select(i => Arm[i] == "A" ? 1.0 : 0.0).ToArray();

        foreach (var (name, labels) in new[] { ("site", Site), ("age", Age), ("ecog", Ecog) })
        {
            var interaction = SubgroupAnalysis.Analyze(subjects, name, labels).Interaction!;
            // Treatment contrasts against the first level (ordinal order), as the analysis lays them out.
            var levels = rows.Select(i => labels[i]).Distinct().Order(StringComparer.Ordinal).Skip(1).ToList();
            var main = new CoxDesign().AddCovariate("treatment", treatment);
            foreach (var level in levels) main.AddCovariate(level, rows.Select(i => labels[i] == level ? 1.0 : 0.0).ToArray());
            var full = new CoxDesign().AddCovariate("treatment", treatment);
            foreach (var level in levels) full.AddCovariate(level, rows.Select(i => labels[i] == level ? 1.0 : 0.0).ToArray());
            foreach (var level in levels) full.AddCovariate($"treatment:{level}", rows.Select((i, k) => labels[i] == level ? treatment[k] : 0.0).ToArray());
            CoxModel Fresh(CoxDesign design) => CoxRegression.Fit(design, rows.Select(i => Time[i]).ToArray(), rows.Select(i => Died[i]).ToArray(),
                strata is null ? null : rows.Select(i => strata[i]).ToArray(), options);
            var (mainFit, fullFit) = (Fresh(main), Fresh(full));

            // ECOG 3 only in arm A: its interaction column repeats its level's, so the test has one degree of freedom less.
            Assert.Equal(name == "ecog" ? levels.Count - 1 : levels.Count, interaction.DegreesOfFreedom);
            Assert.Equal(fullFit.LikelihoodRatio!.DegreesOfFreedom - mainFit.LikelihoodRatio!.DegreesOfFreedom, interaction.DegreesOfFreedom);
            // The same sums in the same order; strata numbered apart may add their blocks in another order.
            Assert.Equal(2 * (fullFit.LogLikelihood - mainFit.LogLikelihood), interaction.ChiSquare, 1e-9);
        }
    }
}
