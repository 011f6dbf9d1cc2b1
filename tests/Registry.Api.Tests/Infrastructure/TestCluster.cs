using Registry.Api.Infrastructure;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL for the whole test run, started by the same mechanism as the registry's embedded default
/// (kept between runs under the temp directory, fsync off), and stopped when the test process exits.
/// </summary>
public static class TestCluster
{
    private static readonly Lazy<Task<EmbeddedPostgres>> Cluster = new(StartAsync);

    public static Task<EmbeddedPostgres> InstanceAsync() => Cluster.Value;

    private static async Task<EmbeddedPostgres> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"trial-registry-tests-{Environment.UserName}", "postgres");
        var cluster = await EmbeddedPostgres.StartAsync(directory, durable: false, _ => { });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return cluster;
    }

    /// <summary>A fresh database for one test class, so classes never see each other's events.</summary>
    public static async Task<string> NewDatabaseAsync()
    {
        var cluster = await InstanceAsync();
        var name = $"registry_test_{Guid.NewGuid():N}";
        await cluster.EnsureDatabaseAsync(name);
        return cluster.ConnectionString(name);
    }
}
