using Registry.Analytics.Comparisons;

namespace Registry.Analytics.Cox;

/// <summary>
/// The Cox kernel of one 0/1 column (experimental vs reference) from counts per time: every subject's risk is 1 or
/// e^β, so a time's risk-set sums are its counts at risk times those, and a Newton step costs O(distinct times + events)
/// instead of O(subjects). The same sums, in the same order of times, as <see cref="CoxPartialLikelihood"/> over the
/// subjects (a 0/1 column is neither centred nor scaled there), so the fit agrees with it to rounding.
/// </summary>
internal sealed class CoxTwoGroupLikelihood : ICoxLikelihood
{
    private readonly bool _efron;
    // Per distinct time, stratum after stratum, each stratum's times descending: censored and events on each side.
    private readonly double[] _referenceCensored, _referenceEvents, _experimentalCensored, _experimentalEvents;
    private readonly int[] _stratumStart;
    private readonly double _experimentalEventCount;
    private readonly bool _hasReference, _hasExperimental;

    public CoxTwoGroupLikelihood(TwoGroupCounts counts, CoxTies ties)
    {
        _efron = ties == CoxTies.Efron;
        var times = 0;
        for (var s = 0; s < counts.StrataCounted; s++)
            times += DistinctTimes(counts.Stratum(s));
        (_referenceCensored, _referenceEvents, _experimentalCensored, _experimentalEvents) = (new double[times], new double[times], new double[times], new double[times]);
        var starts = new List<int>();
        var t = 0;
        for (var s = 0; s < counts.StrataCounted; s++)
        {
            var stratum = counts.Stratum(s);
            if (DistinctTimes(stratum) == 0) continue;
            starts.Add(t);
            for (var day = stratum.Length / TwoGroupCounts.Slots - 1; day >= 0; day--)
            {
                var at = stratum.Slice(TwoGroupCounts.Slots * day, TwoGroupCounts.Slots);
                if (at[0] + at[1] + at[2] + at[3] == 0) continue;
                (_referenceCensored[t], _referenceEvents[t], _experimentalCensored[t], _experimentalEvents[t]) = (at[0], at[1], at[2], at[3]);
                t++;
            }
        }
        starts.Add(t);
        _stratumStart = starts.ToArray();
        Rows = counts.Subjects;
        Events = counts.Events;
        _experimentalEventCount = counts.ExperimentalEvents;
        (_hasReference, _hasExperimental) = (counts.ReferenceSubjects > 0, counts.ExperimentalSubjects > 0);
    }

    private static int DistinctTimes(ReadOnlySpan<int> stratum)
    {
        var times = 0;
        for (var at = 0; at < stratum.Length; at += TwoGroupCounts.Slots)
            if (stratum[at] + stratum[at + 1] + stratum[at + 2] + stratum[at + 3] != 0) times++;
        return times;
    }

    public int Rows { get; }
    public int Columns => 1;
    public int Events { get; }
    public int Strata => _stratumStart.Length - 1;
    public double[] Scale { get; } = [1];

    public double MaxLinearPredictor(double[] beta)
    {
        var max = double.NegativeInfinity;
        if (_hasReference) max = 0;
        if (_hasExperimental) max = Math.Max(max, beta[0]);
        return max;
    }

    /// <summary>Walks each stratum's times from the latest, as <see cref="CoxPartialLikelihood.Evaluate"/> walks its rows: a time's censored join the risk set before its tie group is scored.</summary>
    public double Evaluate(ReadOnlySpan<double> beta, Span<double> score, double[] information)
    {
        double b = beta[0], r = Math.Exp(b);
        double logLik = b * _experimentalEventCount, u = _experimentalEventCount, info = 0;
        for (var s = 0; s + 1 < _stratumStart.Length; s++)
        {
            // Σr and Σr·x over those at risk (x is 0 or 1, so Σr·x·x is Σr·x).
            double risk = 0, riskX = 0;
            for (var t = _stratumStart[s]; t < _stratumStart[s + 1]; t++)
            {
                var censoredX = _experimentalCensored[t] * r;
                risk += _referenceCensored[t] + censoredX;
                riskX += censoredX;
                var events = (int)(_referenceEvents[t] + _experimentalEvents[t]);
                if (events == 0) continue;
                var tieX = _experimentalEvents[t] * r;
                var tieRisk = _referenceEvents[t] + tieX;
                var sums = TieSums.Of(_efron, events, risk, tieRisk);
                logLik -= sums.LogDenominators;
                u -= riskX * sums.S0 + tieX * sums.S1;
                info += riskX * sums.S0 + tieX * sums.S1 - (riskX * riskX * sums.T0 + (riskX * tieX + tieX * riskX) * sums.T1 + tieX * tieX * sums.T2);
                risk += tieRisk;
                riskX += tieX;
            }
        }
        score[0] = u;
        information[0] = info;
        return logLik;
    }
}
