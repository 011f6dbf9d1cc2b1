using System.Diagnostics.CodeAnalysis;
using JasperFx.Events.Fetching;

namespace Registry.Projections.Patients;

/// <summary>
/// The charts a write fetches, kept on this node after each commit (Marten's write cache for <c>FetchForWriting</c>),
/// so the next entry for a recently written patient reads only the stream's version, not its ≈ 5 KB chart. Marten
/// hands a kept chart out only when the stream is still at its version and takes it out while it is in use; a failed
/// commit keeps nothing. The cache keeps a copy: the committed chart itself has gone to the outcome projection
/// (<c>ChartsJustWritten</c>), and the next write's projection must not extend a chart that one is still reading.
/// </summary>
/// <remarks>
/// Its own list rather than JasperFx's <c>RecentlyUsedAggregateWriteCache</c>, whose immutable map is rebuilt without
/// the key on every take: one take and one store per write, each O(1) here, under one short lock.
/// </remarks>
public sealed class ChartsForWriting(int capacity) : IAggregateWriteCache
{
    /// <summary>Charts kept at most, the least recently written dropped first (a chart is ≈ 5 KB of JSON, more as objects).</summary>
    public const int DefaultCapacity = 1_000;

    private readonly Dictionary<AggregateCacheKey, LinkedListNode<Kept>> _byKey = [];
    private readonly LinkedList<Kept> _newestFirst = [];

    public int Count
    {
        get { lock (_byKey) return _byKey.Count; }
    }

    public bool TryTake(AggregateCacheKey key, [NotNullWhen(true)] out object? aggregate, out long version)
    {
        lock (_byKey)
        {
            if (_byKey.Remove(key, out var node))
            {
                _newestFirst.Remove(node);
                (aggregate, version) = (node.Value.Aggregate, node.Value.Version);
                return true;
            }
        }
        (aggregate, version) = (null, 0);
        return false;
    }

    public void Store(AggregateCacheKey key, object aggregate, long version)
    {
        var kept = new Kept(key, aggregate is PatientChart chart ? chart.Copy() : aggregate, version);
        lock (_byKey)
        {
            if (_byKey.Remove(key, out var replaced)) _newestFirst.Remove(replaced);
            _byKey[key] = _newestFirst.AddFirst(kept);
            while (_byKey.Count > capacity)
            {
                _byKey.Remove(_newestFirst.Last!.Value.Key);
                _newestFirst.RemoveLast();
            }
        }
    }

    public void Evict(AggregateCacheKey key)
    {
        lock (_byKey)
            if (_byKey.Remove(key, out var node)) _newestFirst.Remove(node);
    }

    private sealed record Kept(AggregateCacheKey Key, object Aggregate, long Version);
}
