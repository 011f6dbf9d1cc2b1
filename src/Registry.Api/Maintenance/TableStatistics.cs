using Marten;
using Npgsql;
using Registry.Api.Infrastructure;

namespace Registry.Api.Maintenance;

/// <summary>
/// Gives PostgreSQL statistics for the registry's tables that a bulk load (<c>seed</c>, <c>import</c>, <c>rebuild</c>)
/// left without them. Until autovacuum analyzes a table, the planner guesses: at 1.6 M events it took the events after a
/// mark for a third of the table and scanned it whole (~0.3 s), in the async daemon's gap check after every entry and in
/// the views' reads. Run at start, before the study views are read: the tables autovacuum would analyze next, now.
/// </summary>
public static class TableStatistics
{
    /// <summary>
    /// Analyzes each table of the registry's schema past autovacuum's own threshold for it (its changes since the last
    /// analyze above <c>autovacuum_analyze_threshold</c> + <c>autovacuum_analyze_scale_factor</c> × its rows, the
    /// server's settings); returns the tables analyzed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> AnalyzeStaleAsync(IDocumentStore store, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        var stale = new List<string>();
        await using (var find = new NpgsqlCommand(
            "select relname from pg_stat_user_tables where schemaname = $1 and n_mod_since_analyze > " +
            "current_setting('autovacuum_analyze_threshold')::float8 + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(n_live_tup, 0) " +
            "order by relname", connection) { Parameters = { new NpgsqlParameter { Value = EventStoreConfiguration.Schema } } })
        await using (var reader = await find.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) stale.Add(reader.GetString(0));
        foreach (var table in stale)
        {
            await using var analyze = new NpgsqlCommand($"analyze {EventStoreConfiguration.Schema}.\"{table}\"", connection);
            await analyze.ExecuteNonQueryAsync(ct);
        }
        return stale;
    }
}
