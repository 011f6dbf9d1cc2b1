namespace Registry.Analytics.Survival;

/// <summary>
/// Kernel shared by the estimators: the distinct follow-up times of a time-sorted sample with, at each, the number
/// at risk (follow-up ≥ that time, so patients censored at an event time count as at risk, as in R), the events
/// and the censorings. One pass, O(n).
/// </summary>
internal sealed class RiskSetTable
{
    private RiskSetTable(double[] times, int[] atRisk, int[] events, int[] censored)
    {
        Times = times;
        AtRisk = atRisk;
        Events = events;
        Censored = censored;
    }

    public double[] Times { get; }

    public int[] AtRisk { get; }

    public int[] Events { get; }

    public int[] Censored { get; }

    public int Count => Times.Length;

    public static RiskSetTable FromSorted(ReadOnlySpan<double> sortedTimes, ReadOnlySpan<bool> events)
    {
        var times = new List<double>();
        var atRisk = new List<int>();
        var deaths = new List<int>();
        var censored = new List<int>();
        var n = sortedTimes.Length;
        for (var i = 0; i < n;)
        {
            var t = sortedTimes[i];
            int d = 0, c = 0, j = i;
            for (; j < n && sortedTimes[j] == t; j++)
            {
                if (events[j]) d++;
                else c++;
            }
            times.Add(t);
            atRisk.Add(n - i);
            deaths.Add(d);
            censored.Add(c);
            i = j;
        }
        return new RiskSetTable(times.ToArray(), atRisk.ToArray(), deaths.ToArray(), censored.ToArray());
    }
}
