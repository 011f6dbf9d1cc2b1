using System.Runtime.CompilerServices;
using System.Text;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Registry.Audit;

/// <summary>
/// One event row exactly as <c>mt_events</c> holds it. <see cref="Data"/> is the payload read as its event type, or
/// null when it no longer reads as one; <see cref="StreamVersion"/> is the version <c>mt_streams</c> records.
/// </summary>
public sealed record StoredEvent(
    long Sequence, Guid StreamId, long Version, string Type, string PayloadJson, object? Data,
    DateTimeOffset RecordedAt, string? RecordedBy, string? Hash, long? StreamVersion, bool KnownType = true, string? RecordedReason = null)
{
    public DateOnly? ClinicalDate => Data is null ? null : AuditChain.ClinicalDateOf(Data);

    /// <summary>The reason sealed with the event: why it was recorded (an import), else a correction's or void's own.</summary>
    public string? Reason => RecordedReason ?? (Data is null ? null : AuditChain.ReasonOf(Data));

    public ChainedFields ChainedFields() => new(StreamId, Version, Type, PayloadJson, ClinicalDate, RecordedAt, RecordedBy, Reason);
}

/// <summary>
/// Reads the event store's rows with plain SQL, so verification and export see what the database holds rather than
/// what Marten would make of it. Streams are read a batch at a time, each in version order; only the stream ids of
/// the scope are held in memory.
/// </summary>
public static class AuditLog
{
    private const int StreamsPerBatch = 100;

    /// <summary>
    /// Every event of the store but Marten's tombstones, or of one study (its own stream first, then its patients' in
    /// enrolment order).
    /// </summary>
    public static IAsyncEnumerable<StoredEvent> ReadAsync(IDocumentStore store, Guid? studyId, CancellationToken ct) =>
        ReadAsync(store, studyId, AuditTrailFilter.None, ct);

    /// <summary>
    /// A study's events as above, reading only the streams <paramref name="filter"/> can admit (its patient, the patients
    /// ever enrolled at its site); which rows it admits is the caller's to decide.
    /// </summary>
    public static async IAsyncEnumerable<StoredEvent> ReadAsync(IDocumentStore store, Guid? studyId, AuditTrailFilter filter,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var types = store.Options.Events.AllKnownEventTypes().ToDictionary(t => t.EventTypeName, t => t.EventType);
        var serializer = store.Options.Serializer();
        var schema = ((StoreOptions)store.Options).Events.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);

        foreach (var batch in (await StreamIdsAsync(connection, schema, studyId, filter, ct)).Chunk(StreamsPerBatch))
        {
            await using var command = new NpgsqlCommand($"""
                select e.seq_id, e.stream_id, e.version, e.type, e.data::text, e.timestamp, e.user_name, e.headers ->> '{AuditChain.HashHeader}', s.version, e.headers ->> '{AuditChain.ReasonHeader}'
                from {schema}.mt_events e left join {schema}.mt_streams s on s.id = e.stream_id
                where e.stream_id = any($1)
                order by array_position($1, e.stream_id), e.version
                """, connection)
            {
                Parameters = { new() { Value = batch, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid } }
            };
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var type = reader.GetString(3);
                var payload = reader.GetString(4);
                yield return new StoredEvent(reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2), type, payload,
                    Read(serializer, types.GetValueOrDefault(type), payload),
                    reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetInt64(8), types.ContainsKey(type),
                    reader.IsDBNull(9) ? null : reader.GetString(9));
            }
        }
    }

    /// <summary>
    /// Marten fills each sequence number a failed append drew (a refused duplicate enrolment, a lost write race) with
    /// a <c>tombstone</c> row: empty payload, no hash, no user, its version set to its sequence number, in a stream of
    /// its own (a random id per process). Only a stream made of nothing else is Marten's; a row dressed as a tombstone
    /// in a study's or patient's stream is verified like any other, and breaks its chain.
    /// </summary>
    private const string IsTombstone = "type = 'tombstone' and data = '{}'::jsonb and version = seq_id and headers ->> 'hash' is null and user_name is null";

    /// <summary>How many rows the whole-store read leaves out as Marten's tombstones.</summary>
    public static async Task<long> CountTombstonesAsync(IDocumentStore store, CancellationToken ct)
    {
        var schema = ((StoreOptions)store.Options).Events.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            select count(*) from {schema}.mt_events where stream_id in
              (select stream_id from {schema}.mt_events group by stream_id having bool_and({IsTombstone}))
            """, connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>A study's streams are found by the enrolment events that name it, not by a read model that could drift.</summary>
    private static async Task<List<Guid>> StreamIdsAsync(NpgsqlConnection connection, string schema, Guid? studyId, AuditTrailFilter filter, CancellationToken ct)
    {
        await using var command = studyId is { } id
            ? new NpgsqlCommand($"""
                select $1 where not $3
                union all
                (select e.stream_id from {schema}.mt_events e
                 where e.type = 'patient_enrolled' and e.data ->> 'studyId' = $2
                   and ($4::uuid is null or e.stream_id = $4)
                   and ($5::text is null or e.data ->> 'subjectCode' = $5)
                   and ($6::text is null or e.data ->> 'site' = $6 or exists (
                     select 1 from {schema}.mt_events c where c.stream_id = e.stream_id and c.type = 'entry_corrected'
                       and c.data -> 'replacement' ->> 'kind' = 'enrolled' and c.data -> 'replacement' ->> 'site' = $6))
                 order by e.stream_id)
                """, connection)
            {
                Parameters =
                {
                    new() { Value = id }, new() { Value = id.ToString("D") }, new() { Value = filter.PatientsOnly },
                    new() { Value = (object?)filter.PatientId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid },
                    new() { Value = (object?)filter.SubjectCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = (object?)filter.Site ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                }
            }
            : new NpgsqlCommand($"select stream_id from {schema}.mt_events group by stream_id having not bool_and({IsTombstone}) order by stream_id", connection);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    private static object? Read(ISerializer serializer, Type? type, string payload)
    {
        if (type is null) return null;
        try
        {
            return serializer.FromJson(type, new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }
}
