using Marten;

namespace Registry.Audit;

/// <summary>Where a stream's chain breaks: the version to look at and what is wrong there.</summary>
public sealed record ChainBreak(Guid StreamId, long Version, string Problem);

/// <summary><see cref="Tombstones"/>: Marten's housekeeping rows for failed appends, left out of the chains (whole store only).</summary>
public sealed record ChainReport(Guid? StudyId, int Streams, long Events, IReadOnlyList<ChainBreak> Breaks, long Tombstones = 0)
{
    public bool Intact => Breaks.Count == 0;
}

/// <summary>
/// Recomputes every event's hash from its stored content and its predecessor's stored hash, so an edited event is
/// named at its own version and the events after it still verify.
/// </summary>
public static class ChainVerification
{
    public static async Task<ChainReport> VerifyAsync(IDocumentStore store, Guid? studyId, CancellationToken ct)
    {
        var breaks = new List<ChainBreak>();
        var streams = 0;
        var events = 0L;
        StoredEvent? last = null;
        await foreach (var e in AuditLog.ReadAsync(store, studyId, ct))
        {
            if (e.StreamId != last?.StreamId)
            {
                if (last is not null) CheckTail(last, breaks);
                streams++;
                last = null;
            }
            events++;
            if (Problem(e, last is null ? ChainLink.Genesis : new ChainLink(last.Version, last.Hash)) is { } problem)
                breaks.Add(new ChainBreak(e.StreamId, e.Version, problem));
            last = e;
        }
        if (last is not null) CheckTail(last, breaks);
        var tombstones = studyId is null ? await AuditLog.CountTombstonesAsync(store, ct) : 0;
        return new ChainReport(studyId, streams, events, breaks, tombstones);
    }

    private static string? Problem(StoredEvent e, ChainLink previous)
    {
        if (e.Version != previous.Version + 1)
            return $"It follows version {previous.Version}: the events between were removed or renumbered.";
        if (e.Hash is null) return "It carries no hash.";
        // An event of a type this version no longer writes (read through an upcast) is still covered by its hash.
        if (e.Data is null && e.KnownType) return $"Its payload no longer reads as a {e.Type} event.";
        return AuditChain.Hash(e.ChainedFields(), previous.Hash) == e.Hash
            ? null
            : "Its stored content (payload, type, recorded-at, user or reason) does not match its hash.";
    }

    // A removed last event leaves no successor to notice it; mt_streams still records how far the stream went.
    private static void CheckTail(StoredEvent last, List<ChainBreak> breaks)
    {
        if (last.StreamVersion is { } recorded && recorded != last.Version)
            breaks.Add(new ChainBreak(last.StreamId, recorded,
                $"The stream records version {recorded} but its last stored event is version {last.Version}."));
    }
}
