using Marten;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.Infrastructure;
using Registry.Projections.Outcomes;
using Registry.Projections.Patients;

namespace Registry.Api.Maintenance;

/// <summary>
/// Writes rebuilt patient charts and outcome rows with one binary COPY each, in one transaction, every column as
/// Marten's own writes fill it: the chart's revision is its stream version (as the inline projection stores it) and its
/// study and compact entries columns of their own, an outcome row gets a new version id. Marten's bulk insert did the same through a generic loader per row.
/// </summary>
public static class RebuiltDocuments
{
    public static async Task WriteAsync(IDocumentStore store, IReadOnlyList<PatientChart> charts, IReadOnlyList<PatientOutcomeRow> rows, CancellationToken ct)
    {
        if (charts.Count == 0 && rows.Count == 0) return;
        var serializer = store.Options.Serializer();
        var schema = EventStoreConfiguration.Schema;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // A chart is several KB, so PostgreSQL compresses it: lz4, where the server has it, costs a fraction of pglz (the
        // default) and reads back the same document.
        await using (var compression = new NpgsqlCommand(
            "select set_config('default_toast_compression', 'lz4', true) from pg_settings " +
            "where name = 'default_toast_compression' and 'lz4' = any(enumvals)", connection, transaction))
            await compression.ExecuteNonQueryAsync(ct);
        // Rows are written synchronously: this runs on its own task while the next streams are read and folded.
        Copy("mt_doc_patientchart", $"mt_version, study_id, {EventStoreConfiguration.CompactEntriesColumn}", charts, chart => chart.Id, (copy, chart) =>
        {
            copy.Write(chart.Version, NpgsqlDbType.Bigint);
            copy.Write(chart.StudyId, NpgsqlDbType.Uuid);
            copy.Write(chart.CompactEntries, NpgsqlDbType.Bytea);
        });
        Copy("mt_doc_patientoutcomerow", "mt_version", rows, row => row.Id, (copy, _) => copy.Write(Guid.CreateVersion7(), NpgsqlDbType.Uuid));
        await transaction.CommitAsync(ct);

        // Each document's id, JSON and type, then its version and any duplicated fields (the columns after the type).
        void Copy<T>(string table, string lastColumns, IEnumerable<T> documents, Func<T, Guid> id, Action<NpgsqlBinaryImporter, T> writeLast) where T : notnull
        {
            using var copy = connection.BeginBinaryImport($"COPY {schema}.{table} (id, data, mt_dotnet_type, {lastColumns}) FROM STDIN BINARY");
            foreach (var document in documents)
            {
                copy.StartRow();
                copy.Write(id(document), NpgsqlDbType.Uuid);
                copy.Write(serializer.ToJson(document), NpgsqlDbType.Jsonb);
                copy.Write(typeof(T).FullName!, NpgsqlDbType.Varchar);
                writeLast(copy, document);
            }
            copy.Complete();
        }
    }
}
