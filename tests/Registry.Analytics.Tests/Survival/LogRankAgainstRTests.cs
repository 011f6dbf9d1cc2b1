using System.Text.Json;
using Registry.Analytics.Survival;

namespace Registry.Analytics.Tests.Survival;

/// <summary>Log-rank results against R's survdiff for each case in Fixtures/km_logrank.json.</summary>
public class LogRankAgainstRTests
{
    // Observed/expected/variance use survdiff2.c's formulas; only summation order can differ.
    private const double CountTolerance = 1e-12;
    // R solves with LU (solve), we with Cholesky: a few ulps times the condition number of V.
    private const double ChiSquareTolerance = 1e-9;
    // pchisq vs MathNet's regularized upper incomplete gamma, both accurate to ~1e-14 relative.
    private const double PTolerance = 1e-9;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in RReference.KmLogRank.GetProperty("logRank").EnumerateArray())
            data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_survdiff(string name)
    {
        var c = RReference.Case(RReference.KmLogRank, "logRank", name);
        var result = LogRank.Test(Groups(c));
        var reference = $"{name}: survdiff";

        var order = c.GetProperty("groupOrder").Strings();
        Assert.True(order.SequenceEqual(result.Groups), $"{reference}: groups in the order given, as R's factor levels");
        Assert.True(c.GetProperty("n").Ints().SequenceEqual(result.N), $"{reference}$n");
        var observed = c.GetProperty("observed").Doubles();
        var expected = c.GetProperty("expected").Doubles();
        var variance = c.GetProperty("variance").EnumerateArray().Select(r => r.Doubles()).ToArray();
        for (var k = 0; k < order.Length; k++)
        {
            Near.Equal(observed[k], result.Observed[k], CountTolerance, $"{reference}$obs[{order[k]}]");
            Near.Equal(expected[k], result.Expected[k], CountTolerance, $"{reference}$exp[{order[k]}]");
            for (var j = 0; j < order.Length; j++)
                Near.Equal(variance[k][j], result.Variance[k][j], CountTolerance, $"{reference}$var[{k + 1},{j + 1}]");
        }

        if (!c.GetProperty("testable").GetBoolean())
        {
            Assert.True(result.Test is null, $"{reference} has df = {c.GetProperty("df").GetInt32()}: not testable, got {result.Test}");
            return;
        }
        Assert.True(result.Test is not null, $"{reference} is testable (df = {c.GetProperty("df").GetInt32()})");
        Near.Exactly(c.GetProperty("df").GetInt32(), result.Test!.DegreesOfFreedom, $"{reference}: df as print.survdiff");
        Near.Equal(c.GetProperty("chiSquare").GetDouble(), result.Test.ChiSquare, ChiSquareTolerance, $"{reference}$chisq");
        Near.Equal(c.GetProperty("p").GetDouble(), result.Test.P, PTolerance, $"{reference}: pchisq(chisq, df, lower.tail = FALSE)");
    }

    private static SurvivalGroup[] Groups(JsonElement c)
    {
        var time = c.GetProperty("time").Doubles();
        var status = c.GetProperty("event").Ints();
        var group = c.GetProperty("group").Strings();
        var strata = c.GetProperty("strata") is { ValueKind: JsonValueKind.Array } s ? s.Strings() : null;
        return c.GetProperty("groupOrder").Strings().Select(label =>
        {
            var rows = Enumerable.Range(0, time.Length).Where(i => group[i] == label).ToArray();
            var data = SurvivalData.FromStatus(rows.Select(i => time[i]).ToArray(), rows.Select(i => status[i]).ToArray());
            return new SurvivalGroup(label, data, strata is null ? null : rows.Select(i => strata[i]).ToArray());
        }).ToArray();
    }
}
