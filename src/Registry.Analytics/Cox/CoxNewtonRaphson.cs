namespace Registry.Analytics.Cox;

/// <summary>
/// Newton–Raphson maximisation of the Cox partial likelihood from β = 0, step for step as R survival's coxfit6:
/// the score test at β = 0, a full Newton step while the log-likelihood rises, step-halving towards the last good β
/// when it falls or overflows, convergence when |1 − best/new log-likelihood| ≤ eps. Works on the centred and
/// scaled design of <see cref="CoxRiskSets"/> (or a two-group model's counts); the result is returned on the original scale.
/// </summary>
internal static class CoxNewtonRaphson
{
    internal sealed record Result(
        double[] Beta,
        double[] LastMove,
        double[] Score,
        double[] Variance,
        double NullLogLikelihood,
        double LogLikelihood,
        double ScoreTest,
        bool[] RedundantAtStart,
        int Iterations,
        bool Converged);

    public static Result Fit(ICoxLikelihood kernel, CoxOptions options)
    {
        int p = kernel.Columns;
        var beta = new double[p];
        var newBeta = new double[p];
        var score = new double[p];
        var step = new double[p];
        var lastMove = new double[p];
        var information = new double[p * p];

        double nullLogLik = kernel.Evaluate(beta, score, information);
        score.CopyTo(step, 0);
        GeneralizedCholesky.Decompose(information, p, options.CholeskyTolerance);
        GeneralizedCholesky.Solve(information, p, step);
        double scoreTest = 0;
        var redundantAtStart = new bool[p];
        for (int j = 0; j < p; j++)
        {
            scoreTest += score[j] * step[j];
            redundantAtStart[j] = information[j * p + j] == 0;
            newBeta[j] = beta[j] + step[j];
        }

        double bestLogLik = nullLogLik;
        int halving = 0, iteration;
        bool converged = false;
        for (iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            double logLik = kernel.Evaluate(newBeta, score, information);
            GeneralizedCholesky.Decompose(information, p, options.CholeskyTolerance);
            bool finite = double.IsFinite(logLik) && AllFinite(score) && AllFinite(information);

            if (finite && Math.Abs(1 - bestLogLik / logLik) <= options.Epsilon)
            {
                bestLogLik = logLik;
                newBeta.CopyTo(beta, 0);
                converged = true;
                break;
            }

            if (!finite || logLik < bestLogLik)
            {
                // Each successive failure pulls the trial point closer to the last accepted β.
                halving++;
                for (int j = 0; j < p; j++) newBeta[j] = (newBeta[j] + halving * beta[j]) / (halving + 1.0);
            }
            else
            {
                halving = 0;
                bestLogLik = logLik;
                GeneralizedCholesky.Solve(information, p, score);
                for (int j = 0; j < p; j++)
                {
                    lastMove[j] = newBeta[j] - beta[j];
                    beta[j] = newBeta[j];
                    newBeta[j] += score[j];
                }
            }
        }

        if (!converged)
        {
            // Report the last accepted β with its own score and information.
            iteration = options.MaxIterations;
            bestLogLik = kernel.Evaluate(beta, score, information);
            GeneralizedCholesky.Decompose(information, p, options.CholeskyTolerance);
        }
        GeneralizedCholesky.Invert(information, p);

        for (int i = 0; i < p; i++)
        {
            beta[i] *= kernel.Scale[i];
            lastMove[i] *= kernel.Scale[i];
            score[i] /= kernel.Scale[i];
            for (int j = 0; j < p; j++) information[i * p + j] *= kernel.Scale[i] * kernel.Scale[j];
        }
        return new Result(beta, lastMove, score, information, nullLogLik, bestLogLik, scoreTest, redundantAtStart, iteration, converged);
    }

    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (double v in values)
            if (!double.IsFinite(v)) return false;
        return true;
    }
}
