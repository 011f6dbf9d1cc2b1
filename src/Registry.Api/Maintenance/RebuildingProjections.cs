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
/// Rebuilds every projection from the event store in one ordered pass: each stream's events are folded in memory by
/// the same projections the writes run inline, 5 000 streams at a time are written with COPY (while the next are read)
/// with the rows the outcome projection derives from them; the async projection then resumes from the store's high-water
/// mark. Run it with the registry stopped: a running node's daemon would otherwise race the rebuild.
/// </summary>
public static class RebuildingProjections
{
    private const int StreamsPerBatch = 5_000;

    public static async Task RunAsync(IDocumentStore store, Action<string> progress, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var highWater = await HighWaterMarkAsync(store, ct);
        progress($"Rebuilding studies, patient charts, accounts and outcome rows from {highWater} events...");
        foreach (var type in new[] { typeof(Study), typeof(PatientChart), typeof(UserAccount), typeof(PatientOutcomeRow), typeof(ProjectionFault) })
            await store.Advanced.Clean.DeleteDocumentsByTypeAsync(type, ct);

        // Studies first: every patient's outcome row is derived under its study's protocol, which must be written by then.
        var batch = new Batch(store);
        long events = 0;
        await using (var session = store.QuerySession())
        {
            var studyEvents = session.Events.QueryAllRawEvents().Where(e => e.Sequence <= highWater && StudyEventTypes.Contains(e.EventTypeName));
            events += await FoldAsync(studyEvents, batch, ct);
            await batch.WriteAsync(ct);
            await batch.CompleteAsync();
            var patientEvents = session.Events.QueryAllRawEvents().Where(e => e.Sequence <= highWater && !StudyEventTypes.Contains(e.EventTypeName));
            events += await FoldAsync(patientEvents, batch, ct, n => progress($"  {events + n:N0} of {highWater:N0} events ({(events + n) / watch.Elapsed.TotalSeconds:N0} events/s)"));
        }
        await batch.WriteAsync(ct);
        await batch.CompleteAsync();
        await batch.WriteAccountsAsync(ct);
        await MarkProjectedAsync(store, highWater, ct);
        progress($"Rebuilt {batch.Totals} from {events:N0} events in {watch.Elapsed.TotalSeconds:F1} s ({events / Math.Max(watch.Elapsed.TotalSeconds, 1e-3):N0} events/s).");
    }

    private static readonly string[] StudyEventTypes = ["study_protocol_registered", "protocol_amended", "study_registered", "arm_added"];

    /// <summary>Folds the events one stream after another, writing every few thousand streams; how many events it read.</summary>
    private static async Task<long> FoldAsync(IQueryable<IEvent> events, Batch batch, CancellationToken ct, Action<long>? progress = null)
    {
        long read = 0;
        Guid? stream = null;
        var fold = new Fold();
        await foreach (var e in events.OrderBy(e => e.StreamId).ThenBy(e => e.Version).ToAsyncEnumerable(ct))
        {
            if (e.StreamId != stream)
            {
                if (stream is { } finished) batch.Add(finished, fold);
                if (batch.Streams >= StreamsPerBatch) await batch.WriteAsync(ct);
                stream = e.StreamId;
                fold = new Fold();
            }
            fold.Apply(e);
            if (++read % 100_000 == 0) progress?.Invoke(read);
        }
        if (stream is { } last) batch.Add(last, fold);
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
    private sealed class Batch(IDocumentStore store)
    {
        private readonly List<Study> _studies = [];
        private readonly List<PatientChart> _charts = [];
        private readonly List<Study> _known = [];
        private readonly List<Guid> _accounts = [];
        private int _studiesWritten, _chartsWritten;
        private Task _writing = Task.CompletedTask;

        public int Streams => _studies.Count + _charts.Count;

        public string Totals => $"{_studiesWritten} studies, {_chartsWritten} patient charts and their outcome rows, {_accounts.Count} accounts";

        public void Add(Guid stream, Fold fold)
        {
            if (fold.Study is { } study) _studies.Add(study);
            if (fold.Chart is { } chart) _charts.Add(chart);
            if (fold.IsAccount) _accounts.Add(stream);
        }

        /// <summary>
        /// Starts writing the folded studies and charts, with the outcome rows the outcome projection derives from them,
        /// in one COPY transaction, while the caller reads on; the previous write finishes first.
        /// </summary>
        public async Task WriteAsync(CancellationToken ct)
        {
            await _writing;
            // Every study is folded and kept before the first patient stream: its charts' rows are derived here, in memory.
            _known.AddRange(_studies);
            var studies = _known.ToDictionary(s => s.Id);
            List<object> documents = [.. _studies, .. _charts];
            var charts = _charts.ToList();
            _studiesWritten += _studies.Count;
            _chartsWritten += _charts.Count;
            _studies.Clear();
            _charts.Clear();
            _writing = Task.Run(async () =>
            {
                documents.AddRange(charts.Select(c => PatientOutcomeRowsProjection.Derive(c, studies.GetValueOrDefault(c.StudyId))).OfType<object>());
                if (documents.Count > 0) await store.BulkInsertDocumentsAsync(documents, BulkInsertMode.InsertsOnly, cancellation: ct);
            }, ct);
        }

        public Task CompleteAsync() => _writing;

        /// <summary>Accounts are few and keep their state by convention (Apply methods), so Marten folds each one.</summary>
        public async Task WriteAccountsAsync(CancellationToken ct)
        {
            await using var session = store.LightweightSession();
            foreach (var id in _accounts)
                if (await session.Events.AggregateStreamAsync<UserAccount>(id, token: ct) is { } account)
                    session.Store(account);
            await session.SaveChangesAsync(ct);
        }
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
