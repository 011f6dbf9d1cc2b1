using System.Diagnostics;
using Registry.Api.Infrastructure;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL for the whole test run, started by the same mechanism as the registry's embedded default
/// (fsync off), private to this run so that concurrent runs never stop each other's server, and removed at exit.
/// </summary>
public static class TestCluster
{
    private static readonly Lazy<Task<EmbeddedPostgres>> Cluster = new(StartAsync);

    public static Task<EmbeddedPostgres> InstanceAsync() => Cluster.Value;

    private static async Task<EmbeddedPostgres> StartAsync()
    {
        await RemoveClustersOfEndedRunsAsync();
        var root = Path.Combine(Path.GetTempPath(), $"trial-registry-tests-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var cluster = await EmbeddedPostgres.StartAsync(Path.Combine(root, "postgres"), durable: false, _ => { });
        StopWhenThisRunEnds(cluster, root);
        // The watcher removes the directory: the server's last files may still be going when its stop returns.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return cluster;
    }

    /// <summary>
    /// A watcher outside this process stops the cluster once the test host is gone, however it ends: a host killed (or
    /// killed by the runner for exiting slowly) runs no exit handler. It is not this process's child, so it outlives it.
    /// </summary>
    private static void StopWhenThisRunEnds(EmbeddedPostgres cluster, string root)
    {
        var pgCtl = Path.Combine(EmbeddedPostgres.FindBinaries(), "pg_ctl");
        var stop = Environment.UserName == "root" ? $"runuser -u postgres -- '{pgCtl}'" : $"'{pgCtl}'";
        var watch = $"while [ -d /proc/{Environment.ProcessId} ]; do sleep 1; done; " +
            $"{stop} stop -D '{cluster.ClusterDirectory}' -m fast -w; rm -rf '{root}' || (sleep 2; rm -rf '{root}')";
        using var detach = Process.Start(new ProcessStartInfo("sh", ["-c", "setsid sh -c \"$0\" </dev/null >/dev/null 2>&1 &", watch])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("Could not start the test cluster's watcher.");
        detach.WaitForExit();
    }

    /// <summary>
    /// The test host may be killed before its exit handler finishes; the next run stops the server it left (nothing is
    /// attached to it any more) and removes its directory.
    /// </summary>
    private static async Task RemoveClustersOfEndedRunsAsync()
    {
        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), "trial-registry-tests-*-*"))
        {
            var parts = Path.GetFileName(directory).Split('-');
            if (parts.Length != 5 || !int.TryParse(parts[3], out var pid) || ProcessIsAlive(pid)) continue;
            var cluster = Path.Combine(directory, "postgres");
            if (File.Exists(Path.Combine(cluster, "postmaster.pid")))
            {
                await EmbeddedPostgres.StopAbandonedAsync(cluster, _ => { });
                if (File.Exists(Path.Combine(cluster, "postmaster.pid"))) continue;
            }
            try { Directory.Delete(directory, recursive: true); }
            catch (IOException) { }
        }
    }

    private static bool ProcessIsAlive(int pid)
    {
        try { return !System.Diagnostics.Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
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
