using System.Diagnostics;
using JasperFx.Events;
using Marten;
using Npgsql;
using Registry.Api.Accounts;
using Registry.Api.Infrastructure;
using Registry.Domain.Studies;
using Registry.Projections.Outcomes;
using Registry.Projections.Patients;
using Registry.Projections.Studies;
using Weasel.Core;

namespace Registry.Api.Maintenance;

/// <summary>
/// Rebuilds every projection from the event store: the studies first, then the other streams in one range of stream ids
/// per core, each read straight from mt_events (<see cref="StoredEventScan"/>) in stream order and folded in memory by the
/// same projections the writes run inline; 250 streams at a time are written with COPY (<see cref="RebuiltDocuments"/>,
/// while the next are read) with the rows the outcome projection derives from them; the async projection then resumes from the store's high-water
/// mark. Run it with the registry stopped: a running node's daemon would otherwise race the rebuild.
/// </summary>
public static class RebuildingProjections
{
    // Small enough that each core's range is written in many COPYs, each while the range reads on, and that most of a
    // batch's charts are written before the next collection has to copy them (1 000 kept the GC pausing twice as long).
    private const int StreamsPerBatch = 250;

    public static async Task RunAsync(IDocumentStore store, Action<string> progress, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var highWater = await HighWaterMarkAsync(store, ct);
        progress($"Rebuilding studies, patient charts, accounts and outcome rows from {highWater} events...");
        foreach (var type in new[] { typeof(Study), typeof(PatientChart), typeof(UserAccount), typeof(PatientOutcomeRow), typeof(ProjectionFault) })
            await store.Advanced.Clean.DeleteDocumentsByTypeAsync(type, ct);

        // Studies first: every patient's outcome row is derived under its study's protocol, which must be written by then.
        var scan = new StoredEventScan(store);
        var studyBatch = new Batch(store, new Dictionary<Guid, Study>());
        var events = await FoldAsync(scan.ReadAsync(highWater, null, null, StudyEventTypes, ofTypes: true, ct), studyBatch, ct);
        await studyBatch.WriteAsync(ct);
        await studyBatch.CompleteAsync();
        var studies = studyBatch.Studies.ToDictionary(s => s.Id);

        // The other streams in ranges of stream ids, each read, folded and written on its own: the work is the
        // deserialising and folding, which the cores share.
        var batches = new List<Batch>();
        long read = 0;
        await Task.WhenAll((await StreamRangesAsync(store, Readers, ct)).Select(range => Task.Run(async () =>
        {
            var batch = new Batch(store, studies);
            lock (batches) batches.Add(batch);
            await FoldAsync(scan.ReadAsync(highWater, range.From, range.To, StudyEventTypes, ofTypes: false, ct), batch, ct, folded =>
            {
                var total = events + Interlocked.Add(ref read, folded);
                if (total / 100_000 != (total - folded) / 100_000)
                    progress($"  {total:N0} of {highWater:N0} events ({total / watch.Elapsed.TotalSeconds:N0} events/s)");
            });
            await batch.WriteAsync(ct);
            await batch.CompleteAsync();
        }, ct)));
        events += read;
        await WriteAccountsAsync(store, batches.SelectMany(b => b.Accounts), ct);
        await MarkProjectedAsync(store, highWater, ct);
        progress($"Rebuilt {studies.Count} studies, {batches.Sum(b => b.ChartsWritten)} patient charts and their outcome rows, " +
            $"{batches.Sum(b => b.Accounts.Count)} accounts from {events:N0} events in {watch.Elapsed.TotalSeconds:F1} s " +
            $"({events / Math.Max(watch.Elapsed.TotalSeconds, 1e-3):N0} events/s); " +
            $"CPU {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F1} s, GC paused {GC.GetTotalPauseDuration().TotalSeconds:F1} s " +
            $"({GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} collections, {GC.GetTotalAllocatedBytes() / 1e9:F1} GB allocated).");
    }

    private static readonly string[] StudyEventTypes = ["study_protocol_registered", "protocol_amended", "study_registered", "arm_added"];

    /// <summary>How many ranges of streams are read at once: one per core.</summary>
    private static int Readers => Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// <paramref name="count"/> ranges of stream ids, as PostgreSQL orders uuids, holding about as many events each
    /// (bounds where the streams' versions, summed in id order, cross each share). Null bounds are open. Ids are not
    /// spread evenly by their first byte: time-ordered ones (version 7, as the registry makes) share it, and a split by
    /// byte left one core every stream; and the earlier patients have the longer streams, so streams alone split unevenly.
    /// </summary>
    private static async Task<IReadOnlyList<(Guid? From, Guid? To)>> StreamRangesAsync(IDocumentStore store, int count, CancellationToken ct)
    {
        if (count < 2) return [(null, null)];
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"with s as (select id, sum(version) over (order by id) as upto, sum(version) over () as total from {EventStoreConfiguration.Schema}.mt_streams) " +
            "select array(select (select id from s where upto >= total * f order by id limit 1) from unnest($1::float8[]) with ordinality as u(f, n) order by n)",
            connection)
        {
            Parameters = { new() { Value = Enumerable.Range(1, count - 1).Select(i => (double)i / count).ToArray() } },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var bounds = reader.GetFieldValue<Guid?[]>(0);
        if (bounds.Any(b => b is null)) return [(null, null)];
        return Enumerable.Range(0, count).Select(i => (i == 0 ? null : bounds[i - 1], i == count - 1 ? null : bounds[i])).ToList();
    }

    /// <summary>
    /// Folds the events one stream after another, writing every few thousand streams and telling
    /// <paramref name="progress"/> of every 10 000 events; how many events it read.
    /// </summary>
    private static async Task<long> FoldAsync(IAsyncEnumerable<IEvent> events, Batch batch, CancellationToken ct, Action<long>? progress = null)
    {
        long read = 0;
        Guid? stream = null;
        var fold = new Fold();
        await foreach (var e in events.WithCancellation(ct))
        {
            if (e.StreamId != stream)
            {
                if (stream is { } finished) batch.Add(finished, fold);
                if (batch.Streams >= StreamsPerBatch) await batch.WriteAsync(ct);
                stream = e.StreamId;
                fold = new Fold();
            }
            fold.Apply(e);
            if (++read % 10_000 == 0) progress?.Invoke(10_000);
        }
        if (stream is { } last) batch.Add(last, fold);
        progress?.Invoke(read % 10_000);
        return read;
    }

    /// <summary>One stream folded by every projection that keeps a document per stream.</summary>
    private sealed class Fold
    {
        private static readonly StudyProjection StudyProjection = new();
        private static readonly PatientChartProjection ChartProjection = new();

        public Study? Study { get; private set; }
        public PatientChart? Chart { get; private set; }
        public bool IsAccount { get; private set; }

        public void Apply(IEvent e)
        {
            Study = StudyProjection.Evolve(Study, e.StreamId, e);
            Chart = ChartProjection.Evolve(Chart, e.StreamId, e);
            IsAccount |= e.Data is UserAccountOpened;
        }
    }

    /// <summary>The documents of the streams folded since the last write, and what has been written so far.</summary>
    private sealed class Batch(IDocumentStore store, IReadOnlyDictionary<Guid, Study> studies)
    {
        private readonly List<Study> _studies = [];
        private readonly List<PatientChart> _charts = [];
        private Task _writing = Task.CompletedTask;

        public int Streams => _studies.Count + _charts.Count;
        public List<Study> Studies { get; } = [];
        public List<Guid> Accounts { get; } = [];
        public int ChartsWritten { get; private set; }

        public void Add(Guid stream, Fold fold)
        {
            if (fold.Study is { } study) _studies.Add(study);
            if (fold.Chart is { } chart) _charts.Add(chart);
            if (fold.IsAccount) Accounts.Add(stream);
        }

        /// <summary>
        /// Starts writing the folded studies and charts, with the outcome rows the outcome projection derives from them
        /// under the <paramref name="studies"/> already written, in one COPY transaction, while the caller reads on;
        /// the previous write finishes first.
        /// </summary>
        public async Task WriteAsync(CancellationToken ct)
        {
            await _writing;
            Studies.AddRange(_studies);
            List<object> documents = [.. _studies, .. _charts];
            var charts = _charts.ToList();
            ChartsWritten += _charts.Count;
            _studies.Clear();
            _charts.Clear();
            _writing = Task.Run(async () =>
            {
                var derived = charts.Select(c => PatientOutcomeRowsProjection.Derive(c, studies.GetValueOrDefault(c.StudyId))).ToList();
                // Studies and faults are few: Marten writes them. Charts and outcome rows are most of the writing.
                documents.RemoveAll(d => d is PatientChart);
                documents.AddRange(derived.OfType<ProjectionFault>());
                if (documents.Count > 0) await store.BulkInsertDocumentsAsync(documents, BulkInsertMode.InsertsOnly, cancellation: ct);
                await RebuiltDocuments.WriteAsync(store, charts, derived.OfType<PatientOutcomeRow>().ToList(), ct);
            }, ct);
        }

        public Task CompleteAsync() => _writing;
    }

    /// <summary>Accounts are few and keep their state by convention (Apply methods), so Marten folds each one.</summary>
    private static async Task WriteAccountsAsync(IDocumentStore store, IEnumerable<Guid> accounts, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        foreach (var id in accounts)
            if (await session.Events.AggregateStreamAsync<UserAccount>(id, token: ct) is { } account)
                session.Store(account);
        await session.SaveChangesAsync(ct);
    }

    private static async Task<long> HighWaterMarkAsync(IDocumentStore store, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {EventStoreConfiguration.Schema}.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The async projections have seen every event up to the high-water mark: the daemon resumes after it.</summary>
    private static async Task MarkProjectedAsync(IDocumentStore store, long highWater, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"insert into {EventStoreConfiguration.Schema}.mt_event_progression (name, last_seq_id, last_updated) values ($1, $2, now()) " +
            "on conflict (name) do update set last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated", connection)
        {
            Parameters = { new() { Value = $"{ProjectionNames.PatientOutcomeRows}:All" }, new() { Value = highWater } },
        };
        await command.ExecuteNonQueryAsync(ct);
    }
}
