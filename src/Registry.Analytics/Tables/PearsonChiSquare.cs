using MathNet.Numerics;

namespace Registry.Analytics.Tables;

/// <summary>Pearson's chi-square test of independence on an r×c table.</summary>
/// <param name="Test">Statistic, (r − 1)(c − 1) df and p; null when fewer than two non-empty rows or columns remain.</param>
/// <param name="YatesCorrection">Whether Yates' continuity correction was applied (2×2 only).</param>
/// <param name="RowsUsed">Non-empty rows the test used.</param>
/// <param name="ColumnsUsed">Non-empty columns the test used.</param>
/// <param name="MinimumExpected">Smallest expected count; null when not testable. Below 5, report Fisher's exact test too.</param>
/// <param name="CellsExpectedBelowFive">Cells with expected count below 5, as SPSS footnotes.</param>
public sealed record PearsonChiSquareResult(
    ChiSquareTest? Test, bool YatesCorrection, int RowsUsed, int ColumnsUsed, double? MinimumExpected, int CellsExpectedBelowFive);

/// <summary>
/// Pearson's chi-square: Σ (O − E)²/E with E = row total × column total / n, as SPSS and R's
/// <c>chisq.test(correct = FALSE)</c>; optionally with Yates' correction as <c>chisq.test(correct = TRUE)</c>.
/// </summary>
public static class PearsonChiSquare
{
    /// <param name="counts">Table of counts, e.g. arms × categories.</param>
    /// <param name="yatesCorrection">Apply Yates' continuity correction; only defined for 2×2 tables.</param>
    /// <exception cref="ArgumentException">Invalid counts, or Yates requested for a table that is not 2×2.</exception>
    public static PearsonChiSquareResult Test(int[,] counts, bool yatesCorrection = false)
    {
        var table = ContingencyCounts.From(counts, nameof(counts));
        if (yatesCorrection && (counts.GetLength(0) != 2 || counts.GetLength(1) != 2))
            throw new ArgumentException(
                $"Yates' correction applies to 2×2 tables; this one is {counts.GetLength(0)}×{counts.GetLength(1)}.", nameof(yatesCorrection));
        if (!table.Testable)
            return new PearsonChiSquareResult(null, yatesCorrection, table.Rows, table.Columns, null, 0);
        return Fit(table, yatesCorrection);
    }

    private static PearsonChiSquareResult Fit(ContingencyCounts table, bool yates)
    {
        var rowTotals = table.RowTotals();
        var columnTotals = table.ColumnTotals();
        double n = table.Total;
        var expected = new double[table.Rows, table.Columns];
        double minimum = double.MaxValue, smallestDeviation = double.MaxValue;
        var belowFive = 0;
        for (var i = 0; i < table.Rows; i++)
            for (var j = 0; j < table.Columns; j++)
            {
                var e = expected[i, j] = (double)rowTotals[i] * columnTotals[j] / n;
                minimum = Math.Min(minimum, e);
                if (e < 5) belowFive++;
                smallestDeviation = Math.Min(smallestDeviation, Math.Abs(table.Used[i, j] - e));
            }
        // R caps the correction at the smallest |O − E| so that it never flips the sign of a deviation.
        var correction = yates ? Math.Min(0.5, smallestDeviation) : 0;
        var statistic = 0.0;
        for (var i = 0; i < table.Rows; i++)
            for (var j = 0; j < table.Columns; j++)
            {
                var deviation = Math.Abs(table.Used[i, j] - expected[i, j]) - correction;
                statistic += deviation * deviation / expected[i, j];
            }
        var df = (table.Rows - 1) * (table.Columns - 1);
        var p = SpecialFunctions.GammaUpperRegularized(df / 2.0, statistic / 2.0);
        return new PearsonChiSquareResult(new ChiSquareTest(statistic, df, p), yates, table.Rows, table.Columns, minimum, belowFive);
    }
}
