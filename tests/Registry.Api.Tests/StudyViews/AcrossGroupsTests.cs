using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>A view over a study that is just starting has degenerate tables; they are reported as not testable, never as an error.</summary>
public sealed class AcrossGroupsTests
{
    public static TheoryData<int[,]> Degenerate() => new()
    {
        new int[,] { { 1 } }, new int[,] { { 1 }, { 0 } }, new int[2, 0], new int[,] { { 0, 0 }, { 0, 0 } }, new int[,] { { 2, 0 }, { 0, 0 }, { 0, 0 } },
    };

    [Theory]
    [MemberData(nameof(Degenerate))]
    public void A_degenerate_table_is_not_testable(int[,] counts)
    {
        var test = AcrossGroups.Test(counts);
        Assert.Null(test.ChiSquareP);
        Assert.Null(test.FisherP);
        Assert.StartsWith("Not testable", test.Note);
    }

    [Fact]
    public void A_two_by_two_table_gives_the_uncorrected_chi_square_and_Fisher()
    {
        // Fisher's tea-tasting table: R chisq.test(correct = FALSE) gives X² = 2, p = 0.1572992; fisher.test p = 0.4857143.
        var test = AcrossGroups.Test(new int[,] { { 3, 1 }, { 1, 3 } });
        Assert.Equal(2.0, test.ChiSquare!.Value, 12);
        Assert.Equal(0.15729920705028513, test.ChiSquareP!.Value, 12);
        Assert.Equal(0.48571428571428577, test.FisherP!.Value, 12);
    }

    [Fact]
    public void A_yes_no_table_counts_those_without_as_the_rest_of_each_group()
    {
        // Table 3 of Jiang 2024 (Sci Rep): any adverse event 102 of 108 vs 107 of 118.
        var table = AcrossGroups.YesNo([(102, 108), (107, 118)]);
        Assert.Equal(new int[,] { { 102, 6 }, { 107, 11 } }, table);
        Assert.Equal(0.284, Math.Round(AcrossGroups.Test(table).ChiSquareP!.Value, 3));
    }

    [Fact]
    public void At_large_n_a_sparse_table_is_answered_by_the_chi_square_and_says_so()
    {
        // 1 of 1000 vs 6 of 1000: both cells expect 3.5 patients. X² = 2·2.5²/3.5 + 2·2.5²/996.5 = 3.58397, p = 0.0583395
        // (hand-computed; R chisq.test(matrix(c(1, 6, 999, 994), 2), correct = FALSE) gives X-squared = 3.584, p-value = 0.05834).
        // With 2000 patients the exact test is not run: the chi-square is the answer, and the note names the choice.
        var test = AcrossGroups.Test(new int[,] { { 1, 999 }, { 6, 994 } });
        Assert.Equal(3.5839724750913913, test.ChiSquare!.Value, 10);
        Assert.Equal(0.05833948518289828, test.ChiSquareP!.Value, 10);
        Assert.Null(test.FisherP);
        Assert.Equal("2 cell(s) expect fewer than 5 patients; with 2000 patients the chi-square p is the test (Fisher's exact test is not computed).", test.Note);
    }
}
