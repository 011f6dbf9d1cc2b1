using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using JasperFx.Events;
using Marten;
using Npgsql;
using Registry.Api.Infrastructure;
using Registry.Audit;
using Registry.Domain.Patients;
using Registry.Projections.Patients;

namespace Registry.Api.Patients;

/// <summary>Entries recorded together, as one request records them: by whom and, when not now, at which instant.</summary>
public sealed record NewEntries(IReadOnlyList<object> Events, string User, DateTimeOffset? RecordedAt = null);

/// <summary>
/// A new patient's stream, every entry of it already accepted (enrolment first) by the checks a coordinator's
/// requests meet, with the protocol version in force and, for an import, the reason every event is recorded with.
/// </summary>
public sealed record NewPatientStream(PatientEnrolled Enrolment, IReadOnlyList<NewEntries> Entries, int ProtocolVersion, string? Reason = null);

/// <summary>
/// Records many new patients at once, the bulk path of the import and the demo loader. Each stream is stamped and
/// sealed into its hash chain in memory exactly as <see cref="PatientStream.Append"/> and
/// <see cref="EnrollingEndpoint.Start"/> seal one (same <see cref="AuditChain.Seal"/>), its chart is folded by the
/// same <see cref="PatientChartProjection"/>, then streams, events, charts and subject-code claims are written with
/// PostgreSQL's binary COPY inside the caller's transaction: every column Marten's own append writes, sequence numbers
/// from the store's event sequence, so the async projections and <c>verify</c> read them like any other. A subject
/// code claimed meanwhile fails the COPY (its key), and the caller's transaction keeps nothing.
/// </summary>
public static class NewPatientStreams
{
    private static readonly PatientChartProjection Charts = new();

    /// <summary>The tenant column's value in a store without tenants, as Marten writes it.</summary>
    private const string DefaultTenant = "*DEFAULT*";

    /// <summary>
    /// The events to write for one patient, stamped and sealed after the stream's <paramref name="FromVersion"/>, and
    /// its chart as they leave it; <paramref name="Enrolment"/> for a new patient (whose subject code is claimed).
    /// <paramref name="Payloads"/>, <paramref name="Headers"/> and <paramref name="ChartJson"/> are the events' data and
    /// headers and the chart as the store serialises them, UTF-8, made once (the payloads for the hash and the COPY alike);
    /// <paramref name="ChartJson"/> is empty for a chart written later in the same transaction.
    /// Pure work, safe to spread over threads.
    /// </summary>
    public sealed record Sealed(Guid PatientId, PatientEnrolled? Enrolment, long FromVersion, IReadOnlyList<IEvent> Events,
        IReadOnlyList<ReadOnlyMemory<byte>> Payloads, IReadOnlyList<ReadOnlyMemory<byte>> Headers, PatientChart Chart, ReadOnlyMemory<byte> ChartJson)
    {
        /// <summary>The chart's entries in their compact form (<see cref="PatientChart.CompactEntries"/>), made beside <see cref="ChartJson"/>.</summary>
        public ReadOnlyMemory<byte>? CompactEntries { get; init; }

        /// <summary>The buffer <see cref="Payloads"/>, <see cref="Headers"/> and <see cref="ChartJson"/> are slices of, when it came from <see cref="RowBuffers"/>.</summary>
        internal ArrayBufferWriter<byte>? Buffer { get; init; }
    }

    /// <summary>
    /// Row buffers kept between the batches of one bulk write: each sealing worker encodes its patients' rows one after
    /// another into one buffer, which goes back once the batch is copied, so later batches reuse that memory. A fresh
    /// buffer per patient (~20 KB, most grown twice) was a tenth of the import's allocations, and memory first touched is
    /// cleared and faulted in (docs/performance.md, "Bulk, fourteenth round"). Kept by the caller for one import.
    /// </summary>
    public sealed class RowBuffers
    {
        private readonly ConcurrentBag<ArrayBufferWriter<byte>> _spare = [];

        internal ArrayBufferWriter<byte> Rent()
        {
            if (!_spare.TryTake(out var buffer)) return new ArrayBufferWriter<byte>(1 << 20);
            buffer.ResetWrittenCount();
            return buffer;
        }

        /// <summary>The streams' buffers are taken back for a later batch: call it only once they are written, and read nothing of them after.</summary>
        public void Return(IEnumerable<Sealed> streams)
        {
            var returned = new HashSet<ArrayBufferWriter<byte>>(ReferenceEqualityComparer.Instance);
            foreach (var s in streams)
                if (s.Buffer is { } buffer && returned.Add(buffer)) _spare.Add(buffer);
        }
    }

    /// <summary>
    /// Entries for a patient already enrolled, sealed after <paramref name="stored"/> (every event of its stream, as
    /// read or as written earlier in the same import), its chart folded over both. Its rows are written after whatever
    /// <paramref name="rows"/> holds already (a buffer of <see cref="RowBuffers"/>), or into a buffer of their own.
    /// </summary>
    public static Sealed SealAppend(IDocumentSession scratch, Guid patientId, IReadOnlyList<IEvent> stored, IReadOnlyList<object> entries, string user,
        int protocolVersion, string? reason, ArrayBufferWriter<byte>? rows = null)
    {
        var head = ChainLink.Of(stored[^1]);
        var events = scratch.Events.Append(patientId, head.Version + entries.Count, entries.ToArray()).Events;
        PatientStream.StampProtocolVersion(events, protocolVersion);
        var shared = rows is not null;
        rows ??= new ArrayBufferWriter<byte>(512 * events.Count + 2048);
        var start = rows.WrittenCount;
        var ends = AuditChain.Seal(scratch, user, head, events, rows, reason);
        PatientChart? chart = null;
        foreach (var e in stored) chart = Charts.Evolve(chart, patientId, e);
        foreach (var e in events) chart = Charts.Evolve(chart, patientId, e);
        return Rows(scratch, patientId, null, head.Version, events, rows, start, ends, chart!, chartWritten: true, shared);
    }

    /// <summary>
    /// A new patient's stream sealed; <paramref name="chartWritten"/> false for a stream the same transaction moves on
    /// (<see cref="WriteAsync(IDocumentStore, NpgsqlConnection, IReadOnlyList{Sealed}, IReadOnlyDictionary{Guid, long}, CancellationToken)"/>
    /// writes its chart then), whose chart's JSON is not made. Its rows are written after whatever <paramref name="rows"/>
    /// holds already (a buffer of <see cref="RowBuffers"/>), or into a buffer of their own.
    /// </summary>
    public static Sealed Seal(IDocumentSession scratch, NewPatientStream stream, bool chartWritten = true, ArrayBufferWriter<byte>? rows = null)
    {
        var count = 0;
        foreach (var entries in stream.Entries) count += entries.Events.Count;
        var all = new object[count];
        count = 0;
        foreach (var entries in stream.Entries)
            foreach (var e in entries.Events) all[count++] = e;
        var events = scratch.Events.StartStream(stream.Enrolment.PatientId, all).Events;
        PatientStream.StampProtocolVersion(events, stream.ProtocolVersion);
        var head = ChainLink.Genesis;
        var shared = rows is not null;
        rows ??= new ArrayBufferWriter<byte>(512 * events.Count + 2048);
        var start = rows.WrittenCount;
        var ends = new int[events.Count];
        IEvent[] inOrder = [.. events];
        var at = 0;
        foreach (var entries in stream.Entries)
        {
            var appended = new ArraySegment<IEvent>(inOrder, at, entries.Events.Count);
            AuditChain.Seal(scratch, entries.User, head, appended, rows, stream.Reason, entries.RecordedAt).CopyTo(ends, at);
            head = ChainLink.Of(appended[^1]);
            at += entries.Events.Count;
        }
        PatientChart? chart = null;
        foreach (var e in events) chart = Charts.Evolve(chart, stream.Enrolment.PatientId, e);
        return Rows(scratch, stream.Enrolment.PatientId, stream.Enrolment, 0, events, rows, start, ends, chart!, chartWritten, shared);
    }

    /// <summary>
    /// The sealed events' headers and the chart serialised after their payloads (the chart's entries of these events made
    /// from their payloads), each row's bytes a slice of the buffer, whose first payload starts at <paramref name="start"/>.
    /// </summary>
    private static Sealed Rows(IDocumentSession scratch, Guid patientId, PatientEnrolled? enrolment, long fromVersion, IReadOnlyList<IEvent> events,
        ArrayBufferWriter<byte> rows, int start, int[] payloadEnds, PatientChart chart, bool chartWritten, bool shared)
    {
        var serializer = ((StoreOptions)scratch.DocumentStore.Options).Serializer();
        var headerEnds = new int[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            SealedJson.WriteHeaders(rows, serializer, events[i].Headers!);
            headerEnds[i] = rows.WrittenCount;
        }
        var chartStart = rows.WrittenCount;
        if (chartWritten) SealedJson.WriteChart(rows, serializer, chart, events, payloadEnds, start);
        // Slices of the buffer as it is now: when a later patient's rows grow it, these keep the array they are in.
        var written = rows.WrittenMemory;
        var payloads = new ReadOnlyMemory<byte>[events.Count];
        var headers = new ReadOnlyMemory<byte>[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            payloads[i] = written[start..payloadEnds[i]];
            start = payloadEnds[i];
        }
        for (var i = 0; i < events.Count; i++)
        {
            headers[i] = written[start..headerEnds[i]];
            start = headerEnds[i];
        }
        return new Sealed(patientId, enrolment, fromVersion, events, payloads, headers, chart, written[chartStart..])
        {
            Buffer = shared ? rows : null,
            CompactEntries = chartWritten ? chart.CompactEntries : (ReadOnlyMemory<byte>?)null,
        };
    }

    /// <summary>Seals every stream, spread over the machine's cores; each worker builds its events in a session it never saves.</summary>
    public static IReadOnlyList<Sealed> SealAll(IDocumentStore store, IReadOnlyList<NewPatientStream> streams) => SealAll(store, streams, (scratch, s) => Seal(scratch, s));

    public static IReadOnlyList<Sealed> SealAll<T>(IDocumentStore store, IReadOnlyList<T> streams, Func<IDocumentSession, T, Sealed> seal) =>
        SealAll(store, streams, null, (scratch, _, stream) => seal(scratch, stream));

    /// <summary>
    /// <see cref="SealAll{T}(IDocumentStore, IReadOnlyList{T}, Func{IDocumentSession, T, Sealed})"/> with each worker's
    /// rows written one patient after another into a buffer of <paramref name="buffers"/> (given to <paramref name="seal"/>);
    /// return them to it once the streams are written.
    /// </summary>
    public static IReadOnlyList<Sealed> SealAll<T>(IDocumentStore store, IReadOnlyList<T> streams, RowBuffers? buffers,
        Func<IDocumentSession, ArrayBufferWriter<byte>?, T, Sealed> seal)
    {
        var sealedStreams = new Sealed[streams.Count];
        if (streams.Count == 0) return sealedStreams;
        // A thread a core at most: an import judges its next patients on the others' threads while these are sealed.
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, streams.Count, Math.Max(1, streams.Count / (4 * Environment.ProcessorCount))),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, range =>
            {
                using var scratch = store.LightweightSession();
                var rows = buffers?.Rent();
                for (var i = range.Item1; i < range.Item2; i++) sealedStreams[i] = seal(scratch, rows, streams[i]);
            });
        return sealedStreams;
    }

    /// <summary>
    /// Writes sealed streams (new, or moved on from their version) in the open transaction of <paramref name="connection"/>;
    /// returns how many events. The rows are written synchronously into each COPY: they are in memory already, and an
    /// awaited write per column cost more than the copying.
    /// </summary>
    public static Task<long> WriteAsync(IDocumentStore store, NpgsqlConnection connection, IReadOnlyList<Sealed> streams, CancellationToken ct) =>
        WriteAsync(store, connection, streams, null, async: true, ct);

    /// <summary>
    /// <see cref="WriteAsync(IDocumentStore, NpgsqlConnection, IReadOnlyList{Sealed}, CancellationToken)"/> for streams the same
    /// transaction starts and then moves on: <paramref name="startedTogether"/> holds each such stream's version after its
    /// last entries. Its row is written once, at that version, and its chart once, with those entries; nothing is moved on
    /// or replaced.
    /// </summary>
    public static Task<long> WriteAsync(IDocumentStore store, NpgsqlConnection connection, IReadOnlyList<Sealed> streams,
        IReadOnlyDictionary<Guid, long> startedTogether, CancellationToken ct) =>
        WriteAsync(store, connection, streams, startedTogether, async: true, ct);

    /// <summary>
    /// <see cref="WriteAsync(IDocumentStore, NpgsqlConnection, IReadOnlyList{Sealed}, CancellationToken)"/> with Npgsql's
    /// synchronous calls, for a writer on a thread of its own: no pool thread is woken for each reply.
    /// </summary>
    public static long Write(IDocumentStore store, NpgsqlConnection connection, IReadOnlyList<Sealed> streams) =>
        WriteAsync(store, connection, streams, null, async: false, CancellationToken.None).GetAwaiter().GetResult();

    private static async Task<long> WriteAsync(IDocumentStore store, NpgsqlConnection connection, IReadOnlyList<Sealed> streams,
        IReadOnlyDictionary<Guid, long>? startedTogether, bool async, CancellationToken ct)
    {
        if (streams.Count == 0) return 0;
        long EndsAt(Sealed s) => startedTogether is not null && startedTogether.TryGetValue(s.PatientId, out var last) ? last : s.FromVersion + s.Events.Count;
        var schema = EventStoreConfiguration.Schema;
        var count = 0;
        foreach (var s in streams) count += s.Events.Count;
        var sequences = new long[count];
        await using (var next = new NpgsqlCommand($"select nextval('{schema}.mt_events_sequence') from generate_series(1, {count})", connection))
        await using (var reader = async ? await next.ExecuteReaderAsync(ct) : next.ExecuteReader())
            for (var i = 0; async ? await reader.ReadAsync(ct) : reader.Read(); i++) sequences[i] = reader.GetInt64(0);

        var rows = BinaryCopyRows.Rent();
        try
        {
            var copy = await BeginAsync($"{schema}.mt_streams (id, version, tenant_id, is_archived)");
            foreach (var s in streams)
            {
                if (s.FromVersion != 0) continue;
                rows.StartRow(4);
                rows.Uuid(s.PatientId);
                rows.Bigint(EndsAt(s));
                rows.Text(DefaultTenant);
                rows.Boolean(false);
                if (rows.Full) await rows.SendAsync(copy, async, ct);
            }
            await EndAsync(copy);

            // A stream moves on only from the version its entries were judged on: one written to meanwhile is not matched.
            var appended = streams.Where(s => s.FromVersion > 0 && startedTogether?.ContainsKey(s.PatientId) != true).ToList();
            if (appended.Count > 0)
            {
                await using var update = new NpgsqlCommand(
                    $"update {schema}.mt_streams s set version = v.version, timestamp = now() from unnest($1, $2, $3) as v(id, from_version, version) " +
                    "where s.id = v.id and s.version = v.from_version", connection);
                update.Parameters.Add(new NpgsqlParameter { Value = appended.Select(s => s.PatientId).ToArray() });
                update.Parameters.Add(new NpgsqlParameter { Value = appended.Select(s => s.FromVersion).ToArray() });
                update.Parameters.Add(new NpgsqlParameter { Value = appended.Select(s => s.FromVersion + s.Events.Count).ToArray() });
                if ((async ? await update.ExecuteNonQueryAsync(ct) : update.ExecuteNonQuery()) != appended.Count) throw new StreamMovedOn();
                await using var delete = new NpgsqlCommand($"delete from {schema}.{DocumentTable<PatientChart>()} where id = any($1)", connection);
                delete.Parameters.Add(new NpgsqlParameter { Value = appended.Select(s => s.PatientId).ToArray() });
                if (async) await delete.ExecuteNonQueryAsync(ct);
                else delete.ExecuteNonQuery();
            }

            copy = await BeginAsync(
                $"{schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, headers, user_name, is_archived)");
            var row = 0;
            foreach (var s in streams)
                for (var i = 0; i < s.Events.Count; i++)
                {
                    var e = s.Events[i];
                    e.Sequence = sequences[row++];
                    rows.StartRow(12);
                    rows.Bigint(e.Sequence);
                    rows.Uuid(e.Id);
                    rows.Uuid(e.StreamId);
                    rows.Bigint(e.Version);
                    rows.Jsonb(s.Payloads[i].Span);
                    rows.Text(e.EventTypeName);
                    rows.TimestampTz(e.Timestamp);
                    rows.Text(DefaultTenant);
                    rows.Text(e.DotNetTypeName);
                    rows.Jsonb(s.Headers[i].Span);
                    rows.Text(e.UserName);
                    rows.Boolean(false);
                    if (rows.Full) await rows.SendAsync(copy, async, ct);
                }
            await EndAsync(copy);

            // The chart at the stream's version, as the inline projection stores it (a numeric revision); a stream moved on later in
            // the transaction (its chart's JSON not made) has its chart written then.
            copy = await BeginAsync($"{schema}.{DocumentTable<PatientChart>()} (id, data, mt_dotnet_type, mt_version, study_id, {EventStoreConfiguration.CompactEntriesColumn})");
            foreach (var s in streams)
            {
                if (EndsAt(s) != s.FromVersion + s.Events.Count || s.ChartJson.IsEmpty) continue;
                rows.StartRow(6);
                rows.Uuid(s.Chart.Id);
                rows.Jsonb(s.ChartJson.Span);
                rows.Text(ChartType);
                rows.Bigint(s.Chart.Version);
                rows.Uuid(s.Chart.StudyId);
                rows.Bytea((s.CompactEntries ?? s.Chart.CompactEntries).Span);
                if (rows.Full) await rows.SendAsync(copy, async, ct);
            }
            await EndAsync(copy);

            var serializer = ((StoreOptions)store.Options).Serializer();
            copy = await BeginAsync($"{schema}.{DocumentTable<SubjectCodeClaim>()} (id, data, mt_dotnet_type, mt_version)");
            foreach (var s in streams)
            {
                if (s.Enrolment is not { } enrolment) continue;
                var claim = new SubjectCodeClaim(SubjectCodeClaim.Key(enrolment.StudyId, enrolment.SubjectCode), enrolment.PatientId);
                rows.StartRow(4);
                rows.Text(claim.Id);
                rows.Jsonb(Encoding.UTF8.GetBytes(serializer.ToJson(claim)));
                rows.Text(ClaimType);
                rows.Uuid(Guid.CreateVersion7());
                if (rows.Full) await rows.SendAsync(copy, async, ct);
            }
            await EndAsync(copy);
        }
        finally
        {
            BinaryCopyRows.Return(rows);
        }
        return count;

        async Task<NpgsqlRawCopyStream> BeginAsync(string table)
        {
            var command = $"COPY {table} FROM STDIN BINARY";
            return async ? await connection.BeginRawBinaryCopyAsync(command, ct) : connection.BeginRawBinaryCopy(command);
        }

        // The trailer and what is left go out, and closing the stream ends the COPY (a duplicate key fails it here).
        async Task EndAsync(NpgsqlRawCopyStream copy)
        {
            rows.End();
            await rows.SendAsync(copy, async, ct);
            if (async) await copy.DisposeAsync();
            else copy.Dispose();
            rows.Restart();
        }
    }

    private static readonly string ChartType = typeof(PatientChart).FullName!;
    private static readonly string ClaimType = typeof(SubjectCodeClaim).FullName!;

    /// <summary>Marten's table for a document type: its alias is the type's name in lower case.</summary>
    private static string DocumentTable<T>() => $"mt_doc_{typeof(T).Name.ToLowerInvariant()}";

    /// <summary>
    /// Another write got there first: a subject code claimed (or a stream version taken) meanwhile refuses the COPY by
    /// its key, a stream written to since its entries were judged is not moved on.
    /// </summary>
    public static bool IsRaceLost(Exception e) => e is StreamMovedOn or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    private sealed class StreamMovedOn() : Exception("A patient's stream was written to after its entries were judged.");
}
