using System.Text.Json;
using Registry.Analytics.Comparisons;
using Registry.Analytics.Cox;
using Registry.Analytics.Tests.Cox;

namespace Registry.Analytics.Tests.Comparisons;

/// <summary>
/// <see cref="TwoGroupComparison"/> against R's coxph (Efron) and survdiff, survival 3.5.3, on the fixtures written by
/// R/two_groups.R (whole days with heavy ties, strata, day 0, a group without events). R writes 15 significant digits.
/// </summary>
public sealed class TwoGroupComparisonAgainstRTests
{
    private const double Tolerance = 1e-11;

    public static IEnumerable<object[]> Cases => RFixture.Ids("TwoGroups", _ => true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Agrees_with_R(string id)
    {
        var fixture = RFixture.Load("TwoGroups", id);
        var input = fixture.Input;
        var day = input.GetProperty("day").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var status = RFixture.Flags(input.GetProperty("status"));
        var experimental = RFixture.Flags(input.GetProperty("experimental"));
        var strata = RFixture.OptionalStrings(input.GetProperty("strata"));
        var codes = strata?.Distinct().Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
        var counts = new TwoGroupCounts();
        for (var i = 0; i < day.Length; i++) counts.Add(day[i], experimental[i], status[i], codes is null ? 0 : codes[strata![i]]);
        var expected = fixture.Expected;

        var model = TwoGroupComparison.Cox(counts, "arm=E", new CoxOptions { Ties = CoxTies.Efron });
        var term = Assert.Single(model.Terms);
        Assert.Equal(expected.GetProperty("n").GetInt32(), model.Subjects);
        Assert.Equal(expected.GetProperty("events").GetInt32(), model.Events);
        var logLik = RFixture.Doubles(expected.GetProperty("logLikelihood"));
        fixture.Close(logLik[0], model.NullLogLikelihood, Tolerance, "loglik at 0");
        fixture.Close(logLik[1], model.LogLikelihood, Tolerance, "loglik at estimate");
        if (expected.GetProperty("flaggedInfinite").GetBoolean())
        {
            // R: "Loglik converged before variable 1; coefficient may be infinite."
            Assert.False(term.Estimable);
            Assert.StartsWith("coefficient may be infinite", term.NotEstimableReason);
        }
        else
        {
            Assert.Equal(expected.GetProperty("iterations").GetInt32(), model.Iterations);
            fixture.Close(expected.GetProperty("coef"), term.Coefficient, Tolerance, "coef");
            fixture.Close(expected.GetProperty("se"), term.StandardError, Tolerance, "se");
            fixture.Close(expected.GetProperty("hrLower"), term.HazardRatioLower, Tolerance, "lower 95%");
            fixture.Close(expected.GetProperty("hrUpper"), term.HazardRatioUpper, Tolerance, "upper 95%");
            fixture.Close(expected.GetProperty("p"), term.P, 1e-9, "Wald p");
        }

        var logRank = TwoGroupComparison.LogRank(counts, "E", "R");
        var r = expected.GetProperty("logRank");
        Assert.Equal(RFixture.Doubles(r.GetProperty("observed")), logRank.Observed);
        var rExpected = RFixture.Doubles(r.GetProperty("expected"));
        for (var k = 0; k < 2; k++) fixture.Close(rExpected[k], logRank.Expected[k], Tolerance, $"expected events of group {k}");
        fixture.Close(r.GetProperty("chiSquare"), logRank.Test?.ChiSquare, Tolerance, "log-rank chi-square");
        fixture.Close(r.GetProperty("p"), logRank.Test?.P, 1e-9, "log-rank p");
    }
}
