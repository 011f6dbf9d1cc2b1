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

    [Fact]
    public async Task A_database_of_charts_stored_before_the_study_column_gets_the_column_filled_from_each_chart_by_the_schema_update()
    {
        var connectionString = await TestCluster.NewDatabaseAsync();
        using var store = new DocumentStore(EventStoreConfiguration.Build(connectionString));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // The chart table as the registry stored it before: no study column, the study only inside each chart's JSON.
        var (study, other) = (Guid.NewGuid(), Guid.NewGuid());
        await using (var before = new NpgsqlCommand(
            "alter table registry.mt_doc_patientchart drop column study_id; " +
            "insert into registry.mt_doc_patientchart (id, data, mt_version) values " +
            $"('{Guid.NewGuid()}', '{{\"studyId\": \"{study}\"}}', 1), ('{Guid.NewGuid()}', '{{\"studyId\": \"{study}\"}}', 1), ('{Guid.NewGuid()}', '{{\"studyId\": \"{other}\"}}', 1)", connection))
            await before.ExecuteNonQueryAsync();

        using var upgraded = new DocumentStore(EventStoreConfiguration.Build(connectionString));
        await upgraded.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        Assert.Equal(["2 " + study, "1 " + other], (await ListAsync(connection,
            "select count(*) || ' ' || study_id from registry.mt_doc_patientchart group by study_id order by count(*) desc")));
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
