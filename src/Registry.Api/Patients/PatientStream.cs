using System.Buffers;
using System.Security.Claims;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Registry.Audit;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Projections.Outcomes;
using Registry.Projections.Patients;

namespace Registry.Api.Patients;

/// <summary>The response to a recorded entry: the stream versions now holding it.</summary>
public sealed record Recorded(Guid PatientId, long FirstVersion, long Version);

/// <summary>
/// Reading and appending to one patient's stream. Every write goes through <see cref="RecordAsync"/>: take the
/// timeline and the study, check the caller's site, check each entry (or correction's replacement) against the
/// protocol, decide on the domain rules, append at the exact next version stamped with the protocol version in force.
/// </summary>
public static class PatientStream
{
    public const string ProtocolVersionHeader = "protocolVersion";

    public static async Task<(PatientTimeline? Timeline, IReadOnlyList<IEvent> Events)> LoadAsync(
        IQuerySession session, Guid patientId, DateTimeOffset? asOf, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(patientId, timestamp: asOf, token: ct);
        var timeline = PatientTimeline.From(patientId,
            events.Select(e => new RecordedEvent(e.Version, e.Data, e.Timestamp, e.UserName)));
        return (timeline, events);
    }

    /// <summary>
    /// Records one clinical entry as a coordinator sends it: its own field rules (<see cref="EntryRequest.Validate"/>),
    /// then <see cref="RecordAsync"/>. A route and a page recording the same entry both come here.
    /// </summary>
    public static Task<WriteOutcome> RecordEntryAsync(IDocumentSession session, ClaimsPrincipal user, Guid patientId, EntryRequest request,
        long? expectedVersion, CancellationToken ct)
    {
        var validation = request.Validate();
        if (!validation.IsValid) return Task.FromResult<WriteOutcome>(new WriteOutcome.Invalid(RequestValidation.Errors(validation)));
        return RecordAsync(session, user, patientId, expectedVersion, t => request.ToEvents(t.Enrolment), ct);
    }

    public static async Task<WriteOutcome> RecordAsync(
        IDocumentSession session,
        ClaimsPrincipal user,
        Guid patientId,
        long? expectedVersion,
        Func<PatientTimeline, IReadOnlyList<object>> entries,
        CancellationToken ct)
    {
        var write = new PatientWrite(user, patientId, expectedVersion, entries);
        WriteOutcome? recorded;
        try
        {
            recorded = await RecordOnChartAsync(session, write, ct);
        }
        catch (Exception e) when (e is StudyAmendedMeanwhile || WriteConflicts.IsConcurrentWrite(e))
        {
            // The chart was behind its stream (kept before a write on another node), another write to the patient came first,
            // or the kept study was amended: nothing was recorded, and the entries are judged again on the record and the
            // study as they stand, in a new session.
            if (e is StudyAmendedMeanwhile amended) StudiesInForce.For(session.DocumentStore).Forget(amended.StudyId, amended.JudgedAt);
            await using var again = session.DocumentStore.LightweightSession();
            return await RecordOnStoredAsync(again, write, ct);
        }
        return recorded ?? await RecordOnStoredAsync(session, write, ct);
    }

    /// <summary>
    /// Records entries judged on the patient's chart alone — the one this node kept after the patient's last write here,
    /// or else the stored one, read on a connection of the saves' pool — and on the study kept in memory: the save's one
    /// round trip (<see cref="OneRoundTripSave"/>, shared with the saves waiting meanwhile: <see cref="SaveGroups"/>)
    /// checks both (the append at the chart's version, the study at its version), and either having moved on fails it. The chart is written in the same transaction as every append, so
    /// a stored chart is at its stream's version unless an append bypassed it, which the version check catches too; a stored chart at another version than the one judged on fails the save as well (<see cref="ChartExtension"/>).
    /// Null, with nothing recorded, when there is no chart with its chain head, no kept study, or the entries would not
    /// be accepted on it: a refusal is answered only on the record as stored.
    /// </summary>
    private static async Task<WriteOutcome?> RecordOnChartAsync(IDocumentSession session, PatientWrite write, CancellationToken ct)
    {
        var (user, patientId, expectedVersion, entries) = write;
        if (patientId == Guid.Empty) return null;
        var kept = ChartsForWriting.Of(session);
        var key = kept is null ? default : ChartsForWriting.KeyFor(session, patientId);
        (PatientChart Chart, long Version)? fromMemory = kept is not null && kept.TryTake(key, out var taken, out var keptVersion)
            ? ((PatientChart)taken, keptVersion)
            : null;

        var chart = fromMemory?.Chart ?? await OneRoundTripSave.LoadAsync<PatientChart>(session.DocumentStore, patientId, ct);

        var timeline = chart is { Hash: not null } && (fromMemory is not { } memory || chart.Version == memory.Version) ? chart.Timeline() : null;
        var study = timeline is null ? null : StudiesInForce.For(session.DocumentStore).Kept(timeline.Enrolment.StudyId);
        var events = timeline is null || study is null ? null : entries(timeline);
        if (timeline is null || study is not var (studyVersion, inForce) || events is null
            || SiteRefusal(timeline, user) is not null || expectedVersion is { } expected && expected != timeline.Version
            || Refusal(timeline, inForce.Protocol, user, events) is not null)
        {
            // A kept chart is put back untouched for the usual path, which reads the stream's version before it trusts the chart.
            if (fromMemory is { } untouched) kept!.Store(key, untouched.Chart, untouched.Version);
            return null;
        }

        // Both checks fail in the database, so the save and its commit go in one round trip, with any other saves waiting.
        var (append, extension) = AppendOnChart(session, user.UserName(), chart!, events, inForce.ProtocolVersion);
        var studyId = timeline.Enrolment.StudyId;
        // The study's check is sent once for a group's saves judged on the same study at the same version.
        await SaveGroups.For(session.DocumentStore).SaveAsync(StudiesInForce.StillAt(session, studyId, studyVersion), saving =>
        {
            saving.QueueOperation(append);
            saving.QueueOperation(extension);
            return Task.CompletedTask;
        }, ct);
        var version = chart!.Version;
        kept?.Store(key, chart!, version);
        ChartsJustWritten.For(session.DocumentStore).Add(chart!);
        return new WriteOutcome.Appended(patientId, timeline.Version + 1, version);
    }

    /// <summary>
    /// Accepted entries sealed after the chart's head, with the chart extended by them, as <see cref="Append"/> and the
    /// inline projection do; but the events are appended by one statement of the registry's (<see cref="AppendAtVersion"/>)
    /// instead of Marten's append function, which reads the stream's version the chart already holds, and the stored
    /// chart is extended by the new entries (<see cref="ChartExtension"/>) instead of written whole again. Returns both statements.
    /// </summary>
    private static (AppendAtVersion Append, ChartExtension Extension) AppendOnChart(IDocumentSession session, string user, PatientChart chart, IReadOnlyList<object> entries,
        int protocolVersion)
    {
        var head = new ChainLink(chart.Version, chart.Hash!);
        var events = new IEvent[entries.Count];
        for (var i = 0; i < events.Length; i++)
        {
            var e = events[i] = session.Events.BuildEvent(entries[i]);
            e.Id = Guid.CreateVersion7();
            e.StreamId = chart.Id;
            e.TenantId = session.TenantId;
        }
        StampProtocolVersion(events, protocolVersion);
        // Each payload is serialised once, for its hash and its row.
        var written = new ArrayBufferWriter<byte>(1024);
        var ends = AuditChain.Seal(session, user, head, events, written);
        var serializer = ((StoreOptions)session.DocumentStore.Options).Serializer();
        var payloads = new byte[events.Length][];
        var headers = new byte[events.Length][];
        for (var i = 0; i < events.Length; i++)
        {
            payloads[i] = written.WrittenSpan[(i == 0 ? 0 : ends[i - 1])..ends[i]].ToArray();
            var start = written.WrittenCount;
            SealedJson.WriteHeaders(written, serializer, events[i].Headers!);
            headers[i] = written.WrittenSpan[start..].ToArray();
        }
        var before = chart.Entries.Count;
        foreach (var e in events) Charts.Evolve(chart, chart.Id, e);
        // The chart's fields as they now stand with only the new entries, which are their events' payloads as written above.
        var added = chart.Copy();
        added.Entries = chart.Entries.GetRange(before, chart.Entries.Count - before);
        var extensionStart = written.WrittenCount;
        SealedJson.WriteChart(written, serializer, added, events, ends);
        var options = session.DocumentStore.Options;
        return (new AppendAtVersion(options.Events.DatabaseSchemaName, chart.Id, head.Version, events, payloads, headers),
            new ChartExtension(options.DatabaseSchemaName, chart.Id, head.Version, chart.Version, written.WrittenSpan[extensionStart..].ToArray(),
                CompactChartEntries.Encode(added.Entries)));
    }

    private static readonly PatientChartProjection Charts = new();

    /// <summary>Records entries judged on the patient's record as stored, reading the stream's version (and the kept chart, or the chart) first.</summary>
    private static async Task<WriteOutcome> RecordOnStoredAsync(IDocumentSession session, PatientWrite write, CancellationToken ct)
    {
        try
        {
            return await RecordOnceAsync(session, write, ct);
        }
        catch (StudyAmendedMeanwhile amended)
        {
            // The study kept here was amended since (on any node): judged again, in a new session, on the study as it
            // now stands. The failed save recorded nothing and kept no chart.
            StudiesInForce.For(session.DocumentStore).Forget(amended.StudyId, amended.JudgedAt);
            await using var again = session.DocumentStore.LightweightSession();
            try
            {
                return await RecordOnceAsync(again, write, ct);
            }
            catch (StudyAmendedMeanwhile)
            {
                return new WriteOutcome.Stale("The study's protocol was amended at the same moment; nothing was recorded. Reload and try again.");
            }
        }
    }

    private static async Task<WriteOutcome> RecordOnceAsync(IDocumentSession session, PatientWrite write, CancellationToken ct)
    {
        var (user, patientId, expectedVersion, entries) = write;
        // No patient has the empty id, and Marten refuses it as a stream id rather than finding nothing.
        if (patientId == Guid.Empty) return NotEnrolled(patientId);
        // One connection for the reads and the save: each pooled connection taken and returned costs the server seven
        // reset statements, three times a write when every read took its own.
        await session.BeginTransactionAsync(ct);
        var (timeline, head, chart) = await LoadForWritingAsync(session, patientId, ct);
        if (timeline is null) return NotEnrolled(patientId);
        if (SiteRefusal(timeline, user) is { } elsewhere) return elsewhere;
        if (expectedVersion is { } expected && expected != timeline.Version)
            return new WriteOutcome.Stale(
                $"The patient's record is at version {timeline.Version}, not the expected {expected}: an entry was recorded since you read it. Reload and try again.");
        var studies = StudiesInForce.For(session.DocumentStore);
        var studyId = timeline.Enrolment.StudyId;
        var kept = studies.Kept(studyId);
        if ((kept ?? await studies.CurrentAsync(session, studyId, null, ct)) is not { } inForce) return StudyNotRegistered(studyId);

        var events = entries(timeline);
        var refusal = Refusal(timeline, inForce.Study.Protocol, user, events);
        // An accepted entry's save checks the kept study's version; a refusal stands only once the study is known current.
        if (refusal is not null && kept is { } judged
            && (await session.Events.FetchStreamStateAsync(studyId, ct))?.Version is var now && now != judged.Version)
        {
            if (await studies.CurrentAsync(session, studyId, now, ct) is not { } current) return StudyNotRegistered(studyId);
            inForce = current;
            refusal = Refusal(timeline, inForce.Study.Protocol, user, events);
        }
        if (refusal is not null) return refusal;
        var (studyVersion, study) = inForce;

        var version = Append(session, user.UserName(), timeline, head, events, study.ProtocolVersion).Version;
        // The study kept in memory is checked in the save's own round trip instead of read before judging.
        session.QueueOperation(StudiesInForce.StillAt(session, studyId, studyVersion));
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (WriteConflicts.IsConcurrentWrite(e))
        {
            return new WriteOutcome.Stale("Another entry was recorded for this patient at the same moment; nothing was recorded. Reload and try again.");
        }
        // The inline projection brought the fetched chart up to the new version: the outcome projection needs no other.
        if (chart?.Version == version) ChartsJustWritten.For(session.DocumentStore).Add(chart);
        return new WriteOutcome.Appended(patientId, timeline.Version + 1, version);
    }

    /// <summary>
    /// The patient's record and chain head from its chart alone. The chart holds every entry with the version, time and
    /// user the stream has, so its timeline is the stream's; a chart this node committed last for the patient is taken
    /// from memory when the stream is still at its version (Marten's write cache, <see cref="ChartsForWriting"/>), so
    /// only the stream's version is read. A chart behind the stream or kept before it carried the chain head is not
    /// trusted, and the stream is folded as before.
    /// </summary>
    private static async Task<(PatientTimeline? Timeline, ChainLink Head, PatientChart? Chart)> LoadForWritingAsync(
        IDocumentSession session, Guid patientId, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<PatientChart>(patientId, ct);
        if (stream.Aggregate is { Hash: { } hash } chart && chart.Version == stream.CurrentVersion)
            return (chart.Timeline(), new ChainLink(chart.Version, hash), chart);
        var (folded, stored) = await LoadAsync(session, patientId, null, ct);
        return (folded, stored.Count == 0 ? ChainLink.Genesis : ChainLink.Of(stored[^1]), null);
    }

    /// <summary>One write's caller, patient, expected version and entries, as each way of recording it is tried.</summary>
    private sealed record PatientWrite(ClaimsPrincipal User, Guid PatientId, long? ExpectedVersion, Func<PatientTimeline, IReadOnlyList<object>> Entries);

    private static WriteOutcome NotEnrolled(Guid patientId) => WriteOutcome.NotFound($"No patient {patientId} is enrolled.");

    private static WriteOutcome StudyNotRegistered(Guid studyId) => WriteOutcome.Unprocessable([$"The patient's study {studyId} is not registered."]);

    /// <summary>403 when the caller's token does not cover the patient's site.</summary>
    public static WriteOutcome? SiteRefusal(PatientTimeline timeline, ClaimsPrincipal user) =>
        user.HasSite(timeline.Enrolment.Site) ? null
            : WriteOutcome.Forbidden($"Your token does not cover site '{timeline.Enrolment.Site}', where this patient is enrolled.");

    /// <summary>
    /// Why new entries for an enrolled patient cannot be recorded — the protocol's verdict, then the clinical rules on
    /// the state after them (<see cref="PatientDecisions.Decide"/>) — or null when they can. Every write and every
    /// imported row asks this.
    /// </summary>
    public static WriteOutcome? Refusal(PatientTimeline timeline, Protocol protocol, ClaimsPrincipal user, IReadOnlyList<object> events) =>
        Refusal(timeline, protocol, user, events, out _);

    /// <inheritdoc cref="Refusal(PatientTimeline, Protocol, ClaimsPrincipal, IReadOnlyList{object})"/>
    /// <param name="after">The record as the entries leave it when they are accepted (a bulk load judges the next entry on it).</param>
    public static WriteOutcome? Refusal(PatientTimeline timeline, Protocol protocol, ClaimsPrincipal user, IReadOnlyList<object> events, out PatientTimeline? after)
    {
        after = null;
        if (ProtocolRefusal(events, protocol, user) is { } refusal) return refusal;
        var decision = PatientDecisions.Decide(timeline, events);
        if (!decision.Accepted) return WriteOutcome.Conflict(decision.Violations);
        after = decision.After;
        return null;
    }

    /// <summary>
    /// Appends accepted entries at the exact next versions (a write racing for them fails the save), stamped with the
    /// protocol version and sealed into the chain after <paramref name="head"/>; returns the stream's new head.
    /// <paramref name="reason"/> says why they were recorded when not by hand (an import).
    /// </summary>
    public static ChainLink Append(IDocumentSession session, string user, PatientTimeline timeline, ChainLink head, IReadOnlyList<object> events,
        int protocolVersion, string? reason = null)
    {
        var version = timeline.Version + events.Count;
        var appended = session.Events.Append(timeline.PatientId, version, events.ToArray());
        StampProtocolVersion(appended.Events, protocolVersion);
        AuditChain.Seal(session, user, head, appended.Events, reason);
        return ChainLink.Of(appended.Events[^1]);
    }

    /// <summary>
    /// The protocol's verdict on new entries, a correction's replacement exactly as the same entry recorded first:
    /// 403 for an enrolment at a site outside the caller's, 400 with field errors, 422 for what the study does not have
    /// or an unmet eligibility criterion; null when every entry passes.
    /// </summary>
    public static WriteOutcome? ProtocolRefusal(IEnumerable<object> events, Protocol protocol, ClaimsPrincipal user)
    {
        foreach (var e in events)
        {
            var (fact, prefix) = e switch
            {
                IPatientFact f => (f, ""),
                EntryCorrected c => (c.Replacement, "replacement."),
                _ => ((IPatientFact?)null, ""),
            };
            if (fact is null) continue;
            if (fact is PatientEnrolled enrolled && !user.HasSite(enrolled.Site))
                return WriteOutcome.Forbidden($"Your token does not cover site '{enrolled.Site}'.");
            var check = EntryChecks.Check(fact, protocol, prefix);
            if (check.FieldErrors.Count > 0) return new WriteOutcome.Invalid(check.FieldErrors.ToDictionary(p => p.Key, p => p.Value.ToArray()));
            if (check.Unprocessable.Count > 0) return WriteOutcome.Unprocessable(check.Unprocessable) with { Fields = check.UnmetCriteria ?? new Dictionary<string, string[]>() };
        }
        return null;
    }

    /// <summary>Every entry records the protocol version in force when it was made.</summary>
    public static void StampProtocolVersion(IEnumerable<IEvent> events, int protocolVersion)
    {
        foreach (var e in events) e.SetHeader(ProtocolVersionHeader, protocolVersion);
    }
}
