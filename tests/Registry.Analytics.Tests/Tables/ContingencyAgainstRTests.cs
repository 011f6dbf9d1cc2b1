using System.Text.Json;
using Registry.Analytics.Tables;

namespace Registry.Analytics.Tests.Tables;

/// <summary>Pearson (with and without Yates) and Fisher against R's chisq.test and fisher.test, Fixtures/tables.json.</summary>
public class ContingencyAgainstRTests
{
    // Same formula as chisq.test; only summation order differs.
    private const double StatisticTolerance = 1e-12;
    // pchisq vs MathNet's regularized upper incomplete gamma, both ~1e-14 relative.
    private const double ChiSquarePTolerance = 1e-10;
    // 2×2: R sums dhyper (computed by a different, saddle-point algorithm) with the same 1e-7 tie rule.
    private const double FisherTwoByTwoTolerance = 1e-10;
    // r×c: FEXACT pools past paths and sums in another order; on the dense 4×4 it sits 2e-10 from our sum.
    private const double FisherNetworkTolerance = 1e-8;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in RReference.Tables.GetProperty("tables").EnumerateArray())
            data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pearson_matches_chisq_test_without_correction(string name)
    {
        var c = RReference.Case(RReference.Tables, "tables", name);
        var result = PearsonChiSquare.Test(Counts(c));
        Near.Exactly(c.GetProperty("rowsUsed").GetInt32(), result.RowsUsed, $"{name}: non-empty rows (R script)");
        Near.Exactly(c.GetProperty("columnsUsed").GetInt32(), result.ColumnsUsed, $"{name}: non-empty columns (R script)");
        var r = c.GetProperty("pearson");
        if (r.ValueKind == JsonValueKind.Null)
        {
            Assert.True(result.Test is null, $"{name}: fewer than 2 non-empty rows/columns, R's chisq.test gives NaN; expected no test");
            Assert.True(result.MinimumExpected is null, $"{name}: no expected counts when not testable");
            return;
        }
        var reference = $"{name}: chisq.test(correct = FALSE) on the non-empty rows/columns";
        Near.Equal(r.GetProperty("chiSquare").GetDouble(), result.Test!.ChiSquare, StatisticTolerance, $"{reference}$statistic");
        Near.Exactly(r.GetProperty("df").GetInt32(), result.Test.DegreesOfFreedom, $"{reference}$parameter");
        Near.Equal(r.GetProperty("p").GetDouble(), result.Test.P, ChiSquarePTolerance, $"{reference}$p.value");
        Near.Equal(r.GetProperty("minExpected").GetDouble(), result.MinimumExpected, StatisticTolerance, $"{reference}: min($expected)");
        Near.Exactly(r.GetProperty("cellsExpectedBelowFive").GetInt32(), result.CellsExpectedBelowFive, $"{reference}: sum($expected < 5)");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Yates_matches_chisq_test_with_correction(string name)
    {
        var c = RReference.Case(RReference.Tables, "tables", name);
        var counts = Counts(c);
        var r = c.GetProperty("yates");
        if (counts.GetLength(0) != 2 || counts.GetLength(1) != 2)
        {
            Assert.ThrowsAny<ArgumentException>(() => PearsonChiSquare.Test(counts, yatesCorrection: true));
            return;
        }
        var result = PearsonChiSquare.Test(counts, yatesCorrection: true);
        Assert.True(result.YatesCorrection);
        if (r.ValueKind == JsonValueKind.Null)
        {
            Assert.True(result.Test is null, $"{name}: R's chisq.test gives NaN with an empty line; expected no test");
            return;
        }
        var reference = $"{name}: chisq.test(correct = TRUE)";
        Near.Equal(r.GetProperty("chiSquare").GetDouble(), result.Test!.ChiSquare, StatisticTolerance, $"{reference}$statistic");
        Near.Exactly(r.GetProperty("df").GetInt32(), result.Test.DegreesOfFreedom, $"{reference}$parameter");
        Near.Equal(r.GetProperty("p").GetDouble(), result.Test.P, ChiSquarePTolerance, $"{reference}$p.value");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fisher_matches_fisher_test(string name)
    {
        var c = RReference.Case(RReference.Tables, "tables", name);
        var counts = Counts(c);
        var result = FisherExact.Test(counts);
        var twoByTwo = counts.GetLength(0) == 2 && counts.GetLength(1) == 2;
        Near.Equal(c.GetProperty("fisherP").GetDouble(), result.P, twoByTwo ? FisherTwoByTwoTolerance : FisherNetworkTolerance,
            $"{name}: fisher.test()$p.value ({(twoByTwo ? "2×2 hypergeometric branch" : "FEXACT")})");
        Near.Exactly(c.GetProperty("rowsUsed").GetInt32(), result.RowsUsed, $"{name}: non-empty rows (R script)");
        Near.Exactly(c.GetProperty("columnsUsed").GetInt32(), result.ColumnsUsed, $"{name}: non-empty columns (R script)");
    }

    [Fact]
    public void Clopper_Pearson_matches_binom_test()
    {
        // MathNet's Beta quantile agrees with R's qbeta to ~1e-13 relative on these cases.
        const double tolerance = 1e-10;
        var cases = RReference.Tables.GetProperty("clopperPearson").EnumerateArray().ToArray();
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            int x = c.GetProperty("successes").GetInt32(), n = c.GetProperty("trials").GetInt32();
            var level = c.GetProperty("confLevel").GetDouble();
            var ci = ClopperPearson.Interval(x, n, level);
            var reference = $"binom.test({x}, {n}, conf.level = {level})$conf.int";
            Near.Equal(c.GetProperty("lower").GetDouble(), ci.Lower, tolerance, $"{reference}[1]");
            Near.Equal(c.GetProperty("upper").GetDouble(), ci.Upper, tolerance, $"{reference}[2]");
            Assert.True((double)x / n == ci.Proportion, $"{reference}: estimate x/n");
        }
    }

    private static int[,] Counts(JsonElement c)
    {
        var rows = c.GetProperty("counts").EnumerateArray().Select(r => r.Ints()).ToArray();
        var counts = new int[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++)
            for (var j = 0; j < rows[0].Length; j++)
                counts[i, j] = rows[i][j];
        return counts;
    }
}
