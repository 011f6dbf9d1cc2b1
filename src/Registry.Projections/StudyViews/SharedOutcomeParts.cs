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

    public SharedOutcomeParts() => (_keySet, _value) = (KeySet, Value);

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
        Times = Times(outcome.Times),
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

    /// <summary>
    /// The times with shared parts, in the order derived (the catalogue's). An outcome derived for a set holds them as
    /// <see cref="EndpointTimes"/> already, its endpoints an array every such outcome shares: no array made to look it up.
    /// </summary>
    private EndpointTimes Times(IReadOnlyDictionary<string, TimeToEvent> times)
    {
        var kept = new TimeToEvent[times.Count];
        if (times is EndpointTimes derived)
        {
            for (var i = 0; i < kept.Length; i++) kept[i] = Time(derived.TimeAt(i));
            return new EndpointTimes(_keySet(derived.Endpoints), kept);
        }
        var (endpoints, at) = (new string[times.Count], 0);
        // An outcome row's times are a dictionary: enumerated as one, its enumerator is not boxed.
        if (times is Dictionary<string, TimeToEvent> read)
            foreach (var (endpoint, value) in read) (endpoints[at], kept[at++]) = (endpoint, Time(value));
        else
            foreach (var (endpoint, value) in times) (endpoints[at], kept[at++]) = (endpoint, Time(value));
        return new EndpointTimes(_keySet(endpoints), kept);
    }
}
