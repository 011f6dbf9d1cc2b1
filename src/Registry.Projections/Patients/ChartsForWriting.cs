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
public sealed class ChartsForWriting(int capacity) : IAggregateWriteCache
{
    /// <summary>Charts kept at most, the least recently written dropped first (a chart is ≈ 5 KB of JSON, more as objects).</summary>
    public const int DefaultCapacity = 1_000;

    private readonly RecentlyUsedAggregateWriteCache _kept = new(capacity);

    public bool TryTake(AggregateCacheKey key, [NotNullWhen(true)] out object? aggregate, out long version) => _kept.TryTake(key, out aggregate, out version);

    public void Store(AggregateCacheKey key, object aggregate, long version) =>
        _kept.Store(key, aggregate is PatientChart chart ? chart.Copy() : aggregate, version);

    public void Evict(AggregateCacheKey key) => _kept.Evict(key);
}
