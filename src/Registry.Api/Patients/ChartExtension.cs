using System.Data.Common;
using JasperFx;
using JasperFx.Core.Exceptions;
using Npgsql;
using NpgsqlTypes;
using Registry.Projections.Patients;
using Weasel.Core;
using Weasel.Postgresql.Functions;
using Weasel.Storage;
using IStorageOperation = Weasel.Storage.IStorageOperation;
using PostgresqlObjectName = Weasel.Postgresql.PostgresqlObjectName;
using SchemaUtils = Weasel.Postgresql.SchemaUtils;

namespace Registry.Api.Patients;

/// <summary>
/// A stored chart at <paramref name="fromVersion"/> extended by its new entries in the database, instead of the whole
/// chart upserted again: <paramref name="extension"/> is the chart's JSON as the serializer writes it with only those
/// entries, and PostgreSQL puts the stored entries before them. jsonb keeps an array's order and orders an object's
/// keys itself, so the stored chart is the same jsonb as the whole chart written (the projection's own upsert). A chart
/// not at <paramref name="fromVersion"/> is refused in the database (<see cref="Function"/>), which fails the save's
/// transaction before its COMMIT, as a concurrency failure: the entries are then judged again on the stream.
/// <paramref name="compactAdded"/> is the new entries' compact form, appended to the stored one the same way
/// (<see cref="CompactChartEntries"/>); a chart stored without it, or in another format, keeps none.
/// </summary>
internal sealed class ChartExtension(string schema, Guid patientId, long fromVersion, long toVersion, byte[] extension, byte[] compactAdded)
    : IStorageOperation, NoDataReturnedCall, IExceptionTransform
{
    public Type DocumentType => typeof(PatientChart);

    public OperationRole Role() => OperationRole.Patch;

    public void ConfigureCommand(ICommandBuilder builder, IStorageSession session)
    {
        builder.Append($"select {schema}.{FunctionName}(");
        builder.AppendParameter(patientId);
        builder.Append(", ");
        builder.AppendParameter(fromVersion);
        builder.Append(", ");
        builder.AppendParameter(toVersion);
        builder.Append(", ");
        ((NpgsqlParameter)builder.AppendParameter(extension)).NpgsqlDbType = NpgsqlDbType.Jsonb;
        builder.Append(", ");
        ((NpgsqlParameter)builder.AppendParameter(compactAdded)).NpgsqlDbType = NpgsqlDbType.Bytea;
        builder.Append(")");
    }

    public Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token) => Task.CompletedTask;

    /// <summary>The stored chart was not at the version the entries were judged on: it moved on, or was set back, beside its stream.</summary>
    public bool TryTransform(Exception original, out Exception transformed)
    {
        var refused = original as PostgresException ?? original.InnerException as PostgresException;
        transformed = refused is { SqlState: NotAtVersionSqlState } && refused.Message.Contains(patientId.ToString())
            ? new ConcurrencyException(refused.MessageText, typeof(PatientChart), patientId)
            : original;
        return transformed != original;
    }

    /// <summary>
    /// The function the extension calls, in the documents' schema: an update with no row to change would pass silently and
    /// leave the stored chart behind its stream, so it fails with <see cref="NotAtVersionSqlState"/> instead.
    /// </summary>
    public static ISchemaObject Function(string schema) =>
        new Function(new PostgresqlObjectName(schema, FunctionName, SchemaUtils.IdentifierUsage.General), $$"""
        create or replace function {{schema}}.{{FunctionName}}(patient uuid, judged_at bigint, extended_to bigint, added jsonb, compact_added bytea) returns void language plpgsql as $body$
        begin
            update {{schema}}.mt_doc_patientchart as chart
            set data = jsonb_set(added, '{entries}', (chart.data -> 'entries') || (added -> 'entries')), mt_version = extended_to, mt_last_modified = transaction_timestamp(),
                {{CompactColumn}} = case when get_byte(chart.{{CompactColumn}}, 0) = get_byte(compact_added, 0) then chart.{{CompactColumn}} || substring(compact_added from 2) end
            where chart.id = patient and chart.mt_version = judged_at;
            if not found then
                raise exception 'The stored chart of patient % is not at version %', patient, judged_at using errcode = '{{NotAtVersionSqlState}}';
            end if;
        end
        $body$;
        """);

    private const string FunctionName = "extend_patient_chart";

    private const string CompactColumn = Infrastructure.EventStoreConfiguration.CompactEntriesColumn;

    /// <summary>The SQLSTATE of a stored chart not at the version its entries were judged on, beside <see cref="StudiesInForce.AmendedSqlState"/>.</summary>
    public const string NotAtVersionSqlState = "RG002";
}
