using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Registry.Analytics.Cox;

/// <summary>
/// Middle tier of the Cox fit (R's coxph.fit): trusts validated input, lays out the risk sets, runs
/// Newton–Raphson and turns the raw estimate into terms and model tests, deciding which terms are not estimable.
/// </summary>
internal static class CoxFit
{
    /// <summary>
    /// Inputs: design columns (each of length n), finite times, event flags with at least one event, optional
    /// stratum codes in [0, strataCount), and optionally the times' <see cref="CoxRowLayout.TimeOrder"/> when known.
    /// </summary>
    public static CoxModel Fit(
        IReadOnlyList<string> names, double[][] columns, double[] time, bool[] hadEvent,
        int[]? stratum, int strataCount, CoxOptions options, int[]? timeOrder = null) =>
        Fit(names, CoxRiskSets.Build(columns, CoxRowLayout.Of(time, hadEvent, stratum, strataCount, options.TimeTolerance, timeOrder)), options);

    /// <summary>A model of data laid out already (rows by <see cref="CoxRowLayout.Of"/> with the same options' tolerance), one name per column.</summary>
    public static CoxModel Fit(IReadOnlyList<string> names, CoxRiskSets data, CoxOptions options) =>
        Fit(names, new CoxPartialLikelihood(data, options.Ties), options);

    /// <summary>A model of any kernel's data: every fit decides convergence, infinite and redundant terms here, one set of rules.</summary>
    public static CoxModel Fit(IReadOnlyList<string> names, ICoxLikelihood data, CoxOptions options)
    {
        var fit = CoxNewtonRaphson.Fit(data, options);
        int p = data.Columns;
        var warnings = new List<string>();

        // R's rules: a zero diagonal of the (generalized) inverse marks a redundant column (NA in R); at
        // convergence, a coefficient whose next Newton step is still large relative to itself may be infinite.
        var redundant = new bool[p];
        var infinite = new bool[p];
        for (int j = 0; j < p; j++) redundant[j] = fit.Variance[j * p + j] == 0;
        double[] nextStep = NextStep(fit.Variance, fit.Score, p);
        for (int j = 0; j < p && options.MaxIterations > 1; j++)
        {
            double size = Math.Abs(nextStep[j]);
            bool large = size > options.Epsilon && size > options.InfiniteTolerance * Math.Abs(fit.Beta[j]);
            // Beyond R: without convergence, a step that keeps pushing the coefficient away from 0 without the
            // quadratic shrinking of Newton near a finite optimum marks a divergence R would flag given more iterations.
            bool diverging = nextStep[j] * fit.Beta[j] > 0 && size >= 0.5 * Math.Abs(fit.LastMove[j]);
            infinite[j] = !double.IsFinite(fit.Score[j]) || (large && (fit.Converged || diverging));
        }
        // A column that was fine at β = 0 but whose information vanished at the estimate has drifted off to ±∞.
        for (int j = 0; j < p; j++)
            if (redundant[j] && !fit.RedundantAtStart[j]) infinite[j] = true;

        if (!fit.Converged)
        {
            warnings.Add($"Did not converge in {options.MaxIterations} iterations; estimates are from the last accepted step.");
            if (data.MaxLinearPredictor(fit.Beta) > 500 || nextStep.Any(v => !double.IsFinite(v)))
                warnings.Add("One or more coefficients may be infinite.");
        }
        if (infinite.Any(b => b))
            warnings.Add("The likelihood levelled off while a coefficient kept growing (monotone likelihood, e.g. no events in a group); "
                + "its estimate is infinite and the Wald test is not reported.");

        double z = Normal.InvCDF(0, 1, (1 + options.ConfidenceLevel) / 2);
        var terms = new CoxTerm[p];
        for (int j = 0; j < p; j++)
        {
            if (infinite[j])
            {
                terms[j] = NotEstimable(names[j],
                    "coefficient may be infinite: the log-likelihood levelled off while it kept growing (monotone likelihood, e.g. no events in a group)");
                continue;
            }
            if (redundant[j])
            {
                terms[j] = NotEstimable(names[j],
                    "redundant: the column is constant or a linear combination of earlier columns (singular information matrix)");
                continue;
            }
            double b = fit.Beta[j], se = Math.Sqrt(fit.Variance[j * p + j]);
            terms[j] = new CoxTerm(names[j], true, null, b, se, Finite(Math.Exp(b)),
                Finite(Math.Exp(b - z * se)), Finite(Math.Exp(b + z * se)), b / se, TwoSidedNormalP(b / se));
        }

        int df = redundant.Count(r => !r);
        var variance = new IReadOnlyList<double?>[p];
        for (int i = 0; i < p; i++)
        {
            var row = new double?[p];
            for (int j = 0; j < p; j++)
                row[j] = terms[i].Estimable && terms[j].Estimable ? fit.Variance[i * p + j] : null;
            variance[i] = row;
        }

        return new CoxModel(
            options.Ties,
            terms,
            data.Rows,
            data.Events,
            data.Strata,
            fit.NullLogLikelihood,
            fit.LogLikelihood,
            Test(2 * (fit.LogLikelihood - fit.NullLogLikelihood), df),
            infinite.Any(b => b) ? null : Test(WaldStatistic(fit, redundant, options.CholeskyTolerance), df),
            Test(fit.ScoreTest, df),
            fit.Iterations,
            fit.Converged,
            variance,
            warnings);
    }

    private static CoxTerm NotEstimable(string name, string reason) =>
        new(name, false, reason, null, null, null, null, null, null, null);

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>2·(1 − Φ(|z|)) via erfc, accurate far into the tail.</summary>
    private static double TwoSidedNormalP(double z) => SpecialFunctions.Erfc(Math.Abs(z) / Math.Sqrt(2));

    /// <summary>The chi-square test of a statistic on df degrees of freedom; null when df is 0 (nothing tested).</summary>
    internal static ChiSquareTest? Test(double chiSquare, int df)
    {
        if (df == 0 || !double.IsFinite(chiSquare)) return null;
        double p = chiSquare <= 0 ? 1 : SpecialFunctions.GammaUpperRegularized(df / 2.0, chiSquare / 2);
        return new ChiSquareTest(chiSquare, df, p);
    }

    /// <summary>V·u: the Newton step that would follow the estimate.</summary>
    private static double[] NextStep(double[] variance, double[] score, int p)
    {
        var result = new double[p];
        for (int i = 0; i < p; i++)
        {
            double sum = 0;
            for (int j = 0; j < p; j++) sum += variance[i * p + j] * score[j];
            result[i] = sum;
        }
        return result;
    }

    /// <summary>Wald statistic b′V⁻b over the non-redundant coefficients, as R's coxph.wtest.</summary>
    private static double WaldStatistic(CoxNewtonRaphson.Result fit, bool[] redundant, double tolerance)
    {
        int p = redundant.Length;
        int[] kept = Enumerable.Range(0, p).Where(j => !redundant[j]).ToArray();
        int m = kept.Length;
        var v = new double[m * m];
        var b = new double[m];
        for (int i = 0; i < m; i++)
        {
            b[i] = fit.Beta[kept[i]];
            for (int j = 0; j < m; j++) v[i * m + j] = fit.Variance[kept[i] * p + kept[j]];
        }
        var solved = (double[])b.Clone();
        GeneralizedCholesky.Decompose(v, m, tolerance);
        GeneralizedCholesky.Solve(v, m, solved);
        double statistic = 0;
        for (int i = 0; i < m; i++) statistic += b[i] * solved[i];
        return statistic;
    }
}
