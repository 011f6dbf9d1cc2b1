using Marten;
using Npgsql;
using NpgsqlTypes;
using Registry.Projections.Patients;

namespace Registry.Api.Maintenance;

/// <summary>
/// Writes the compact entries of the charts stored without them (a database loaded by an earlier version), so every
/// whole-study read decodes them rather than parsing each chart's JSON, without a rebuild. A batch at a time; a chart
/// is written only while still at the version read and still without them: one extended between the read and the
/// write (its extension keeps none) is left to the next batch.
/// </summary>
public static class CompactEntriesFill
{
    public const int ChartsPerBatch = 2000;

    /// <summary>Fills every chart it can; returns how many it filled, reporting the count after each batch.</summary>
    public static async Task<int> FillAsync(IDocumentStore store, Action<int>? progress, CancellationToken ct)
    {
        var filled = 0;
        var schema = store.Options.DatabaseSchemaName;
        await using var session = store.QuerySession();
        while (true)
        {
            var charts = await RecordedCharts.WithoutCompactEntriesAsync(session, ChartsPerBatch, ct);
            if (charts.Count == 0) return filled;
            await using var connection = session.Database.CreateConnection();
            await connection.OpenAsync(ct);
            await using var update = new NpgsqlCommand(
                $"update {schema}.mt_doc_patientchart as d set {CompactChartEntries.Column} = f.compact " +
                "from unnest($1::uuid[], $2::bigint[], $3::bytea[]) as f(id, version, compact) " +
                $"where d.id = f.id and d.mt_version = f.version and {RecordedCharts.WithoutCompactEntries("d")}", connection)
            {
                Parameters =
                {
                    new() { Value = charts.Select(c => c.Id).ToArray() },
                    new() { Value = charts.Select(c => c.Version).ToArray() },
                    new() { Value = charts.Select(c => CompactChartEntries.Encode(c.Entries)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
                },
            };
            var written = await update.ExecuteNonQueryAsync(ct);
            // Every chart read moved on before it was written: stop rather than chase charts being written now.
            if (written == 0) return filled;
            filled += written;
            progress?.Invoke(filled);
        }
    }
}
