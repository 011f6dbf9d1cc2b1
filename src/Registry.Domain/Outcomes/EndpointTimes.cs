using System.Collections;

namespace Registry.Domain.Outcomes;

/// <summary>
/// A patient's times by endpoint in two arrays, the endpoints' array shared by every patient with the same endpoints:
/// what a kept set holds (and an outcome derived for one, <see cref="OutcomeDerivation.DeriveWithoutEnds"/>), where a
/// dictionary per patient cost ~0.5 KB, made and dropped for every patient of a set at a new moment.
/// </summary>
public sealed class EndpointTimes : IReadOnlyDictionary<string, TimeToEvent>
{
    private readonly string[] _endpoints;
    private readonly TimeToEvent[] _times;

    /// <summary>The times of <paramref name="endpoints"/>, in their order (the catalogue's, which views and exports may list them in); neither array is copied.</summary>
    public EndpointTimes(string[] endpoints, TimeToEvent[] times)
    {
        if (endpoints.Length != times.Length) throw new ArgumentException($"{times.Length} times for {endpoints.Length} endpoints.", nameof(times));
        (_endpoints, _times) = (endpoints, times);
    }

    /// <summary>The endpoints' array as given, which patients share: not to be written.</summary>
    public string[] Endpoints => _endpoints;

    /// <summary>The time of the endpoint at <paramref name="i"/> of <see cref="Endpoints"/>.</summary>
    public TimeToEvent TimeAt(int i) => _times[i];

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
