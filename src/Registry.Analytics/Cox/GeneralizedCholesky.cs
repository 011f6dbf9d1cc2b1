namespace Registry.Analytics.Cox;

/// <summary>
/// Rank-revealing Cholesky A = F·D·F′ (F unit lower triangular) of a symmetric non-negative definite matrix,
/// ported from R survival's cholesky2/chsolve2/chinv2 so that redundant columns are decided exactly as in R:
/// a pivot below tolerance × the largest diagonal is set to 0 and that column is treated as absent.
/// Matrices are dense row-major n×n arrays; element (r, c) is m[r * n + c].
/// </summary>
internal static class GeneralizedCholesky
{
    /// <summary>
    /// Factors in place: reads the upper triangle (r ≤ c) of m, writes F below and D on the diagonal,
    /// leaves the upper triangle. Returns the rank, negated if the matrix is not non-negative definite.
    /// </summary>
    public static int Decompose(double[] m, int n, double tolerance)
    {
        int nonNegative = 1;
        double eps = 0;
        for (int i = 0; i < n; i++)
        {
            if (m[i * n + i] > eps) eps = m[i * n + i];
            for (int j = i + 1; j < n; j++) m[j * n + i] = m[i * n + j];
        }
        eps = eps == 0 ? tolerance : eps * tolerance;

        int rank = 0;
        for (int i = 0; i < n; i++)
        {
            double pivot = m[i * n + i];
            if (!double.IsFinite(pivot) || pivot < eps)
            {
                m[i * n + i] = 0;
                if (pivot < -8 * eps) nonNegative = -1;
                continue;
            }
            rank++;
            for (int j = i + 1; j < n; j++)
            {
                double temp = m[j * n + i] / pivot;
                m[j * n + i] = temp;
                m[j * n + j] -= temp * temp * pivot;
                for (int k = j + 1; k < n; k++) m[k * n + j] -= temp * m[k * n + i];
            }
        }
        return rank * nonNegative;
    }

    /// <summary>Overwrites y with a solution of A·b = y from a factor; redundant columns get b = 0.</summary>
    public static void Solve(double[] m, int n, Span<double> y)
    {
        for (int i = 0; i < n; i++)
        {
            double temp = y[i];
            for (int j = 0; j < i; j++) temp -= y[j] * m[i * n + j];
            y[i] = temp;
        }
        for (int i = n - 1; i >= 0; i--)
        {
            if (m[i * n + i] == 0)
            {
                y[i] = 0;
                continue;
            }
            double temp = y[i] / m[i * n + i];
            for (int j = i + 1; j < n; j++) temp -= y[j] * m[j * n + i];
            y[i] = temp;
        }
    }

    /// <summary>
    /// Turns a factor into the generalized inverse, written as a full symmetric matrix; rows and columns of
    /// redundant columns are 0.
    /// </summary>
    public static void Invert(double[] m, int n)
    {
        for (int i = 0; i < n; i++)
        {
            if (m[i * n + i] <= 0) continue;
            m[i * n + i] = 1 / m[i * n + i];
            for (int j = i + 1; j < n; j++)
            {
                m[j * n + i] = -m[j * n + i];
                for (int k = 0; k < i; k++) m[j * n + k] += m[j * n + i] * m[i * n + k];
            }
        }

        for (int i = 0; i < n; i++)
        {
            if (m[i * n + i] == 0)
            {
                for (int j = 0; j < i; j++) m[j * n + i] = 0;
                for (int j = i; j < n; j++) m[i * n + j] = 0;
                continue;
            }
            for (int j = i + 1; j < n; j++)
            {
                double temp = m[j * n + i] * m[j * n + j];
                m[i * n + j] = temp;
                for (int k = i; k < j; k++) m[i * n + k] += temp * m[j * n + k];
            }
        }

        // The inverse now sits in the upper triangle; mirror it so callers read a plain symmetric matrix.
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) m[i * n + j] = m[j * n + i];
    }
}
