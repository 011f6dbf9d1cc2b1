using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace Registry.Benchmarks.Scale;

/// <summary>
/// The baselines: what PostgreSQL itself does on the registry's own cluster with plain Npgsql — single-row inserts,
/// a binary COPY of event-shaped rows, a scan of the event table — into a scratch schema the registry never reads.
/// </summary>
public sealed partial class RawPostgres(string connectionString, string? clusterDirectory = null)
{
    public const string ScratchSchema = "benchmark_scratch";

    public string ConnectionString => connectionString;

    /// <summary>The cluster's data directory, when known from the server log (for its CPU time).</summary>
    public string? ClusterDirectory => clusterDirectory;

    /// <summary>The registry's cluster from its server log ("…PostgreSQL from DIR on 127.0.0.1:PORT" or "…already running from DIR on port PORT").</summary>
    public static RawPostgres FromServerLog(IEnumerable<string> lines, string database = "registry")
    {
        foreach (var line in lines)
        {
            if (ClusterLine().Match(line) is not { Success: true } m) continue;
            var directory = m.Groups["dir"].Value;
            var password = File.ReadAllText(Path.Combine(directory, "registry-password")).Trim();
            return new(new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1", Port = int.Parse(m.Groups["port"].Value), Username = "registry", Password = password, Database = database,
                MaxPoolSize = 20, Timeout = 30, CommandTimeout = 0,
            }.ConnectionString, directory);
        }
        throw new BenchmarkSetupException("The registry's log does not say where its embedded PostgreSQL runs (expected \"…PostgreSQL from DIR on 127.0.0.1:PORT\").");
    }

    [GeneratedRegex(@"PostgreSQL (?:already running )?from (?<dir>\S+) on (?:127\.0\.0\.1:|port )(?<port>\d+)")]
    private static partial Regex ClusterLine();

    public RawPostgres ForDatabase(string database) =>
        new(new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString, clusterDirectory);

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public Task<long> EventCountAsync() => ScalarAsync("select count(*) from registry.mt_events");

    /// <summary>
    /// How far the async projections are behind the event store: events past the lowest projection's high-water mark,
    /// or null while the daemon has not yet recorded any progress.
    /// </summary>
    public async Task<long?> EventsBehindAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // Marten keeps its own marks beside the projections' (HighWaterMark, HighWaterStuckGap…): only projections count.
        await using var command = new NpgsqlCommand(
            "select (select coalesce(max(seq_id), 0) from registry.mt_events), " +
            "(select min(last_seq_id) from registry.mt_event_progression where name not like 'HighWater%'), " +
            "(select count(*) from registry.mt_event_progression where name not like 'HighWater%')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var newest = reader.GetInt64(0);
        return reader.GetInt64(2) == 0 ? null : Math.Max(0, newest - reader.GetInt64(1));
    }

    public async Task PrepareScratchAsync()
    {
        await ExecuteAsync($"""
            drop schema if exists {ScratchSchema} cascade;
            create schema {ScratchSchema};
            create table {ScratchSchema}.inserted (id bigserial primary key, type varchar(500) not null, data jsonb not null, headers jsonb,
                recorded_at timestamptz not null default now());
            create table {ScratchSchema}.copied (seq_id bigserial primary key, id uuid not null, stream_id uuid not null, version bigint not null,
                data jsonb not null, type varchar(500) not null, "timestamp" timestamptz not null default now(), mt_dotnet_type varchar,
                headers jsonb, unique (stream_id, version));
            """);
    }

    public Task DropScratchAsync() => ExecuteAsync($"drop schema if exists {ScratchSchema} cascade");

    /// <summary>A ~1 KB jsonb document shaped like a patient entry, inserted as one autocommitted row per transaction.</summary>
    private static readonly string InsertedDocument = System.Text.Json.JsonSerializer.Serialize(new
    {
        kind = "lastKnownAlive",
        lastKnownAliveOn = "2022-04-01",
        patientId = Guid.Empty,
        recordedBy = "bench",
        reason = (string?)null,
        note = new string('x', 800),
    });

    /// <summary>
    /// Single-row inserts by <paramref name="clients"/> connections for <paramref name="duration"/>; latencies in ms.
    /// <c>Inserted</c> counts the warm-up's rows too, for the CPU per row over the whole level.
    /// </summary>
    public async Task<(long Rows, double Seconds, List<double> Latencies, long Inserted)> InsertAsync(int clients, TimeSpan warmUp, TimeSpan duration)
    {
        var all = new List<double>();
        long rows = 0, inserted = 0;
        var measuring = Stopwatch.StartNew();
        var warmUntil = DateTime.UtcNow + warmUp;
        var until = warmUntil + duration;
        double seconds = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"insert into {ScratchSchema}.inserted (type, data, headers) values ($1, $2, $3)", connection)
            {
                Parameters =
                {
                    new() { Value = "last_known_alive", NpgsqlDbType = NpgsqlDbType.Varchar },
                    new() { Value = InsertedDocument, NpgsqlDbType = NpgsqlDbType.Jsonb },
                    new() { Value = """{"reason":null,"protocolVersion":1}""", NpgsqlDbType = NpgsqlDbType.Jsonb },
                },
            };
            await command.PrepareAsync();
            var mine = new List<double>();
            long count = 0, any = 0;
            var watch = new Stopwatch();
            while (DateTime.UtcNow < until)
            {
                var measured = DateTime.UtcNow >= warmUntil;
                watch.Restart();
                await command.ExecuteNonQueryAsync();
                any++;
                if (!measured) continue;
                mine.Add(watch.Elapsed.TotalMilliseconds);
                count++;
            }
            lock (all) { all.AddRange(mine); rows += count; inserted += any; }
        }));
        seconds = (measuring.Elapsed - warmUp).TotalSeconds;
        return (rows, seconds, all, inserted);
    }

    /// <summary>
    /// Event-shaped rows (type, jsonb data, jsonb headers, stream and version, as in mt_events) read once from the
    /// registry's own events, to be copied again under new stream ids.
    /// </summary>
    public async Task<List<EventRow>> SampleEventsAsync(int count)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select stream_id, version, type, data::text, coalesce(headers::text, 'null'), mt_dotnet_type from registry.mt_events order by seq_id limit {count}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<EventRow>();
        while (await reader.ReadAsync())
            rows.Add(new(reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        return rows;
    }

    public sealed record EventRow(Guid StreamId, long Version, string Type, string Data, string Headers, string? DotnetType);

    /// <summary>Binary COPY of <paramref name="count"/> event rows (the sample repeated under fresh stream ids) in one transaction.</summary>
    public async Task<double> CopyEventsAsync(IReadOnlyList<EventRow> sample, long count)
    {
        if (sample.Count == 0) throw new BenchmarkSetupException("The event store is empty: nothing to copy.");
        await ExecuteAsync($"truncate {ScratchSchema}.copied");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var watch = Stopwatch.StartNew();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var import = await connection.BeginBinaryImportAsync(
                $"copy {ScratchSchema}.copied (id, stream_id, version, data, type, mt_dotnet_type, headers) from stdin (format binary)"))
            {
                var streams = new Dictionary<Guid, Guid>();
                for (long i = 0; i < count; i++)
                {
                    var row = sample[(int)(i % sample.Count)];
                    if (i % sample.Count == 0) streams.Clear();
                    if (!streams.TryGetValue(row.StreamId, out var stream)) streams[row.StreamId] = stream = Guid.NewGuid();
                    await import.StartRowAsync();
                    await import.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid);
                    await import.WriteAsync(stream, NpgsqlDbType.Uuid);
                    await import.WriteAsync(row.Version, NpgsqlDbType.Bigint);
                    await import.WriteAsync(row.Data, NpgsqlDbType.Jsonb);
                    await import.WriteAsync(row.Type, NpgsqlDbType.Varchar);
                    if (row.DotnetType is null) await import.WriteNullAsync(); else await import.WriteAsync(row.DotnetType, NpgsqlDbType.Varchar);
                    await import.WriteAsync(row.Headers, NpgsqlDbType.Jsonb);
                }
                await import.CompleteAsync();
            }
            await transaction.CommitAsync();
        }
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Reads every event's data and headers (as text, to the client), as a replay must at least do.</summary>
    public async Task<(long Rows, double Seconds)> ScanEventsAsync()
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var watch = Stopwatch.StartNew();
        await using var command = new NpgsqlCommand("select data::text, headers::text from registry.mt_events order by seq_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        long rows = 0, characters = 0;
        while (await reader.ReadAsync())
        {
            characters += reader.GetString(0).Length + (reader.IsDBNull(1) ? 0 : reader.GetString(1).Length);
            rows++;
        }
        GC.KeepAlive(characters);
        return (rows, watch.Elapsed.TotalSeconds);
    }
}
