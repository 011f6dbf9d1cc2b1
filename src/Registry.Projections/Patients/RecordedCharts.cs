using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Marten;
using Npgsql;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;

using Registry.Projections.StudyViews;

namespace Registry.Projections.Patients;

/// <summary>
/// A study's charts as their entries only, for the reads of every chart of a study: no chart document per patient, each
/// chart's entries decoded from their compact form (<see cref="CompactChartEntries"/>), or for a chart stored without it
/// parsed at once from its JSON. Maturity's pass reads them in parts by patient, each on a connection of its own, with
/// baseline values skipped (<see cref="ReadAsync"/>); the sets derived from charts and the datasets read them whole
/// (<see cref="OfStudyAsync"/>).
/// </summary>
public static class RecordedCharts
{
    /// <summary>
    /// Reads part <paramref name="part"/> of <paramref name="parts"/> of the study's charts and hands each patient's
    /// entries, as the fold reads them and in the chart's order, to <paramref name="each"/> on the calling thread.
    /// </summary>
    public static Task ReadAsync(IQuerySession session, Guid studyId, int part, int parts, Action<Guid, RecordedEvent[]> each, CancellationToken ct) =>
        ReadAsync(session, Sql(session.DocumentStore.Options.DatabaseSchemaName), [studyId, part, parts], each, ct);

    /// <summary>
    /// <see cref="ReadAsync(IQuerySession, Guid, int, int, Action{Guid, RecordedEvent[]}, CancellationToken)"/> of the
    /// study's charts of <paramref name="only"/> (in one part): the patients a pass is patched with, read as the pass read them.
    /// </summary>
    public static Task ReadAsync(IQuerySession session, Guid studyId, Guid[] only, Action<Guid, RecordedEvent[]> each, CancellationToken ct) =>
        ReadAsync(session, $"select d.id, {EntriesFrom(session.DocumentStore.Options.DatabaseSchemaName)} where d.study_id = $1 and d.id = any($2)",
            [studyId, only], each, ct);

    private static async Task ReadAsync(IQuerySession session, string sql, object[] parameters, Action<Guid, RecordedEvent[]> each, CancellationToken ct)
    {
        var options = Options(session.DocumentStore.Options.Serializer()).WithoutBaseline;
        await using var connection = Connection(session);
        await connection.OpenAsync(ct);
        // No timeout: it would arm a timer on every read of the socket, and a study's charts are a long read.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var parameter in parameters) command.Parameters.Add(new() { Value = parameter });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var bytes = new byte[1 << 16];
        var texts = new DecodedTexts();
        var entries = new List<RecordedEvent>();
        // Rows are read synchronously: the network waits are few (1 MB at a time), the per-row awaits would be many.
        while (reader.Read())
        {
            ct.ThrowIfCancellationRequested();
            if (!reader.IsDBNull(1)) CompactChartEntries.DecodeWithoutBaseline(Read(reader, 1, ref bytes), entries, texts);
            else
            {
                // A chart stored before its compact form was kept (or in a format this build does not read): its JSON.
                foreach (var entry in EntriesOfJson(Read(reader, 2, ref bytes), options)) entries.Add(entry.ToRecorded());
            }
            each(reader.GetFieldValue<Guid>(0), [.. entries]);
            entries.Clear();
        }
    }

    /// <summary>
    /// The study's charts as a set derived from charts reads them (<see cref="RecordedChart"/>: id, version, entries; no
    /// other field of the chart), each chart's entries decoded from their compact form, or parsed from its JSON where it
    /// has none: PostgreSQL sends a study's charts without turning each one's jsonb into text, and no chart document is
    /// deserialized. Only the charts of <paramref name="only"/> when given, or none of <paramref name="except"/> (not both).
    /// </summary>
    public static async IAsyncEnumerable<RecordedChart> OfStudyAsync(IQuerySession session, Guid studyId, Guid[]? only, Guid[]? except,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var options = Options(session.DocumentStore.Options.Serializer()).Documents;
        await using var connection = Connection(session);
        await connection.OpenAsync(ct);
        await using var command = StudyCharts(session, connection, studyId, only, except, 0, 1);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var bytes = new byte[1 << 16];
        var texts = new DecodedTexts();
        while (await reader.ReadAsync(ct))
        {
            var entries = reader.IsDBNull(2) ? EntriesOfJson(Read(reader, 3, ref bytes), options) : CompactChartEntries.Decode(Read(reader, 2, ref bytes), texts);
            yield return new RecordedChart(reader.GetFieldValue<Guid>(0), reader.GetFieldValue<long>(1), entries);
        }
    }

    /// <summary>The query of <see cref="OfStudyAsync"/>: id, version, compact entries, JSON entries.</summary>
    private static NpgsqlCommand StudyCharts(IQuerySession session, NpgsqlConnection connection, Guid studyId, Guid[]? only, Guid[]? except, int part, int parts)
    {
        if (only is not null && except is not null) throw new ArgumentException("Charts are read by the patients to read or by those not to read, not both.");
        if (parts < 1 || part < 0 || part >= parts) throw new ArgumentOutOfRangeException(nameof(part), $"Part {part} of {parts} is not a part.");
        var command = new NpgsqlCommand(
            $"select d.id, d.mt_version, {EntriesFrom(session.DocumentStore.Options.DatabaseSchemaName)} " +
            "where d.study_id = $1" + (only is not null ? " and d.id = any($2)" : except is not null ? " and not d.id = any($2)" : "") +
            (parts > 1 ? $" and {InPart(part.ToString(CultureInfo.InvariantCulture), parts.ToString(CultureInfo.InvariantCulture))}" : ""), connection)
        {
            // No timeout: it would arm a timer on every read of the socket, and a study's charts are a long read.
            CommandTimeout = 0,
            Parameters = { new() { Value = studyId } },
        };
        if ((only ?? except) is { } patients) command.Parameters.Add(new() { Value = patients });
        return command;
    }

    /// <summary>Charts a reader hands to the threads decoding them at a time.</summary>
    private const int ChartsPerBatch = 64;

    /// <summary>
    /// The charts <see cref="OfStudyAsync"/> reads (those
    /// <paramref name="wanted"/> takes, when given), read once, in one query, each as it stood at <paramref name="asOf"/>
    /// (<see cref="ChartAsOf"/>: its entries recorded by then as the fold reads them; now when null), handed to
    /// <paramref name="each"/> on one of <paramref name="threads"/> threads, the reading one included, with that thread's
    /// number (so each keeps what it makes apart). A chart whose baseline values the caller holds already
    /// (<paramref name="baselineKnown"/> of its id and version) is decoded without them unless an entry corrects its
    /// enrolment (<see cref="ChartAsOf.WithoutBaseline"/>). A chart handed on is for that call only: its entries' list
    /// is the thread's, reused for its next chart (a list grown for every chart of a set added up). A set at a new moment
    /// derived its patients on one thread, the other core idle, and reading in parts side by side scanned the study's rows
    /// once a part. Returns when every chart was handed on; the first failure of the read or of a thread is thrown.
    /// </summary>
    public static async Task ReadOnThreadsAsync(IQuerySession session, Guid studyId, Guid[]? only, Guid[]? except, Func<Guid, bool>? wanted,
        Func<Guid, long, bool>? baselineKnown, DateTimeOffset? asOf, int threads, Action<int, ChartAsOf> each, CancellationToken ct)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"{threads} threads cannot derive charts.");
        var options = Options(session.DocumentStore.Options.Serializer()).Documents;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // The reading thread is the last of them: it hands its batches to the others while they have room, and decodes
        // those they have none for itself, so no thread waits on another and two cores carry three threads' work.
        var helpers = threads - 1;
        using var ready = new BlockingCollection<StoredCharts>(boundedCapacity: Math.Max(1, 2 * helpers));
        var emptied = new ConcurrentBag<StoredCharts>();

        // Optimized at once, as the other steps run for every chart: the first set at a new moment after a start is their first
        // use, and at the first tier a set of 56 768 patients took 0.74–0.76 s (0.57 s optimized at once).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Hand(int thread, StoredCharts batch, List<ChartEvent> entries, DecodedTexts texts)
        {
            for (var i = 0; i < batch.Count; i++) each(thread, batch.Chart(i, asOf, entries, texts, options));
            batch.Clear();
            emptied.Add(batch);
        }

        var deriving = Enumerable.Range(0, helpers).Select(thread => Task.Factory.StartNew(() =>
        {
            var (entries, texts) = (new List<ChartEvent>(), new DecodedTexts());
            try
            {
                foreach (var batch in ready.GetConsumingEnumerable(stop.Token)) Hand(thread, batch, entries, texts);
            }
            catch
            {
                stop.Cancel();
                throw;
            }
        }, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        Exception? readFailure = null;
        try
        {
            var (entries, texts) = (new List<ChartEvent>(), new DecodedTexts());
            await using var connection = Connection(session);
            await connection.OpenAsync(stop.Token);
            await using var command = StudyCharts(session, connection, studyId, only, except, 0, 1);
            await using var reader = await command.ExecuteReaderAsync(stop.Token);
            var batch = new StoredCharts();
            // Rows read synchronously, as maturity's pass reads them: the network waits are few (1 MB at a time).
            while (reader.Read())
            {
                stop.Token.ThrowIfCancellationRequested();
                var id = reader.GetFieldValue<Guid>(0);
                if (wanted is not null && !wanted(id)) continue;
                var version = reader.GetFieldValue<long>(1);
                batch.Add(id, version, baselineKnown is null || !baselineKnown(id, version), reader);
                if (batch.Count < ChartsPerBatch) continue;
                if (helpers == 0 || !ready.TryAdd(batch)) Hand(threads - 1, batch, entries, texts);
                batch = emptied.TryTake(out var kept) ? kept : new StoredCharts();
            }
            Hand(threads - 1, batch, entries, texts);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // A thread failed and stopped the read: its failure is thrown below.
        }
        catch (Exception e)
        {
            readFailure = e;
            stop.Cancel();
        }
        finally
        {
            ready.CompleteAdding();
        }
        // Every thread ended before anything is thrown, so none is left deriving after the caller moved on.
        await Task.WhenAll(deriving).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        ct.ThrowIfCancellationRequested();
        if (readFailure is not null) ExceptionDispatchInfo.Throw(readFailure);
        foreach (var thread in deriving)
            if (thread.Exception?.InnerException is { } failure and not OperationCanceledException) ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>
    /// A batch of charts as read, their entries still in the bytes stored (compact, or JSON for a chart without them), so
    /// the thread that derives them decodes them.
    /// </summary>
    private sealed class StoredCharts
    {
        private readonly List<(Guid Id, long Version, int Start, int Length, bool Compact, bool Baseline)> _rows = new(ChartsPerBatch);
        private byte[] _bytes = new byte[1 << 16];
        private int _length;

        public int Count => _rows.Count;

        /// <summary>Adds the reader's row: its compact entries where it has them, else its JSON entries; <paramref name="baseline"/>: whether they are decoded with baseline values.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(Guid id, long version, bool baseline, NpgsqlDataReader reader)
        {
            var compact = !reader.IsDBNull(2);
            var start = _length;
            using var stream = reader.GetStream(compact ? 2 : 3);
            for (int read; (read = stream.Read(_bytes, _length, _bytes.Length - _length)) > 0;)
                if ((_length += read) == _bytes.Length) Array.Resize(ref _bytes, 2 * _bytes.Length);
            _rows.Add((id, version, start, _length - start, compact, baseline));
        }

        /// <summary>
        /// The chart of row <paramref name="i"/> at <paramref name="asOf"/>, its entries recorded by then decoded into
        /// <paramref name="entries"/> (cleared first), without baseline values where the row was added without them and
        /// no entry corrects its enrolment.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ChartAsOf Chart(int i, DateTimeOffset? asOf, List<ChartEvent> entries, DecodedTexts texts, JsonSerializerOptions options)
        {
            var (id, version, start, length, compact, baseline) = _rows[i];
            return AsOf(id, version, new ReadOnlySpan<byte>(_bytes, start, length), compact, !baseline, asOf, entries, texts, options);
        }

        public void Clear()
        {
            _rows.Clear();
            _length = 0;
        }
    }

    /// <summary>
    /// A chart at <paramref name="asOf"/> from its <paramref name="stored"/> entries (<paramref name="compact"/>, else its
    /// JSON's), those recorded by then decoded into <paramref name="entries"/> (cleared first), without baseline values
    /// when asked and no entry corrects its enrolment.
    /// </summary>
    private static ChartAsOf AsOf(Guid id, long version, ReadOnlySpan<byte> stored, bool compact, bool withoutBaseline, DateTimeOffset? asOf,
        List<ChartEvent> entries, DecodedTexts texts, JsonSerializerOptions options)
    {
        entries.Clear();
        if (compact)
        {
            var (skipped, first, last, unchanged) = CompactChartEntries.Decode(stored, asOf, entries, texts, withoutBaseline);
            return new ChartAsOf(id, version, entries, skipped, first, last, unchanged);
        }
        // A chart stored without its compact form: its JSON's entries, baseline values included.
        return new RecordedChart(id, version, EntriesOfJson(stored, options)).AsOf(asOf, entries);
    }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of the study's charts (by patient, as
    /// <see cref="ReadAsync(IQuerySession, Guid, int, int, Action{Guid, RecordedEvent[]}, CancellationToken)"/> parts them) as they stood at <paramref name="asOf"/> (now when null), each as a set reads it (<see cref="ChartAsOf"/>,
    /// baseline values included): a set read from every chart, the whole records' set the warm-up reads among them, by the
    /// same steps as a set at a moment taken from it, so those are compiled when one is first asked. A chart handed on
    /// holds the enumeration's entries' list, reused for its next chart.
    /// </summary>
    public static async IAsyncEnumerable<ChartAsOf> AtAsync(IQuerySession session, Guid studyId, DateTimeOffset? asOf, int part, int parts,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var options = Options(session.DocumentStore.Options.Serializer()).Documents;
        await using var connection = Connection(session);
        await connection.OpenAsync(ct);
        await using var command = StudyCharts(session, connection, studyId, null, null, part, parts);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (bytes, texts, entries) = (new byte[1 << 16], new DecodedTexts(), new List<ChartEvent>());
        while (await reader.ReadAsync(ct))
        {
            var compact = !reader.IsDBNull(2);
            yield return AsOf(reader.GetFieldValue<Guid>(0), reader.GetFieldValue<long>(1), Read(reader, compact ? 2 : 3, ref bytes), compact, false, asOf,
                entries, texts, options);
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> charts stored without compact entries in this build's format (a database loaded
    /// by an earlier version), read from their JSON, so their compact entries can be written (<see cref="CompactChartEntries.Encode"/>).
    /// </summary>
    public static async Task<List<RecordedChart>> WithoutCompactEntriesAsync(IQuerySession session, int limit, CancellationToken ct)
    {
        var options = Options(session.DocumentStore.Options.Serializer()).Documents;
        await using var connection = Connection(session);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select d.id, d.mt_version, d.data -> 'entries' from {session.DocumentStore.Options.DatabaseSchemaName}.mt_doc_patientchart as d " +
            $"where {WithoutCompactEntries("d")} limit $1", connection)
        {
            Parameters = { new() { Value = limit } },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var bytes = new byte[1 << 16];
        var charts = new List<RecordedChart>();
        while (await reader.ReadAsync(ct))
            charts.Add(new RecordedChart(reader.GetFieldValue<Guid>(0), reader.GetFieldValue<long>(1), EntriesOfJson(Read(reader, 2, ref bytes), options)));
        return charts;
    }

    /// <summary>The condition of a chart (table alias <paramref name="chart"/>) stored without compact entries this build reads.</summary>
    public static string WithoutCompactEntries(string chart) =>
        $"({chart}.{CompactChartEntries.Column} is null or get_byte({chart}.{CompactChartEntries.Column}, 0) <> {CompactChartEntries.Format})";

    /// <summary>A chart's entries from its JSON (jsonb's binary form is its text after a version byte).</summary>
    private static List<ChartEntry> EntriesOfJson(ReadOnlySpan<byte> json, JsonSerializerOptions options)
    {
        if (json.Length > 0 && json[0] == 1) json = json[1..];
        var entries = new List<ChartEntry>();
        var reader = new Utf8JsonReader(json);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            entries.Add(JsonSerializer.Deserialize<ChartEntry>(ref reader, options)!);
        return entries;
    }

    /// <summary>A column's bytes, read into <paramref name="buffer"/> (grown as needed).</summary>
    private static ReadOnlySpan<byte> Read(NpgsqlDataReader reader, int column, ref byte[] buffer)
    {
        var length = 0;
        using var stream = reader.GetStream(column);
        for (int read; (read = stream.Read(buffer, length, buffer.Length - length)) > 0;)
            if ((length += read) == buffer.Length) Array.Resize(ref buffer, 2 * buffer.Length);
        return new ReadOnlySpan<byte>(buffer, 0, length);
    }

    /// <summary>
    /// The query, filtered on the study's own column (its index; no chart decompressed to filter it); a part is the patients whose
    /// id's last byte leaves that remainder, so parts are about equal whatever the ids' shape.
    /// </summary>
    public static string Sql(string schema) =>
        $"select d.id, {EntriesFrom(schema)} where d.study_id = $1 and {InPart("$2", "$3")}";

    /// <summary>The condition of a chart of the table <c>d</c> being in part <paramref name="part"/> of <paramref name="parts"/> (SQL values).</summary>
    private static string InPart(string part, string parts) => $"get_byte(uuid_send(d.id), 15) % {parts} = {part}";

    /// <summary>
    /// Two columns, each chart's compact entries where it has them in this build's format, else its JSON entries (a chart
    /// stored before they were kept, until the warm-up writes them), and the chart table as <c>d</c> they come from.
    /// </summary>
    private static string EntriesFrom(string schema) =>
        $"c.compact, case when c.compact is null then d.data -> 'entries' end from {schema}.mt_doc_patientchart as d, " +
        $"lateral (select case when get_byte(d.{CompactChartEntries.Column}, 0) = {CompactChartEntries.Format} then d.{CompactChartEntries.Column} end as compact) as c";

    private static NpgsqlConnection Connection(IQuerySession session)
    {
        using var connection = session.Database.CreateConnection();
        return connection.CloneWith(new NpgsqlConnectionStringBuilder(connection.ConnectionString) { ReadBufferSize = 1 << 20 }.ConnectionString);
    }

    private static readonly ConditionalWeakTable<ISerializer, StoreOptions> ByStore = [];

    /// <summary>The store's own options (every field of an entry), and a copy that skips baseline values.</summary>
    private sealed record StoreOptions(JsonSerializerOptions Documents, JsonSerializerOptions WithoutBaseline);

    /// <summary>
    /// Hands over the options <paramref name="serializer"/> reads and writes documents with, as the store's configuration
    /// made them: the charts of a store with that serializer are parsed with them, baseline values skipped.
    /// </summary>
    public static void ReadWith(ISerializer serializer, JsonSerializerOptions documents)
    {
        var skipping = new JsonSerializerOptions(documents);
        skipping.Converters.Insert(0, new SkippedBaseline());
        ByStore.AddOrUpdate(serializer, new StoreOptions(documents, skipping));
    }

    private static StoreOptions Options(ISerializer serializer) =>
        ByStore.TryGetValue(serializer, out var options) ? options
            : throw new InvalidOperationException("The store's configuration handed over no options to read charts with (RecordedCharts.ReadWith).");

    /// <summary>Baseline values passed over: the pass derives arms, exclusions and times, never from them.</summary>
    private sealed class SkippedBaseline : JsonConverter<BaselineValues>
    {
        public override BaselineValues Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            reader.Skip();
            return BaselineValues.Empty;
        }

        public override void Write(Utf8JsonWriter writer, BaselineValues value, JsonSerializerOptions options) =>
            throw new NotSupportedException("Charts read for a pass are not written.");
    }
}

/// <summary>An entry of a chart as the fold reads it (<see cref="IRecordedEvent"/>), a value: no object made of each entry of a set at a moment.</summary>
public readonly record struct ChartEvent(long Version, object Data, DateTimeOffset RecordedAt, string? RecordedBy) : IRecordedEvent
{
    /// <summary>The entry's fact, correction or void as the fold reads it (<see cref="ChartEntry"/>'s own reading).</summary>
    public static ChartEvent Of(ChartEntry entry) => new(entry.Version, ((IRecordedEvent)entry).Data, entry.RecordedAt, entry.RecordedBy);
}

/// <summary>
/// A patient's stored chart as a set at a moment reads it (<see cref="RecordedCharts.ReadOnThreadsAsync"/>): the patient,
/// the chart's version, its entries recorded by the moment as the fold reads them, and the first and last recorded-at of
/// every entry of the chart, those after the moment included, and the moments over which its record is the one read
/// (<see cref="RecordSpan"/>: from the last entry by the moment to the first after it, noted as the entries are passed).
/// <see cref="Events"/> is the reading thread's list, reused for its next chart.
/// </summary>
public readonly record struct ChartAsOf(Guid Id, long Version, List<ChartEvent> Events, bool WithoutBaseline, DateTimeOffset? FirstRecorded,
    DateTimeOffset? LastRecorded, RecordSpan Unchanged)
{
    /// <summary>The facts in force as the registry knew them at the moment; null if not yet enrolled then.</summary>
    public PatientTimeline? Timeline() => PatientTimeline.From(Id, Events);
}

/// <summary>
/// A patient's stored chart as a set derived from charts reads it: the patient, the chart's version (its stream's) and
/// its entries, nothing else of the chart.
/// </summary>
public sealed record RecordedChart(Guid Id, long Version, List<ChartEntry> Entries)
{
    /// <summary>
    /// The chart at <paramref name="asOf"/> (now when null) as a set reads it (<see cref="ChartAsOf"/>, baseline values
    /// included): its entries recorded by then into <paramref name="into"/>, the span of every entry, and the moments its record is the same over.
    /// </summary>
    public ChartAsOf AsOf(DateTimeOffset? asOf, List<ChartEvent> into)
    {
        var (first, last, unchanged) = ((DateTimeOffset?)null, (DateTimeOffset?)null, RecordSpan.Always);
        foreach (var entry in Entries)
        {
            if (first is null || entry.RecordedAt < first) first = entry.RecordedAt;
            if (last is null || entry.RecordedAt > last) last = entry.RecordedAt;
            unchanged = unchanged.With(entry.RecordedAt, asOf);
            if (asOf is null || entry.RecordedAt <= asOf) into.Add(ChartEvent.Of(entry));
        }
        return new ChartAsOf(Id, Version, into, false, first, last, unchanged);
    }

    /// <summary>The facts in force as the registry knew them at <paramref name="asOf"/> (now when null); null if not yet enrolled then.</summary>
    public PatientTimeline? Timeline(DateTimeOffset? asOf = null)
    {
        // The entries folded as they are, no event made of each, and a list (the fold sizes its own from the count): a set
        // at a new moment folds every patient.
        var count = 0;
        foreach (var entry in Entries)
            if (asOf is null || entry.RecordedAt <= asOf) count++;
        if (count == Entries.Count) return PatientTimeline.From(Id, Entries);
        var then = new List<ChartEntry>(count);
        foreach (var entry in Entries)
            if (entry.RecordedAt <= asOf) then.Add(entry);
        return PatientTimeline.From(Id, then);
    }
}
