namespace Registry.Analytics.Comparisons;

/// <summary>
/// Two groups' follow-up in whole days, as counts: per stratum and day, each group's patients with the event that day
/// and those censored that day. The log-rank test and a Cox model of the group alone depend on nothing else, so once
/// counted (one pass, no sort) they cost O(distinct days), not O(patients): see <see cref="TwoGroupComparison"/>.
/// </summary>
public sealed class TwoGroupCounts
{
    /// <summary>The longest follow-up counted, in days: beyond any span of dates (3 652 058 days), and each day is a slot of an array.</summary>
    public const int MaximumDay = 4_000_000;

    // Per stratum, four counts a day: reference censored, reference events, experimental censored, experimental events.
    internal const int Slots = 4;
    private readonly List<int[]> _strata = [];
    private readonly List<int> _days = [];

    public int ExperimentalSubjects { get; private set; }
    public int ReferenceSubjects { get; private set; }
    public int ExperimentalEvents { get; private set; }
    public int ReferenceEvents { get; private set; }
    public int Subjects => ExperimentalSubjects + ReferenceSubjects;
    public int Events => ExperimentalEvents + ReferenceEvents;

    /// <summary>One patient: follow-up of <paramref name="day"/> whole days (0 to <see cref="MaximumDay"/>), in stratum <paramref name="stratum"/> (0 when unstratified).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The day or the stratum is out of range.</exception>
    public void Add(int day, bool experimental, bool hadEvent, int stratum = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(day);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(day, MaximumDay);
        ArgumentOutOfRangeException.ThrowIfNegative(stratum);
        while (_strata.Count <= stratum)
        {
            _strata.Add([]);
            _days.Add(0);
        }
        var counts = _strata[stratum];
        if (Slots * day + Slots > counts.Length)
        {
            Array.Resize(ref counts, Math.Min(Slots * (MaximumDay + 1), Math.Max(Slots * (day + 1), 2 * counts.Length)));
            _strata[stratum] = counts;
        }
        if (day >= _days[stratum]) _days[stratum] = day + 1;
        counts[Slots * day + (experimental ? 2 : 0) + (hadEvent ? 1 : 0)]++;
        if (experimental)
        {
            ExperimentalSubjects++;
            if (hadEvent) ExperimentalEvents++;
        }
        else
        {
            ReferenceSubjects++;
            if (hadEvent) ReferenceEvents++;
        }
    }

    /// <summary>Every count back to zero, the arrays kept: one counts object serves cut after cut.</summary>
    public void Clear()
    {
        for (var s = 0; s < _strata.Count; s++)
        {
            Array.Clear(_strata[s], 0, Slots * _days[s]);
            _days[s] = 0;
        }
        (ExperimentalSubjects, ReferenceSubjects, ExperimentalEvents, ReferenceEvents) = (0, 0, 0, 0);
    }

    internal int StrataCounted => _strata.Count;

    /// <summary>Stratum <paramref name="stratum"/>'s counts, <see cref="Slots"/> a day from day 0 to its latest day.</summary>
    internal ReadOnlySpan<int> Stratum(int stratum) => _strata[stratum].AsSpan(0, Slots * _days[stratum]);
}
