using Marten.Events.Daemon.Coordination;
using Npgsql;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Brings the registry back by itself after PostgreSQL goes away. Every second it asks the server for <c>select 1</c>
/// on a fresh, unpooled connection. While there is no answer it restarts the embedded cluster on the same port if
/// its postmaster is gone (a server named by a connection string is only waited for). When the server answers again
/// it drops the pooled connections that died with the old server and restarts the projection agents, which stop
/// after repeated failures and would otherwise leave the outcome views behind until the registry is restarted.
/// </summary>
public sealed class DatabaseRecovery(RegistryDatabase database, IServiceProvider services, ILogger<DatabaseRecovery> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var probe = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false, Timeout = 3, CommandTimeout = 3 }.ConnectionString;
        DateTime? downSince = null;
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (await AnswersAsync(probe, stoppingToken))
                {
                    if (downSince is null) continue;
                    await ResumeAsync();
                    logger.LogWarning("PostgreSQL answers again after {Seconds:0.0} s; pooled connections renewed and projections resumed.",
                        (DateTime.UtcNow - downSince.Value).TotalSeconds);
                    downSince = null;
                    continue;
                }
                if (downSince is null)
                {
                    downSince = DateTime.UtcNow;
                    logger.LogError("PostgreSQL does not answer; {Action}.", database.Embedded is null
                        ? "waiting for it to come back" : "restarting the registry's embedded cluster if its server is gone");
                }
                if (database.Embedded is { } cluster) await cluster.RestartIfStoppedAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Recovering the database connection failed; trying again in {Interval}.", Interval);
            }
        }
    }

    private static async Task<bool> AnswersAsync(string connectionString, CancellationToken ct)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand("select 1", connection);
            await command.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
        {
            return false;
        }
    }

    private async Task ResumeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (services.GetService<IProjectionCoordinator>() is not { } projections) return;
        await projections.PauseAsync();
        await projections.ResumeAsync();
    }
}
