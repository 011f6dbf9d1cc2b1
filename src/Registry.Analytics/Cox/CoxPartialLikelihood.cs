using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Registry.Analytics.Cox;

/// <summary>
/// What Newton–Raphson and the fit's rules read of the data: the log partial likelihood, score and information at β,
/// and the sizes a model reports. Subjects one row each, or two groups as counts per time (<see cref="CoxTwoGroupLikelihood"/>).
/// </summary>
internal interface ICoxLikelihood
{
    int Rows { get; }
    int Columns { get; }
    int Events { get; }
    int Strata { get; }

    /// <summary>Multiplier applied to each column; coefficient on the original scale = internal × Scale.</summary>
    double[] Scale { get; }

    /// <summary>
    /// Returns the log partial likelihood at β and writes the score (length p) and the information matrix
    /// (row-major p×p, both triangles) into the given arrays.
    /// </summary>
    double Evaluate(ReadOnlySpan<double> beta, Span<double> score, double[] information);

    /// <summary>Largest linear predictor at β on the original scale (centred, as R's lp), read by R's overflow warning.</summary>
    double MaxLinearPredictor(double[] beta);
}

/// <summary>
/// Kernel of the Cox fit (R survival's coxfit6_iter): log partial likelihood, score vector and information
/// matrix at β in one pass over the risk sets, O(n·p²). Input: a <see cref="CoxRiskSets"/> layout (stratum, time
/// descending, censored before events within a tie). Work arrays are allocated once, so evaluation allocates nothing.
/// </summary>
internal sealed class CoxPartialLikelihood : ICoxLikelihood
{
    private readonly CoxRiskSets _data;
    private readonly bool _efron;
    private readonly int _p;

    // Risk-set sums: Σr, Σr·x, Σr·x·x′ (lower triangle, packed) over rows at risk, and the same over one tie's events.
    private readonly double[] _riskX, _riskXX, _tieX, _tieXX;

    // Vector accumulators of the same sums over four rows at a time, plus β broadcast and r·x of the current rows.
    private readonly Vector256<double>[] _vectorX, _vectorXX, _vectorWeighted, _vectorBeta;

    public CoxPartialLikelihood(CoxRiskSets data, CoxTies ties)
    {
        _data = data;
        _efron = ties == CoxTies.Efron;
        _p = data.Columns;
        int packed = _p * (_p + 1) / 2;
        _riskX = new double[_p];
        _riskXX = new double[packed];
        _tieX = new double[_p];
        _tieXX = new double[packed];
        _vectorX = new Vector256<double>[_p];
        _vectorXX = new Vector256<double>[packed];
        _vectorWeighted = new Vector256<double>[_p];
        _vectorBeta = new Vector256<double>[_p];
    }

    public int Rows => _data.Rows;
    public int Columns => _p;
    public int Events => _data.Events;
    public int Strata => _data.Strata;
    public double[] Scale => _data.Scale;

    public double MaxLinearPredictor(double[] beta)
    {
        int p = _p, n = _data.Rows;
        double max = double.NegativeInfinity;
        for (int row = 0; row < n; row++)
        {
            double eta = 0;
            for (int j = 0; j < p; j++) eta += _data.X[j * n + row] / _data.Scale[j] * beta[j];
            max = Math.Max(max, eta);
        }
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Evaluate(ReadOnlySpan<double> beta, Span<double> score, double[] information)
    {
        int p = _p;
        int[] groupStart = _data.GroupStart, eventStart = _data.EventStart, strata = _data.StratumGroupStart;

        double logLik = 0;
        for (int j = 0; j < p; j++)
        {
            logLik += beta[j] * _data.EventSum[j];
            score[j] = _data.EventSum[j];
        }
        Array.Clear(information);

        for (int s = 0; s + 1 < strata.Length; s++)
        {
            double risk = 0;
            Array.Clear(_riskX);
            Array.Clear(_riskXX);
            for (int g = strata[s]; g < strata[s + 1]; g++)
            {
                int first = groupStart[g], firstEvent = eventStart[g], end = groupStart[g + 1];
                risk += Accumulate(beta, first, firstEvent, _riskX, _riskXX);
                int events = end - firstEvent;
                if (events == 0) continue;

                Array.Clear(_tieX);
                Array.Clear(_tieXX);
                double tieRisk = Accumulate(beta, firstEvent, end, _tieX, _tieXX);
                logLik -= AddTieGroup(events, risk, tieRisk, score, information);
                risk += tieRisk;
                for (int j = 0; j < _riskX.Length; j++) _riskX[j] += _tieX[j];
                for (int j = 0; j < _riskXX.Length; j++) _riskXX[j] += _tieXX[j];
            }
        }

        for (int i = 0; i < p; i++)
            for (int j = 0; j < i; j++) information[j * p + i] = information[i * p + j];
        return logLik;
    }

    /// <summary>
    /// Adds rows [from, to) to Σr, Σr·x, Σr·x·x′ and returns their Σr. Long ranges (heavy ties) run four rows per
    /// SIMD step with vector accumulators; the rest, and short ranges, run row by row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Accumulate(ReadOnlySpan<double> beta, int from, int to, double[] sumX, double[] sumXX)
    {
        int n = _data.Rows, p = _p;
        double[] x = _data.X;
        double total = 0;
        int row = from;
        if (Vector256.IsHardwareAccelerated && to - from >= 2 * Vector256<double>.Count)
        {
            total = AccumulateVectorized(beta, ref row, to, sumX, sumXX);
        }
        for (; row < to; row++)
        {
            double eta = 0;
            for (int j = 0; j < p; j++) eta += beta[j] * x[j * n + row];
            double r = Math.Exp(eta);
            total += r;
            int k = 0;
            for (int i = 0; i < p; i++)
            {
                double rxi = r * x[i * n + row];
                sumX[i] += rxi;
                for (int j = 0; j <= i; j++) sumXX[k++] += rxi * x[j * n + row];
            }
        }
        return total;
    }

    /// <summary>Vector part of <see cref="Accumulate"/>: rows from <paramref name="row"/> in steps of 4 while they fit before <paramref name="to"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double AccumulateVectorized(ReadOnlySpan<double> beta, ref int row, int to, double[] sumX, double[] sumXX)
    {
        int n = _data.Rows, p = _p, width = Vector256<double>.Count;
        ref double x = ref MemoryMarshal.GetArrayDataReference(_data.X);
        Vector256<double>[] accX = _vectorX, accXX = _vectorXX, weighted = _vectorWeighted, b = _vectorBeta;
        for (int j = 0; j < p; j++) b[j] = Vector256.Create(beta[j]);
        Array.Clear(accX);
        Array.Clear(accXX);
        var accR = Vector256<double>.Zero;
        for (; row + width <= to; row += width)
        {
            var eta = Vector256<double>.Zero;
            for (int j = 0; j < p; j++)
                eta += b[j] * Vector256.LoadUnsafe(ref x, (nuint)(j * n + row));
            var r = Vector256.Exp(eta);
            accR += r;
            int k = 0;
            for (int i = 0; i < p; i++)
            {
                weighted[i] = r * Vector256.LoadUnsafe(ref x, (nuint)(i * n + row));
                accX[i] += weighted[i];
                for (int j = 0; j <= i; j++) accXX[k++] += weighted[i] * Vector256.LoadUnsafe(ref x, (nuint)(j * n + row));
            }
        }
        for (int i = 0; i < p; i++) sumX[i] += Vector256.Sum(accX[i]);
        for (int k = 0; k < sumXX.Length; k++) sumXX[k] += Vector256.Sum(accXX[k]);
        return Vector256.Sum(accR);
    }

    /// <summary>Adds one tie group's terms to score and information (lower triangle) and returns its Σ log(denominator).</summary>
    private double AddTieGroup(int events, double risk, double tieRisk, Span<double> score, double[] information)
    {
        int p = _p;
        var sums = TieSums.Of(_efron, events, risk, tieRisk);
        int packed = 0;
        for (int i = 0; i < p; i++)
        {
            double ai = _riskX[i], bi = _tieX[i];
            score[i] -= ai * sums.S0 + bi * sums.S1;
            for (int j = 0; j <= i; j++, packed++)
            {
                double aj = _riskX[j], bj = _tieX[j];
                information[i * p + j] += _riskXX[packed] * sums.S0 + _tieXX[packed] * sums.S1
                    - (ai * aj * sums.T0 + (ai * bj + bi * aj) * sums.T1 + bi * bj * sums.T2);
            }
        }
        return sums.LogDenominators;
    }
}

/// <summary>
/// One tie group's denominators summed: Efron's d denominators are risk + (k/d)·tieRisk, k = 1..d; their sums collapse
/// into five scalars, so a group costs O(d + p²) rather than O(d·p²). Breslow is the case where every weight k/d is 1.
/// Every kernel's tie groups go through this one place.
/// </summary>
internal readonly record struct TieSums(double LogDenominators, double S0, double S1, double T0, double T1, double T2)
{
    public static TieSums Of(bool efron, int events, double risk, double tieRisk)
    {
        double logDenominators = 0, s0 = 0, s1 = 0, t0 = 0, t1 = 0, t2 = 0;
        if (efron && events > 1)
        {
            for (int k = 1; k <= events; k++)
            {
                double f = (double)k / events;
                double denominator = risk + f * tieRisk;
                double inv = 1 / denominator;
                logDenominators += Math.Log(denominator);
                s0 += inv;
                s1 += f * inv;
                t0 += inv * inv;
                t1 += f * inv * inv;
                t2 += f * f * inv * inv;
            }
        }
        else
        {
            double denominator = risk + tieRisk;
            double inv = 1 / denominator;
            logDenominators = events * Math.Log(denominator);
            s0 = s1 = events * inv;
            t0 = t1 = t2 = events * inv * inv;
        }
        return new TieSums(logDenominators, s0, s1, t0, t1, t2);
    }
}
