using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using Weasel.Core;
using Weasel.Storage;
using IStorageOperation = Weasel.Storage.IStorageOperation;

namespace Registry.Api.Patients;

/// <summary>
/// A stored chart at <paramref name="fromVersion"/> extended by its new entries in the database, instead of the whole
/// chart upserted again: <paramref name="extension"/> is the chart's JSON as the serializer writes it with only those
/// entries, and PostgreSQL puts the stored entries before them. jsonb keeps an array's order and orders an object's
/// keys itself, so the stored chart is the same jsonb as the whole chart written (the projection's own upsert). Only a
/// chart still at <paramref name="fromVersion"/> is extended; the append in the same transaction holds the stream there.
/// </summary>
internal sealed class ChartExtension(string schema, Guid patientId, long fromVersion, long toVersion, byte[] extension)
    : IStorageOperation, NoDataReturnedCall
{
    public Type DocumentType => typeof(Registry.Projections.Patients.PatientChart);

    public OperationRole Role() => OperationRole.Patch;

    public void ConfigureCommand(ICommandBuilder builder, IStorageSession session)
    {
        builder.Append($"update {schema}.mt_doc_patientchart as chart set data = jsonb_set(added.data, '{{entries}}', (chart.data -> 'entries') || (added.data -> 'entries')), mt_version = ");
        builder.AppendParameter(toVersion);
        builder.Append(", mt_last_modified = transaction_timestamp() from (select ");
        ((NpgsqlParameter)builder.AppendParameter(extension)).NpgsqlDbType = NpgsqlDbType.Jsonb;
        builder.Append(" as data) as added where chart.id = ");
        builder.AppendParameter(patientId);
        builder.Append(" and chart.mt_version = ");
        builder.AppendParameter(fromVersion);
    }

    public Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token) => Task.CompletedTask;
}
