using Registry.Analytics.Subgroups;

namespace Registry.Analytics.Tests.Subgroups;

public class SubgroupAnalysisBehaviourTests
{
    private static readonly double[] Time = [2, 3, 5, 7, 8, 11, 13, 14, 17, 20, 4, 6, 9, 12, 15, 16, 19, 22];
    private static readonly bool[] Died = [true, true, false, true, true, false, true, true, false, true, false, false, false, false, false, false, false, false];
    private static readonly string[] Arm = ["A", "B", "A", "B", "A", "B", "A", "B", "A", "B", "A", "B", "A", "B", "A", "A", "A", "X"];
    private static readonly string[] Site = ["s1", "s1", "s1", "s1", "s1", "s1", "s1", "s1", "s1", "s1", "s2", "s2", "s2", "s2", "s3", "s3", "s3", "s3"];

    [Fact]
    public void Rows_without_events_or_without_a_comparison_are_not_estimable()
    {
        var result = SubgroupAnalysis.Analyze(Time, Died, Arm, new TreatmentComparison(["A"], ["B"]), "site", Site);

        Assert.Equal(["s1", "s2", "s3"], result.Levels.Select(l => l.Label));
        Assert.True(result.Levels[0].Estimable);
        Assert.Equal((false, "no events"), (result.Levels[1].Estimable, result.Levels[1].NotEstimableReason));
        Assert.Equal(3, result.Levels[2].Subjects); // arm X is on neither side and is left out
        Assert.False(result.Levels[2].Estimable);
        Assert.Null(result.Levels[2].HazardRatio);
        Assert.Equal(17, result.Overall.Subjects);
        Assert.Equal(7, result.Overall.Events);
    }

    public static TheoryData<string, Action> Refusals => new()
    {
        { "both experimental and reference", () => SubgroupAnalysis.Analyze(Time, Died, Arm, new TreatmentComparison(["A"], ["A", "B"]), "site", Site) },
        { "No subject is in an experimental arm", () => SubgroupAnalysis.Analyze(Time, Died, Arm, new TreatmentComparison(["Z"], ["B"]), "site", Site) },
        { "subgroup labels", () => SubgroupAnalysis.Analyze(Time, Died, Arm, new TreatmentComparison(["A"], ["B"]), "site", ["s1"]) },
        { "not among the given levels", () => SubgroupAnalysis.Analyze(Time, Died, Arm, new TreatmentComparison(["A"], ["B"]), "site", Site, ["s1", "s2"]) },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void The_front_door_names_what_is_wrong(string problem, Action call)
    {
        var error = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Contains(problem, error.Message);
    }
}
