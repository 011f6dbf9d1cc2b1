using Npgsql;
using Registry.Api.Infrastructure;
using Registry.Api.Maintenance;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Maintenance;

/// <summary>
/// At start the registry analyzes the tables a bulk load left without statistics (<see cref="TableStatistics"/>): those
/// past autovacuum's threshold, and only those. Its own database, with a table of the registry's schema loaded in bulk.
/// </summary>
public sealed class TableStatisticsTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const string Table = "bulk_loaded";

    [Fact]
    public async Task A_table_loaded_in_bulk_is_analyzed_once_and_then_left_to_autovacuum()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        // Autovacuum off for it, so only the registry can analyze it during the test.
        await ExecuteAsync(connection, $"create table {EventStoreConfiguration.Schema}.{Table} (n int) with (autovacuum_enabled = false)");
        await ExecuteAsync(connection, $"insert into {EventStoreConfiguration.Schema}.{Table} select generate_series(1, 10000)");
        // A backend's table counters reach the shared statistics when its transaction ends, at most a second later.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await ScalarAsync(connection, $"select coalesce((select n_mod_since_analyze from pg_stat_user_tables where relname = '{Table}'), 0)") < 10000)
        {
            Assert.True(DateTime.UtcNow < deadline, "PostgreSQL did not count the loaded rows within 10 s.");
            await Task.Delay(100);
        }
        Assert.Equal(0, await ScalarAsync(connection, $"select count(*) from pg_stats where tablename = '{Table}'"));

        Assert.Contains(Table, await TableStatistics.AnalyzeStaleAsync(app.Store, CancellationToken.None));
        Assert.Equal(1, await ScalarAsync(connection, $"select count(*) from pg_stats where tablename = '{Table}'"));
        // Analyzed, it is under the threshold again: the next start leaves it alone.
        Assert.DoesNotContain(Table, await TableStatistics.AnalyzeStaleAsync(app.Store, CancellationToken.None));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
