using Marten;
using Npgsql;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Patients;

/// <summary>
/// The chart table's shape that lets an entry's upsert stay on its page: the study a column of its own (no index over
/// the chart's JSON), the JSON kept in the row (<c>storage main</c>) and pages left half free; a schema update puts a
/// column's storage back when it was changed.
/// </summary>
public sealed class ChartStorageTests
{
    [Fact]
    public async Task The_chart_table_keeps_its_json_in_the_row_with_room_for_updates_and_no_index_over_the_json()
    {
        var connectionString = await TestCluster.NewDatabaseAsync();
        using var store = new DocumentStore(EventStoreConfiguration.Build(connectionString));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        Assert.Equal("m", await ScalarAsync(connection, "select attstorage::text from pg_attribute where attrelid = 'registry.mt_doc_patientchart'::regclass and attname = 'data'"));
        Assert.Equal($"fillfactor={ChartsKeptInTheirRows.FillFactor}", await ScalarAsync(connection, "select array_to_string(reloptions, ',') from pg_class where oid = 'registry.mt_doc_patientchart'::regclass"));
        Assert.Equal("uuid", await ScalarAsync(connection, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'registry.mt_doc_patientchart'::regclass and attname = 'study_id'"));
        var indexes = await ListAsync(connection, "select pg_get_indexdef(indexrelid) from pg_index where indrelid = 'registry.mt_doc_patientchart'::regclass order by 1");
        Assert.Equal(2, indexes.Count);
        Assert.All(indexes, index => Assert.DoesNotContain("data", index));
        Assert.Contains(indexes, index => index.EndsWith("(study_id)", StringComparison.Ordinal));

        await using (var changed = new NpgsqlCommand("alter table registry.mt_doc_patientchart alter column data set storage extended", connection))
            await changed.ExecuteNonQueryAsync();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        Assert.Equal("m", await ScalarAsync(connection, "select attstorage::text from pg_attribute where attrelid = 'registry.mt_doc_patientchart'::regclass and attname = 'data'"));
    }

    private static async Task<string?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (string?)await command.ExecuteScalarAsync();
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }
}
