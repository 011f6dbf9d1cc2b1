using Registry.Analytics.Tables;

namespace Registry.Analytics.Tests.Tables;

/// <summary>Small table cases worked by hand, plus an independent brute-force check of the r×c network algorithm.</summary>
public class TablesHandWorkedTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Pearson_two_by_two_by_the_shortcut_formula()
    {
        // χ² = n(ad − bc)²/(r₁r₂c₁c₂) = 100·200²/(30·70·40·60) = 50/63; Yates: 100·(200 − 50)²/5 040 000 = 25/56.
        int[,] t = { { 10, 20 }, { 30, 40 } };
        Near.Equal(50.0 / 63, PearsonChiSquare.Test(t).Test!.ChiSquare, Tolerance, "hand: n(ad − bc)²/(r₁r₂c₁c₂)");
        Near.Equal(25.0 / 56, PearsonChiSquare.Test(t, yatesCorrection: true).Test!.ChiSquare, Tolerance, "hand: Yates shortcut");
    }

    [Theory]
    // Lady tasting tea: P(x) = C(4,x)C(4,4−x)/70 = 1, 16, 36, 16, 1 (/70); observed 16/70, so p = (1+16+16+1)/70.
    [InlineData(new[] { 3, 1, 1, 3 }, 2, 34.0 / 70)]
    // Balanced margins: the observed table is the most probable one, so every table counts.
    [InlineData(new[] { 5, 5, 5, 5 }, 2, 1.0)]
    // 3×2, rows (1, 1, 2), columns (2, 2): column-1 fillings (1,1,0), (1,0,1), (0,1,1), (0,0,2) have probabilities
    // 1/6, 2/6, 2/6, 1/6; observed (1,1,0) → p = 1/6 + 1/6.
    [InlineData(new[] { 1, 0, 1, 0, 0, 2 }, 2, 1.0 / 3)]
    public void Fisher_by_hand(int[] cells, int columns, double p)
    {
        Near.Equal(p, FisherExact.Test(Table(cells, columns)).P, Tolerance, "hand: sum of hypergeometric probabilities");
    }

    [Theory]
    // x = 0: upper = 1 − (α/2)^(1/n); x = n: lower = (α/2)^(1/n) (the Beta quantiles have closed forms there).
    [InlineData(0, 10)]
    [InlineData(10, 10)]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(0, 226)]
    public void Clopper_Pearson_closed_forms_at_the_extremes(int x, int n)
    {
        var ci = ClopperPearson.Interval(x, n);
        var root = Math.Pow(0.025, 1.0 / n);
        Near.Equal(x == 0 ? 0 : root, ci.Lower, Tolerance, "hand: lower limit");
        Near.Equal(x == n ? 1 : 1 - root, ci.Upper, Tolerance, "hand: upper limit");
    }

    /// <summary>
    /// Enumerates every table with the observed margins (feasible for small n) and sums the probabilities of those
    /// no more probable than the observed one — the definition, with no pruning — for random 3×3, 3×4 and 2×5 tables.
    /// </summary>
    [Theory]
    [InlineData(3, 3, 24, 1)]
    [InlineData(3, 3, 30, 2)]
    [InlineData(3, 4, 22, 3)]
    [InlineData(4, 3, 20, 4)]
    [InlineData(2, 5, 25, 5)]
    [InlineData(4, 4, 18, 6)]
    public void Network_algorithm_equals_brute_force_enumeration(int rows, int columns, int n, int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 5; trial++)
        {
            var t = new int[rows, columns];
            for (var k = 0; k < n; k++) t[random.Next(rows), random.Next(columns)]++;
            var brute = BruteForceP(t);
            Near.Equal(brute, FisherExact.Test(t).P, 1e-10, $"brute-force enumeration, seed {seed} trial {trial}");
        }
    }

    private static double BruteForceP(int[,] t)
    {
        int rows = t.GetLength(0), columns = t.GetLength(1);
        var rowTotals = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, columns).Sum(j => t[i, j])).ToArray();
        var columnTotals = Enumerable.Range(0, columns).Select(j => Enumerable.Range(0, rows).Sum(i => t[i, j])).ToArray();
        var n = rowTotals.Sum();
        double LogFactorial(int k) => Enumerable.Range(2, Math.Max(0, k - 1)).Sum(i => Math.Log(i));
        var constant = rowTotals.Sum(LogFactorial) + columnTotals.Sum(LogFactorial) - LogFactorial(n);
        double LogP(int[,] x)
        {
            var s = constant;
            foreach (var v in x) s -= LogFactorial(v);
            return s;
        }
        var observed = LogP(t);
        double p = 0;
        var cell = new int[rows, columns];
        var rowLeft = (int[])rowTotals.Clone();
        void Fill(int j)
        {
            if (j == columns - 1)
            {
                for (var i = 0; i < rows; i++) cell[i, j] = rowLeft[i];
                var lp = LogP(cell);
                if (lp <= observed + 1e-7) p += Math.Exp(lp);
                return;
            }
            void Row(int i, int left)
            {
                if (i == rows - 1)
                {
                    if (left > rowLeft[i]) return;
                    cell[i, j] = left;
                    rowLeft[i] -= left;
                    Fill(j + 1);
                    rowLeft[i] += left;
                    return;
                }
                for (var v = 0; v <= Math.Min(left, rowLeft[i]); v++)
                {
                    cell[i, j] = v;
                    rowLeft[i] -= v;
                    Row(i + 1, left - v);
                    rowLeft[i] += v;
                }
            }
            Row(0, columnTotals[j]);
        }
        Fill(0);
        return p;
    }

    private static int[,] Table(int[] cells, int columns)
    {
        var t = new int[cells.Length / columns, columns];
        for (var k = 0; k < cells.Length; k++) t[k / columns, k % columns] = cells[k];
        return t;
    }
}
