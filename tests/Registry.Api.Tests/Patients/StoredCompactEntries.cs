using Marten;
using Npgsql;
using Registry.Api.Infrastructure;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.Patients;

/// <summary>A stored chart's compact entries column, read back for tests of the paths that write charts.</summary>
internal static class StoredCompactEntries
{
    public static async Task<byte[]?> ReadAsync(string connectionString, Guid patientId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand($"select {CompactChartEntries.Column} from {EventStoreConfiguration.Schema}.mt_doc_patientchart where id = $1", connection)
        {
            Parameters = { new() { Value = patientId } },
        };
        return await read.ExecuteScalarAsync() as byte[];
    }

    /// <summary>Stores each chart's compact entries as given (null: as a chart stored before they were kept).</summary>
    public static async Task SetAsync(string connectionString, IReadOnlyDictionary<Guid, byte[]?> compact)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var (id, bytes) in compact)
        {
            await using var update = new NpgsqlCommand($"update {EventStoreConfiguration.Schema}.mt_doc_patientchart set {CompactChartEntries.Column} = $2 where id = $1", connection)
            {
                Parameters = { new() { Value = id }, new() { Value = (object?)bytes ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea } },
            };
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }
    }

    /// <summary>The chart's compact form is stored and decodes to exactly <paramref name="entries"/>.</summary>
    public static async Task AssertHoldsAsync(string connectionString, Guid patientId, IReadOnlyList<ChartEntry> entries)
    {
        var stored = await ReadAsync(connectionString, patientId);
        Assert.True(stored is not null, $"The chart of {patientId} was stored without its compact entries.");
        CompactChartEntriesProperties.AssertSame(entries, CompactChartEntries.Decode(stored));
    }

    /// <summary>Every stored chart (of <paramref name="studyId"/>, or all) has its compact form, decoding to the entries of its JSON; returns how many.</summary>
    public static async Task<int> AssertEveryChartHoldsItsEntriesAsync(string connectionString, ISerializer serializer, Guid? studyId = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand(
            $"select id, data::text, {CompactChartEntries.Column} from {EventStoreConfiguration.Schema}.mt_doc_patientchart where $1::uuid is null or study_id = $1", connection)
        {
            Parameters = { new() { Value = (object?)studyId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid } },
        };
        await using var rows = await read.ExecuteReaderAsync();
        var count = 0;
        while (await rows.ReadAsync())
        {
            var id = rows.GetGuid(0);
            Assert.False(rows.IsDBNull(2), $"The chart of {id} was stored without its compact entries.");
            var chart = serializer.FromJson<PatientChart>(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(rows.GetString(1))));
            CompactChartEntriesProperties.AssertSame(chart.Entries, CompactChartEntries.Decode(rows.GetFieldValue<byte[]>(2)), $"chart {id}");
            count++;
        }
        return count;
    }
}
