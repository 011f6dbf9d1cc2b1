using Registry.Analytics.Cox;

namespace Registry.Analytics.Tests.Cox;

/// <summary>Properties of the fit that hold for any data, and the front door's refusals.</summary>
public class CoxRegressionBehaviourTests
{
    private static (CoxDesign Design, double[] Time, bool[] Event, string[]? Strata, CoxOptions Options) Load(string id, Func<int, int>? row = null)
    {
        var fixture = RFixture.Load("Cox", id);
        var input = fixture.Input;
        var time = RFixture.Doubles(input.GetProperty("time"));
        int n = time.Length;
        int[] order = Enumerable.Range(0, n).Select(row ?? (i => i)).ToArray();
        T[] Reorder<T>(T[] values) => order.Select(i => values[i]).ToArray();

        var design = new CoxDesign();
        foreach (var term in input.GetProperty("design").EnumerateArray())
        {
            string name = term.GetProperty("name").GetString()!;
            if (term.GetProperty("kind").GetString() == "group")
                design.AddGroup(name, Reorder(RFixture.Strings(term.GetProperty("values"))), term.GetProperty("reference").GetString()!,
                    RFixture.Strings(term.GetProperty("levels")));
            else
                design.AddCovariate(name, Reorder(RFixture.Doubles(term.GetProperty("values"))));
        }
        var strata = RFixture.OptionalStrings(input.GetProperty("strata"));
        var options = new CoxOptions { Ties = fixture.Root.GetProperty("ties").GetString() == "breslow" ? CoxTies.Breslow : CoxTies.Efron };
        return (design, Reorder(time), Reorder(RFixture.Flags(input.GetProperty("status"))), strata is null ? null : Reorder(strata), options);
    }

    private static void AssertSameFit(CoxModel expected, CoxModel actual, double relative)
    {
        Assert.Equal(expected.Iterations, actual.Iterations);
        Assert.Equal(expected.LogLikelihood, actual.LogLikelihood, relative * Math.Abs(expected.LogLikelihood));
        for (int j = 0; j < expected.Terms.Count; j++)
        {
            Assert.Equal(expected.Terms[j].Estimable, actual.Terms[j].Estimable);
            if (!expected.Terms[j].Estimable) continue;
            Assert.Equal(expected.Terms[j].Coefficient!.Value, actual.Terms[j].Coefficient!.Value, relative * Math.Abs(expected.Terms[j].Coefficient!.Value));
            Assert.Equal(expected.Terms[j].StandardError!.Value, actual.Terms[j].StandardError!.Value, relative * expected.Terms[j].StandardError!.Value);
        }
    }

    [Fact]
    public void Row_order_does_not_change_the_fit()
    {
        // The partial likelihood is a function of the set of subjects; only summation order may differ.
        var permutation = Enumerable.Range(0, 2500).OrderBy(i => (i * 7919L) % 2503).ToArray();
        var a = Load("generated_heavy_ties_strata_efron");
        var b = Load("generated_heavy_ties_strata_efron", i => permutation[i]);
        AssertSameFit(CoxRegression.Fit(a.Design, a.Time, a.Event, a.Strata, a.Options),
            CoxRegression.Fit(b.Design, b.Time, b.Event, b.Strata, b.Options), 1e-12);
    }

    [Fact]
    public void Times_matter_only_through_their_order()
    {
        // An increasing map of the times keeps every risk set and tie; non-integer values exercise the sort on all bits.
        var a = Load("colon_rx_age_nodes_strata_extent_efron");
        var shifted = a.Time.Select(t => 0.37 * t + 1000.25).ToArray();
        AssertSameFit(CoxRegression.Fit(a.Design, a.Time, a.Event, a.Strata, a.Options),
            CoxRegression.Fit(a.Design, shifted, a.Event, a.Strata, a.Options), 1e-12);
    }

    [Fact]
    public void Times_within_rounding_error_are_tied_as_in_R_timefix()
    {
        // R (coxph, timefix = TRUE) merges times closer than √ε via aeqSurv, so jittered ties fit as exact ties.
        var fixture = RFixture.Load("Cox", "lung_sex_efron");
        var a = Load("lung_sex_efron");
        var jittered = a.Time.Select((t, i) => t * (1 + 1e-12 * (i % 7))).ToArray();
        var merged = CoxRegression.Fit(a.Design, jittered, a.Event, a.Strata, a.Options);
        var rCoef = fixture.Expected.GetProperty("terms")[0].GetProperty("coef");
        fixture.Close(rCoef, merged.Terms[0].Coefficient, 1e-11, "coef with jittered ties");

        var exact = CoxRegression.Fit(a.Design, jittered, a.Event, a.Strata, a.Options with { TimeTolerance = 0 });
        Assert.True(Math.Abs(exact.Terms[0].Coefficient!.Value - rCoef.GetDouble()) > 1e-6,
            "with TimeTolerance = 0 the jitter breaks the ties, so Efron's correction no longer applies");
    }

    [Fact]
    public void No_result_holds_NaN_or_infinity()
    {
        var models = RFixture.Ids("Cox", _ => true).Select(id => (string)id[0]).Select(id =>
        {
            var c = Load(id);
            return CoxRegression.Fit(c.Design, c.Time, c.Event, c.Strata, c.Options);
        }).ToList();
        double[] time = [5, 8, 8, 12, 15, 20, 21, 30];
        bool[] died = [true, true, false, true, true, false, true, true];
        models.Add(CoxRegression.Fit(new CoxDesign()
            .AddCovariate("huge", [1e149, -3e149, 2e149, 5e148, -1e149, 7e149, 0, 1e148])
            .AddCovariate("tiny", [1e-149, 3e-149, -2e-149, 5e-150, 1e-149, 0, 4e-149, -1e-150]), time, died));
        models.Add(CoxRegression.Fit(new CoxDesign().AddCovariate("constant", [2, 2, 2, 2, 2, 2, 2, 2]), time, died));

        foreach (var model in models)
        {
            var numbers = new List<double?> { model.NullLogLikelihood, model.LogLikelihood };
            foreach (var test in new[] { model.LikelihoodRatio, model.Wald, model.Score }.OfType<ChiSquareTest>())
                numbers.AddRange([test.ChiSquare, test.P]);
            foreach (var t in model.Terms)
                numbers.AddRange([t.Coefficient, t.StandardError, t.HazardRatio, t.HazardRatioLower, t.HazardRatioUpper, t.Z, t.P]);
            numbers.AddRange(model.Variance.SelectMany(row => row));
            Assert.All(numbers.OfType<double>(), v => Assert.True(double.IsFinite(v)));
        }
    }

    [Fact]
    public void A_design_with_nothing_estimable_reports_no_tests()
    {
        // R: coef NA for a constant column, and summary's tests have 0 df.
        var model = CoxRegression.Fit(new CoxDesign().AddCovariate("constant", [1, 1, 1, 1]), [1, 2, 3, 4], [true, false, true, true]);
        Assert.False(model.Terms[0].Estimable);
        Assert.Contains("redundant", model.Terms[0].NotEstimableReason);
        Assert.Null(model.LikelihoodRatio);
        Assert.Null(model.Wald);
        Assert.Null(model.Score);
    }

    [Fact]
    public void A_group_becomes_indicators_of_each_level_but_the_reference()
    {
        var design = new CoxDesign().AddGroup("arm", ["ITC", "placebo", "SOC", "ITC"], "placebo");
        Assert.Equal(["arm=ITC", "arm=SOC"], design.ColumnNames);
        var ordered = new CoxDesign().AddGroup("arm", ["ITC", "placebo", "SOC", "ITC"], "placebo", ["placebo", "SOC", "ITC"]);
        Assert.Equal(["arm=SOC", "arm=ITC"], ordered.ColumnNames);

        // The same indicators given as a matrix fit identically.
        var matrix = new double[,] { { 1, 0 }, { 0, 0 }, { 0, 1 }, { 1, 0 } };
        double[] time = [3, 1, 4, 2];
        bool[] died = [true, true, false, true];
        var fromGroup = CoxRegression.Fit(design, time, died);
        var fromMatrix = CoxRegression.Fit(CoxDesign.FromMatrix(["arm=ITC", "arm=SOC"], matrix), time, died);
        Assert.Equal(fromGroup.LogLikelihood, fromMatrix.LogLikelihood);
        Assert.Equal(fromGroup.Score!.ChiSquare, fromMatrix.Score!.ChiSquare);
    }

    public static TheoryData<string, Action> Refusals => new()
    {
        { "times", () => CoxRegression.Fit(new CoxDesign().AddCovariate("x", [1, 2]), [1, 2, 3], [true, true, true]) },
        { "event flags", () => CoxRegression.Fit(new CoxDesign().AddCovariate("x", [1, 2]), [1, 2], [true]) },
        { "stratum labels", () => CoxRegression.Fit(new CoxDesign().AddCovariate("x", [1, 2]), [1, 2], [true, true], ["a"]) },
        { "non-negative", () => CoxRegression.Fit(new CoxDesign().AddCovariate("x", [1, 2]), [1, -2], [true, true]) },
        { "non-negative", () => CoxRegression.Fit(new CoxDesign().AddCovariate("x", [1, 2]), [1, double.NaN], [true, true]) },
        { "No subject had an event", () => CoxRegression.Fit(new CoxDesign().AddCovariate("x", [1, 2]), [1, 2], [false, false]) },
        { "no columns", () => CoxRegression.Fit(new CoxDesign(), [1, 2], [true, true]) },
        { "non-finite value at row 1", () => new CoxDesign().AddCovariate("x", [1, double.NaN]) },
        { "already has a column named 'x'", () => new CoxDesign().AddCovariate("x", [1, 2]).AddCovariate("x", [3, 4]) },
        { "has 3 rows but the design has 2", () => new CoxDesign().AddCovariate("x", [1, 2]).AddCovariate("y", [1, 2, 3]) },
        { "Reference level 'C'", () => new CoxDesign().AddGroup("g", ["A", "B"], "C") },
        { "not among the given levels", () => new CoxDesign().AddGroup("g", ["A", "B"], "A", ["A"]) },
        { "Epsilon", () => CoxRegression.Fit(new CoxDesign().AddCovariate("x", [1, 2]), [1, 2], [true, true], options: new CoxOptions { Epsilon = 0 }) },
        { "MaxIterations", () => CoxRegression.Fit(new CoxDesign().AddCovariate("x", [1, 2]), [1, 2], [true, true], options: new CoxOptions { MaxIterations = 0 }) },
        { "ConfidenceLevel", () => CoxRegression.Fit(new CoxDesign().AddCovariate("x", [1, 2]), [1, 2], [true, true], options: new CoxOptions { ConfidenceLevel = 1 }) },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void The_front_door_names_what_is_wrong(string problem, Action call)
    {
        var error = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Contains(problem, error.Message);
    }
}
