using Registry.Analytics.Cox;
using Registry.Analytics.Subgroups;
using static Registry.Analytics.Tests.Subgroups.TiedSubjects;

namespace Registry.Analytics.Tests.Subgroups;

/// <summary>
/// A subgroup analysis that takes the fits of an earlier one (the forest after an entry) gives exactly what a fresh
/// analysis of the new data gives: only the levels whose subjects' data changed are fitted again.
/// </summary>
public class KeptSubgroupAnalysisTests
{
    private static readonly string[] Sites = ["s1", "s2", "s3"];

    public static TheoryData<bool, CoxTies> Layouts => new() { { false, CoxTies.Efron }, { true, CoxTies.Efron }, { true, CoxTies.Breslow } };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_patient_moved_to_another_site_refits_both_sites_and_keeps_the_third(bool stratified, CoxTies ties)
    {
        int moved = Enumerable.Range(0, N).First(i => Site[i] == "s1" && Arm[i] == "A" && Died[i]);
        var site = (string[])Site.Clone();
        site[moved] = "s2";

        var (kept, fresh, reused) = Analyses(stratified, ties, Time, site);

        AssertSameNumbers(fresh, reused.Result);
        Assert.Same(kept.Result.Levels[2], reused.Result.Levels[2]);
        // Both sites the patient was in changed: taking either from the earlier analysis would fail the comparison above.
        Assert.NotEqual(kept.Result.Levels[0], fresh.Levels[0]);
        Assert.NotEqual(kept.Result.Levels[1], fresh.Levels[1]);
        Assert.NotEqual(kept.Result.Interaction, fresh.Interaction);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_patient_followed_up_longer_refits_only_their_site(bool stratified, CoxTies ties)
    {
        int followed = Enumerable.Range(0, N).First(i => Site[i] == "s3" && Arm[i] == "B" && !Died[i] && Time[i] < 10);
        var time = (double[])Time.Clone();
        time[followed] += 4;

        var (kept, fresh, reused) = Analyses(stratified, ties, time, Site);

        AssertSameNumbers(fresh, reused.Result);
        Assert.Same(kept.Result.Levels[0], reused.Result.Levels[0]);
        Assert.Same(kept.Result.Levels[1], reused.Result.Levels[1]);
        Assert.NotEqual(kept.Result.Levels[2], fresh.Levels[2]);
    }

    [Fact]
    public void Nothing_changed_gives_the_kept_analysis_itself()
    {
        var comparison = new TreatmentComparison(["A"], ["B"]);
        var subjects = SubgroupSubjects.Of(Time, Died, Arm, comparison, Stratum);
        var kept = SubgroupAnalysis.Analyze(subjects, "site", Site, Sites, kept: null);

        var again = SubgroupSubjects.Of((double[])Time.Clone(), (bool[])Died.Clone(), (string[])Arm.Clone(), comparison, (string[])Stratum.Clone(), kept: subjects);

        Assert.Same(subjects, again);
        Assert.Same(kept, SubgroupAnalysis.Analyze(again, "site", (string[])Site.Clone(), Sites, kept));
        // Another name or order of the rows is another analysis.
        Assert.NotSame(kept.Result, SubgroupAnalysis.Analyze(again, "centre", Site, Sites, kept).Result);
        Assert.Equal(["s3", "s2", "s1"], SubgroupAnalysis.Analyze(again, "site", Site, ["s3", "s2", "s1"], kept).Result.Levels.Select(l => l.Label));
    }

    private static (KeptSubgroupAnalysis Kept, SubgroupAnalysisResult Fresh, KeptSubgroupAnalysis Reused) Analyses(
        bool stratified, CoxTies ties, double[] time, string[] site)
    {
        var options = new CoxOptions { Ties = ties };
        var strata = stratified ? Stratum : null;
        var comparison = new TreatmentComparison(["A"], ["B"]);
        var before = SubgroupSubjects.Of(Time, Died, Arm, comparison, strata, options);
        var kept = SubgroupAnalysis.Analyze(before, "site", Site, Sites, kept: null);

        var fresh = SubgroupAnalysis.Analyze(SubgroupSubjects.Of(time, Died, Arm, comparison, strata, options), "site", site, Sites);
        var reused = SubgroupAnalysis.Analyze(SubgroupSubjects.Of(time, Died, Arm, comparison, strata, options, kept: before), "site", site, Sites, kept);
        return (kept, fresh, reused);
    }

    private static void AssertSameNumbers(SubgroupAnalysisResult fresh, SubgroupAnalysisResult reused)
    {
        // Exactly equal: a kept fit is taken only where the fresh fit would see the same numbers in the same order.
        Assert.Equal(fresh.Overall, reused.Overall);
        Assert.Equal(fresh.Levels, reused.Levels);
        Assert.Equal(fresh.Interaction, reused.Interaction);
    }
}
