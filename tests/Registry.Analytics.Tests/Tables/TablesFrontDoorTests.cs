using Registry.Analytics.Tables;

namespace Registry.Analytics.Tests.Tables;

/// <summary>Bad tables are refused with <see cref="ArgumentException"/>; degenerate ones give typed results, never NaN.</summary>
public class TablesFrontDoorTests
{
    [Fact]
    public void Rejects_negative_counts_and_one_dimensional_tables()
    {
        Assert.Contains("must be ≥ 0", Assert.ThrowsAny<ArgumentException>(() => PearsonChiSquare.Test(new[,] { { 1, -1 }, { 2, 3 } })).Message);
        Assert.Contains("at least 2 rows and 2 columns", Assert.ThrowsAny<ArgumentException>(() => FisherExact.Test(new[,] { { 1, 2, 3 } })).Message);
        Assert.ThrowsAny<ArgumentException>(() => PearsonChiSquare.Test(new[,] { { 1, 2, 3 }, { 4, 5, 6 } }, yatesCorrection: true));
    }

    [Fact]
    public void Empty_table_is_not_testable_rather_than_NaN()
    {
        var zeros = new int[3, 4];
        var pearson = PearsonChiSquare.Test(zeros);
        Assert.True(pearson.Test is null, "nothing to test in an empty table");
        Assert.True((pearson.RowsUsed, pearson.ColumnsUsed) == (0, 0), "no non-empty rows or columns");
        // Only the observed (empty) table has these margins, so Fisher's p is 1 by definition.
        Assert.Equal(new FisherExactResult(1, 0, 0), FisherExact.Test(zeros));
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(11, 10)]
    [InlineData(0, 0)]
    public void Clopper_Pearson_rejects_impossible_counts(int x, int n) =>
        Assert.ThrowsAny<ArgumentException>(() => ClopperPearson.Interval(x, n));

    [Fact]
    public void Fisher_honours_cancellation()
    {
        int[,] dense = { { 20, 18, 16, 22 }, { 15, 14, 17, 13 }, { 12, 13, 12, 9 }, { 9, 11, 10, 12 } };
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => FisherExact.Test(dense, cancelled.Token));
    }
}
