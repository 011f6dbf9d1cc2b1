using System.Diagnostics.CodeAnalysis;
using JasperFx.Events.Fetching;
using Marten;

namespace Registry.Projections.Patients;

/// <summary>
/// The charts a write fetches, kept on this node after each commit (Marten's write cache for <c>FetchForWriting</c>),
/// so the next entry for a recently written patient reads nothing before its save (<c>PatientStream</c> takes the chart
/// here and the save checks the stream's version), or only the stream's version through <c>FetchForWriting</c>. Marten
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

    /// <summary>The store's kept charts, when it keeps them here; null for a store that does not.</summary>
    public static ChartsForWriting? Of(IDocumentSession session) =>
        (session.DocumentStore as DocumentStore)?.Options.Events.AggregateWriteCaching.Cache as ChartsForWriting;

    /// <summary>A patient's chart's key, as Marten's <c>FetchForWriting</c> makes it, so both take and keep the same entry.</summary>
    public static AggregateCacheKey KeyFor(IDocumentSession session, Guid patientId)
    {
        // Marten's own key for the cache still names the database by Identifier, so this one must too.
#pragma warning disable CS0618
        return new(typeof(PatientChart), session.Database.Identifier, session.TenantId, patientId);
#pragma warning restore CS0618
    }

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
