using System.Collections;
using System.Collections.Concurrent;
using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;

namespace Registry.Projections.StudyViews;

/// <summary>
/// Kept outcomes built from shared parts: the arms, sites, baseline keys and categories, endpoint names, times and
/// adverse-event summaries that many patients have alike are held once. A kept set of 100 000 patients then costs
/// a few hundred bytes a patient, not kilobytes (docs/performance.md, "Memory").
/// </summary>
public sealed class SharedOutcomeParts
{
    private readonly ConcurrentDictionary<string, string> _texts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string[], string[]> _keySets = new(new SameKeys());
    private readonly ConcurrentDictionary<BaselineValue, BaselineValue> _values = new();
    private readonly ConcurrentDictionary<(int Days, bool Event), TimeToEvent> _times = new();
    private readonly ConcurrentDictionary<AdverseEventSummary, AdverseEventSummary> _adverseEvents = new();

    // Made once: a method group passed on is a new delegate each time, and every patient of a set is shared.
    private readonly Func<string[], string[]> _keySet;
    private readonly Func<BaselineValue, BaselineValue> _value;
    private readonly Func<TimeToEvent, TimeToEvent> _time;

    public SharedOutcomeParts() => (_keySet, _value, _time) = (KeySet, Value, Time);

    /// <summary>
    /// The outcome with shared parts, equal in every value a view reads. Times lose where they end (kept only for the
    /// analysis datasets, which derive their own).
    /// </summary>
    public PatientOutcome Share(PatientOutcome outcome) => Share(outcome, null);

    /// <summary><see cref="Share(PatientOutcome)"/> with <paramref name="baseline"/> when given: the patient's values, shared already.</summary>
    public PatientOutcome Share(PatientOutcome outcome, BaselineValues? baseline) => outcome with
    {
        Arm = Text(outcome.Arm),
        Site = Text(outcome.Site)!,
        Baseline = baseline ?? outcome.Baseline.Sharing(_keySet, _value),
        ExcludedBecause = Text(outcome.ExcludedBecause),
        Times = EndpointTimes.Of(outcome.Times, _keySet, _time),
        AdverseEvents = AdverseEvents(outcome.AdverseEvents),
    };

    private AdverseEventSummary[] AdverseEvents(IReadOnlyList<AdverseEventSummary> summaries)
    {
        if (summaries.Count == 0) return [];
        var shared = new AdverseEventSummary[summaries.Count];
        for (var i = 0; i < shared.Length; i++) shared[i] = AdverseEvent(summaries[i]);
        return shared;
    }

    /// <summary>The text held once for every equal text.</summary>
    public string? Text(string? text) => text is null ? null : _texts.GetOrAdd(text, text);

    /// <summary>The key set held once for every equal one, looked up by its keys (no joined text made per patient to find it).</summary>
    private string[] KeySet(string[] keys)
    {
        if (_keySets.TryGetValue(keys, out var kept)) return kept;
        var shared = Array.ConvertAll(keys, k => Text(k)!);
        return _keySets.GetOrAdd(shared, shared);
    }

    /// <summary>Key sets equal key by key (ordinal).</summary>
    private sealed class SameKeys : IEqualityComparer<string[]>
    {
        public bool Equals(string[]? x, string[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(string[] keys)
        {
            var hash = new HashCode();
            foreach (var key in keys) hash.Add(key, StringComparer.Ordinal);
            return hash.ToHashCode();
        }
    }

    /// <summary>Distinct baseline values held at most: ages and scores repeat, a continuous lab value may not, and then the pool stops growing.</summary>
    public const int MaximumSharedValues = 100_000;

    private BaselineValue Value(BaselineValue value) =>
        _values.TryGetValue(value, out var kept) ? kept
        : _values.Count >= MaximumSharedValues ? value
        : _values.GetOrAdd(value, v => v with { Text = Text(v.Text), Missing = Text(v.Missing) });

    /// <summary>The time held once for every equal time, without where it ends.</summary>
    public TimeToEvent Time(TimeToEvent time) => _times.GetOrAdd((time.Days, time.Event), t => new TimeToEvent(t.Days, t.Event));

    // Looked up before a factory is passed: a lambda calling an instance method is a new delegate each call.
    private AdverseEventSummary AdverseEvent(AdverseEventSummary summary) =>
        _adverseEvents.TryGetValue(summary, out var kept) ? kept : _adverseEvents.GetOrAdd(summary, s => s with { Term = Text(s.Term)! });

    /// <summary>A patient's times by endpoint, in two arrays; the endpoint array is shared by every patient with the same endpoints.</summary>
    private sealed class EndpointTimes : IReadOnlyDictionary<string, TimeToEvent>
    {
        private readonly string[] _endpoints;
        private readonly TimeToEvent[] _times;

        private EndpointTimes(string[] endpoints, TimeToEvent[] times) => (_endpoints, _times) = (endpoints, times);

        /// <summary>The times in the order derived (the catalogue's), which views and exports may list them in.</summary>
        public static EndpointTimes Of(IReadOnlyDictionary<string, TimeToEvent> times, Func<string[], string[]> keySet, Func<TimeToEvent, TimeToEvent> time)
        {
            var (endpoints, kept) = (new string[times.Count], new TimeToEvent[times.Count]);
            var i = 0;
            // A derived outcome's times are a dictionary: enumerated as one, its enumerator is not boxed.
            if (times is Dictionary<string, TimeToEvent> derived)
                foreach (var (endpoint, value) in derived) (endpoints[i], kept[i++]) = (endpoint, time(value));
            else
                foreach (var (endpoint, value) in times) (endpoints[i], kept[i++]) = (endpoint, time(value));
            return new EndpointTimes(keySet(endpoints), kept);
        }

        // A study has a handful of endpoints: a scan is as quick as a lookup. A plain loop: a view asks this of every
        // patient, and a predicate's closure per call cost half of `survival`'s first answer at 100 000 patients.
        private int IndexOf(string endpoint)
        {
            for (var i = 0; i < _endpoints.Length; i++)
                if (string.Equals(_endpoints[i], endpoint, StringComparison.Ordinal)) return i;
            return -1;
        }

        public TimeToEvent this[string key] => IndexOf(key) is var i and >= 0 ? _times[i] : throw new KeyNotFoundException($"No time for endpoint '{key}'.");
        public IEnumerable<string> Keys => _endpoints.AsReadOnly();
        public IEnumerable<TimeToEvent> Values => _times.AsReadOnly();
        public int Count => _endpoints.Length;
        public bool ContainsKey(string key) => IndexOf(key) >= 0;

        public bool TryGetValue(string key, out TimeToEvent value)
        {
            var i = IndexOf(key);
            value = i >= 0 ? _times[i] : null!;
            return i >= 0;
        }

        public IEnumerator<KeyValuePair<string, TimeToEvent>> GetEnumerator()
        {
            for (var i = 0; i < _endpoints.Length; i++) yield return new(_endpoints[i], _times[i]);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
