using System.Data.Common;
using JasperFx.Core.Exceptions;
using JasperFx.Events;
using Npgsql;
using NpgsqlTypes;
using Weasel.Core;
using Weasel.Storage;
using IStorageOperation = Weasel.Storage.IStorageOperation;

namespace Registry.Api.Patients;

/// <summary>
/// Sealed events appended to a stream known to stand at <paramref name="fromVersion"/>, in one statement: the events'
/// rows (each column Marten's append writes, the sequence number drawn from the store's sequence) and the stream moved
/// on. Marten's quick append calls its PL/pgSQL function instead, which reads the stream's version, inserts each event
/// and updates the stream in statements of its own. The (stream, version) key of the events refuses an event at a
/// version taken, so an append on a stream that moved past <paramref name="fromVersion"/> fails in the database (and with
/// it the rest of a save committing in the same round trip) as Marten's own concurrency failure.
/// </summary>
internal sealed class AppendAtVersion(string schema, Guid streamId, long fromVersion, IReadOnlyList<IEvent> events,
    IReadOnlyList<byte[]> payloads, IReadOnlyList<byte[]> headers) : IStorageOperation, NoDataReturnedCall, IExceptionTransform
{
    public Type DocumentType => typeof(IEvent);

    public OperationRole Role() => OperationRole.Events;

    public void ConfigureCommand(ICommandBuilder builder, IStorageSession session)
    {
        // A data-modifying WITH runs whether or not the insert reads it.
        builder.Append($"with moved as (update {schema}.mt_streams set version = ");
        builder.AppendParameter(fromVersion + events.Count);
        builder.Append(", timestamp = now() where id = ");
        builder.AppendParameter(streamId);
        builder.Append(" and version = ");
        builder.AppendParameter(fromVersion);
        builder.Append($") insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, headers, user_name, is_archived) values ");
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            builder.Append(i == 0 ? $"(nextval('{schema}.mt_events_sequence'), " : $", (nextval('{schema}.mt_events_sequence'), ");
            builder.AppendParameter(e.Id);
            builder.Append(", ");
            builder.AppendParameter(streamId);
            builder.Append(", ");
            builder.AppendParameter(e.Version);
            builder.Append(", ");
            ((NpgsqlParameter)builder.AppendParameter(payloads[i])).NpgsqlDbType = NpgsqlDbType.Jsonb;
            builder.Append(", ");
            builder.AppendParameter(e.EventTypeName);
            builder.Append(", ");
            builder.AppendParameter(e.Timestamp);
            builder.Append(", ");
            builder.AppendParameter(e.TenantId);
            builder.Append(", ");
            builder.AppendParameter(e.DotNetTypeName);
            builder.Append(", ");
            ((NpgsqlParameter)builder.AppendParameter(headers[i])).NpgsqlDbType = NpgsqlDbType.Jsonb;
            builder.Append(", ");
            builder.AppendParameter((object?)e.UserName ?? DBNull.Value);
            builder.Append(", false)");
        }
    }

    public Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token) => Task.CompletedTask;

    /// <summary>An event at a version already taken: another write to the stream committed first.</summary>
    public bool TryTransform(Exception original, out Exception transformed)
    {
        var refused = original as PostgresException ?? original.InnerException as PostgresException;
        transformed = refused is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: VersionKey }
            ? new EventStreamUnexpectedMaxEventIdException(streamId, null, fromVersion, -1)
            : original;
        return transformed != original;
    }

    /// <summary>The events' (stream, version) key, as Marten names it.</summary>
    private const string VersionKey = "pk_mt_events_stream_and_version";
}
