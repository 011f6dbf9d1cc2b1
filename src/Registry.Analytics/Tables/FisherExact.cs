namespace Registry.Analytics.Tables;

/// <summary>Fisher's exact test of independence.</summary>
/// <param name="P">
/// Two-sided p: the probability, given the margins, of all tables no more probable than the observed one. 1 when
/// fewer than two non-empty rows or columns remain (the observed table is then the only one with these margins).
/// </param>
/// <param name="RowsUsed">Non-empty rows.</param>
/// <param name="ColumnsUsed">Non-empty columns.</param>
public sealed record FisherExactResult(double P, int RowsUsed, int ColumnsUsed);

/// <summary>
/// Fisher's exact test for 2×2 and r×c tables, two-sided as R's <c>fisher.test</c>: tables count as "no more probable"
/// within R's relative tolerances, 1e−7 for 2×2 (R's own summation) and 3.45254e−7 on the log scale for larger
/// tables (FEXACT's), so that tables tied with the observed one in exact arithmetic are included.
/// </summary>
public static class FisherExact
{
    // R: relErr <- 1 + 10^(-7) in fisher.test's 2×2 branch.
    private const double TwoByTwoRelativeTolerance = 1e-7;

    /// <param name="counts">Table of counts, e.g. arms × categories.</param>
    /// <param name="cancellationToken">Stops a long r×c enumeration.</param>
    /// <exception cref="ArgumentException">Invalid counts.</exception>
    /// <exception cref="InvalidOperationException">The r×c table is too large to enumerate within the memory bound.</exception>
    public static FisherExactResult Test(int[,] counts, CancellationToken cancellationToken = default)
    {
        var table = ContingencyCounts.From(counts, nameof(counts));
        // R branches on the table as given: a 2×2 input takes the hypergeometric route even with an empty line.
        var p = counts.GetLength(0) == 2 && counts.GetLength(1) == 2 ? TwoByTwo(counts)
            : table.Testable ? FisherNetwork.PValue(table.Used, cancellationToken)
            : 1.0;
        return new FisherExactResult(Math.Min(1, p), table.Rows, table.Columns);
    }

    /// <summary>Sum of hypergeometric probabilities of the tables with the first column's margins, as R does.</summary>
    private static double TwoByTwo(int[,] x)
    {
        int m = x[0, 0] + x[1, 0], n = x[0, 1] + x[1, 1], k = x[0, 0] + x[0, 1];
        int lo = Math.Max(0, k - n), hi = Math.Min(k, m);
        var logFactorial = LogFactorials(m + n);
        var log = new double[hi - lo + 1];
        for (var s = lo; s <= hi; s++)
            log[s - lo] = logFactorial[m] - logFactorial[s] - logFactorial[m - s]
                + logFactorial[n] - logFactorial[k - s] - logFactorial[n - k + s];
        var max = log.Max();
        var density = log.Select(l => Math.Exp(l - max)).ToArray();
        var observed = density[x[0, 0] - lo] * (1 + TwoByTwoRelativeTolerance);
        return density.Where(d => d <= observed).Sum() / density.Sum();
    }

    internal static double[] LogFactorials(int n)
    {
        var table = new double[n + 1];
        for (var i = 2; i <= n; i++) table[i] = table[i - 1] + Math.Log(i);
        return table;
    }
}
