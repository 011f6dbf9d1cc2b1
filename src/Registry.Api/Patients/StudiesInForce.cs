using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Marten;
using Registry.Domain.Studies;

namespace Registry.Api.Patients;

/// <summary>
/// The studies writes are checked against, kept in memory per event store at their stream version. A write reads the
/// study stream's version after the patient's chart and loads the study (its whole protocol history) only when it was
/// amended since, here or on another node.
/// </summary>
public sealed class StudiesInForce
{
    private static readonly ConditionalWeakTable<IDocumentStore, StudiesInForce> ByStore = new();

    private readonly ConcurrentDictionary<Guid, (long Version, Study Study)> _studies = new();

    public static StudiesInForce For(IDocumentStore store) => ByStore.GetValue(store, _ => new StudiesInForce());

    /// <summary>The study at <paramref name="version"/>, when it is the one kept.</summary>
    public Study? At(Guid studyId, long version) =>
        _studies.TryGetValue(studyId, out var kept) && kept.Version == version ? kept.Study : null;

    /// <summary>
    /// The study as it stands, from memory when its stream is still at <paramref name="knownVersion"/> (read by the
    /// caller in its own round trip), else read again with its version; null when no such study is registered.
    /// </summary>
    public async Task<Study?> CurrentAsync(IQuerySession session, Guid studyId, long? knownVersion, CancellationToken ct)
    {
        if (knownVersion is { } version && At(studyId, version) is { } kept) return kept;
        var batch = session.CreateBatchQuery();
        // The version first: a study read after it is at least as new, so a kept study is never older than its key.
        var state = batch.Events.FetchStreamState(studyId);
        var loading = batch.Load<Study>(studyId);
        await batch.Execute(ct);
        if (await loading is not { } study || await state is not { } stream) return null;
        _studies[studyId] = (stream.Version, study);
        return study;
    }
}
