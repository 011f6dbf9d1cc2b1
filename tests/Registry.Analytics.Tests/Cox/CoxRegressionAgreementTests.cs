using System.Text.Json;
using Registry.Analytics.Cox;

namespace Registry.Analytics.Tests.Cox;

/// <summary>
/// Every field of <see cref="CoxRegression.Fit"/> against R's coxph on the fixtures written by R/cox.R.
/// We take the same Newton steps as R's coxfit6 from the same start with the same stopping rule, so differences are
/// floating-point summation order only, not the convergence tolerance: the bounds below are far tighter than eps.
/// </summary>
public class CoxRegressionAgreementTests
{
    // Relative tolerances per quantity (reference: R coxph, survival 3.5-3, control as stored in each fixture).
    // Observed worst cases (Linux x64) in brackets; bounds leave room for last-ulp differences of exp/log elsewhere.
    private const double LogLikelihoodTolerance = 1e-13;  // [4e-15] sums of O(n) logs in a different order than R
    private const double ScoreTestTolerance = 1e-12;      // [8e-15] at β = 0, independent of the iterations
    private const double CoefficientTolerance = 1e-11;    // [4e-13] coef, se, HR, CI limits, z, variance
    private const double ModelTestTolerance = 1e-11;      // [2e-13] LR (a difference of log-likelihoods) and Wald
    private const double PValueTolerance = 1e-9;          // [2e-11] p of a test with statistic X inherits ~X/2 × its error

    public static IEnumerable<object[]> Cases => RFixture.Ids("Cox", _ => true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Agrees_with_R_coxph(string id)
    {
        var fixture = RFixture.Load("Cox", id);
        var model = FitFixture(fixture);
        var expected = fixture.Expected;
        bool converged = expected.GetProperty("converged").GetBoolean();

        Assert.Equal(expected.GetProperty("n").GetInt32(), model.Subjects);
        Assert.Equal(expected.GetProperty("events").GetInt32(), model.Events);
        Assert.Equal(converged, model.Converged);
        var rTerms = expected.GetProperty("terms").EnumerateArray().ToArray();
        bool[] infinite = rTerms.Select(t => FlaggedInfinite(t, converged)).ToArray();
        Assert.Equal(converged && !infinite.Any(b => b), model.Warnings.Count == 0);
        // R reports iter.max + 1 when it runs out of iterations; we report the iterations actually taken.
        int rIterations = expected.GetProperty("iterations").GetInt32();
        Assert.Equal(converged ? rIterations : rIterations - 1, model.Iterations);

        var logLik = RFixture.Doubles(expected.GetProperty("logLikelihood"));
        fixture.Close(logLik[0], model.NullLogLikelihood, LogLikelihoodTolerance, "loglik at beta = 0");
        fixture.Close(logLik[1], model.LogLikelihood, LogLikelihoodTolerance, "loglik at estimate");

        // R's variance is wrong when it runs out of iterations (coxfit6 inverts an unfactored matrix); the fixture
        // then also stores var from coxph(init = coef, iter.max = 0), the inverse information at R's estimate.
        var variance = converged ? expected.GetProperty("variance") : expected.GetProperty("varianceAtEstimate");
        Assert.Equal(rTerms.Length, model.Terms.Count);
        for (int j = 0; j < rTerms.Length; j++)
        {
            var r = rTerms[j];
            var ours = model.Terms[j];
            string what = $"term {ours.Name}";
            Assert.Equal(r.GetProperty("name").GetString(), ours.Name);
            if (r.GetProperty("aliased").GetBoolean())
            {
                // R: coef NA (redundant column found by cholesky2).
                AssertNotEstimable(ours, "redundant", fixture);
                continue;
            }
            if (infinite[j])
            {
                AssertNotEstimable(ours, "infinite", fixture);
                continue;
            }
            Assert.True(ours.Estimable, $"{what} should be estimable ({fixture.Source})");
            fixture.Close(r.GetProperty("coef"), ours.Coefficient, CoefficientTolerance, $"{what} coef", 1e-14);
            fixture.Close(r.GetProperty("hr"), ours.HazardRatio, CoefficientTolerance, $"{what} exp(coef)");
            if (converged)
            {
                fixture.Close(r.GetProperty("se"), ours.StandardError, CoefficientTolerance, $"{what} se(coef)");
                fixture.Close(r.GetProperty("hrLower"), ours.HazardRatioLower, CoefficientTolerance, $"{what} lower .95");
                fixture.Close(r.GetProperty("hrUpper"), ours.HazardRatioUpper, CoefficientTolerance, $"{what} upper .95");
                fixture.Close(r.GetProperty("z"), ours.Z, CoefficientTolerance, $"{what} z");
                fixture.Close(r.GetProperty("p"), ours.P, PValueTolerance, $"{what} Pr(>|z|)");
            }
            else
            {
                double rSe = Math.Sqrt(variance[j][j].GetDouble());
                fixture.Close(rSe, ours.StandardError, CoefficientTolerance, $"{what} se from var at estimate");
            }
        }

        for (int i = 0; i < rTerms.Length; i++)
            for (int j = 0; j < rTerms.Length; j++)
            {
                if (!model.Terms[i].Estimable || !model.Terms[j].Estimable)
                {
                    Assert.Null(model.Variance[i][j]);
                    continue;
                }
                // Off-diagonal covariances can be ~0; bound them relative to the diagonal scale.
                double scale = Math.Sqrt(variance[i][i].GetDouble() * variance[j][j].GetDouble());
                fixture.Close(variance[i][j].GetDouble(), model.Variance[i][j], CoefficientTolerance,
                    $"var[{i},{j}]", CoefficientTolerance * scale);
            }

        AssertTest(fixture, expected.GetProperty("likelihoodRatio"), model.LikelihoodRatio, ModelTestTolerance, "likelihood ratio test");
        AssertTest(fixture, expected.GetProperty("score"), model.Score, ScoreTestTolerance, "score (logrank) test");
        if (infinite.Any(b => b))
            Assert.Null(model.Wald); // R prints a Wald test built on a diverging coefficient; we decline to.
        else if (converged)
            AssertTest(fixture, expected.GetProperty("wald"), model.Wald, ModelTestTolerance, "Wald test");
    }

    /// <summary>
    /// R: "Loglik converged before variable j; coefficient may be infinite". When R ran out of iterations it says
    /// nothing per variable, so the reference is its verdict on the same data refitted with iter.max = 100.
    /// </summary>
    private static bool FlaggedInfinite(JsonElement rTerm, bool converged) =>
        rTerm.GetProperty("flaggedInfinite").GetBoolean()
        || (!converged && rTerm.GetProperty("flaggedInfiniteWithIterMax100").GetBoolean());

    private static void AssertNotEstimable(CoxTerm term, string reason, RFixture fixture)
    {
        Assert.False(term.Estimable, $"term {term.Name} should not be estimable ({fixture.Source})");
        Assert.Contains(reason, term.NotEstimableReason);
        Assert.Null(term.Coefficient);
        Assert.Null(term.StandardError);
        Assert.Null(term.HazardRatio);
        Assert.Null(term.P);
    }

    private static void AssertTest(RFixture fixture, JsonElement r, ChiSquareTest? ours, double tolerance, string what)
    {
        Assert.NotNull(ours);
        Assert.Equal(r.GetProperty("df").GetInt32(), ours!.DegreesOfFreedom);
        fixture.Close(r.GetProperty("chiSquare"), ours.ChiSquare, tolerance, $"{what} chi-square");
        fixture.Close(r.GetProperty("p"), ours.P, PValueTolerance, $"{what} p");
    }

    internal static CoxModel FitFixture(RFixture fixture)
    {
        var input = fixture.Input;
        var design = new CoxDesign();
        foreach (var term in input.GetProperty("design").EnumerateArray())
        {
            string name = term.GetProperty("name").GetString()!;
            if (term.GetProperty("kind").GetString() == "group")
                design.AddGroup(name, RFixture.Strings(term.GetProperty("values")), term.GetProperty("reference").GetString()!,
                    RFixture.Strings(term.GetProperty("levels")));
            else
                design.AddCovariate(name, RFixture.Doubles(term.GetProperty("values")));
        }
        var control = fixture.Root.GetProperty("control");
        var options = new CoxOptions
        {
            Ties = fixture.Root.GetProperty("ties").GetString() == "breslow" ? CoxTies.Breslow : CoxTies.Efron,
            Epsilon = control.GetProperty("eps").GetDouble(),
            MaxIterations = control.GetProperty("iterMax").GetInt32(),
            CholeskyTolerance = control.GetProperty("tolerChol").GetDouble(),
        };
        return CoxRegression.Fit(design, RFixture.Doubles(input.GetProperty("time")), RFixture.Flags(input.GetProperty("status")),
            RFixture.OptionalStrings(input.GetProperty("strata")), options);
    }
}
