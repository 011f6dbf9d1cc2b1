namespace Registry.Analytics.Survival;

/// <summary>
/// Follow-up of one group of patients, one entry per patient: the time from the origin (e.g. randomisation)
/// to the event or to censoring, and whether the event was observed. This is the front door of the survival
/// estimators: construction validates, so every instance can be trusted downstream.
/// </summary>
public sealed record SurvivalData
{
    /// <param name="times">Follow-up times, finite and ≥ 0, in any order and any unit (days, months).</param>
    /// <param name="events"><c>true</c> when the event was observed at that time, <c>false</c> when censored.</param>
    /// <exception cref="ArgumentException">Lengths differ, or a time is negative, NaN or infinite.</exception>
    public SurvivalData(IReadOnlyList<double> times, IReadOnlyList<bool> events)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(events);
        if (times.Count != events.Count)
            throw new ArgumentException(
                $"Each patient needs one time and one event flag, but got {times.Count} times and {events.Count} event flags.",
                nameof(events));
        var copy = new double[times.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            var t = times[i];
            if (!double.IsFinite(t) || t < 0)
                throw new ArgumentException($"Follow-up time at index {i} is {t}; times must be finite and ≥ 0.", nameof(times));
            copy[i] = t;
        }
        Times = copy;
        Events = events.ToArray();
    }

    /// <summary>Builds the data from a 0/1 status column (1 = event, 0 = censored), as R's <c>Surv(time, status)</c>.</summary>
    /// <exception cref="ArgumentException">A status is neither 0 nor 1, or the inputs are inconsistent.</exception>
    public static SurvivalData FromStatus(IReadOnlyList<double> times, IReadOnlyList<int> status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var events = new bool[status.Count];
        for (var i = 0; i < events.Length; i++)
            events[i] = status[i] switch
            {
                0 => false,
                1 => true,
                var s => throw new ArgumentException($"Status at index {i} is {s}; use 1 for an event and 0 for censored.", nameof(status)),
            };
        return new SurvivalData(times, events);
    }

    public IReadOnlyList<double> Times { get; }

    public IReadOnlyList<bool> Events { get; }

    public int Count => Times.Count;

    /// <summary>The one sort the estimators need; ties keep no particular order because only counts per time matter.</summary>
    internal (double[] Times, bool[] Events) SortByTime()
    {
        var times = Times.ToArray();
        var events = Events.ToArray();
        Array.Sort(times, events);
        return (times, events);
    }
}
