using System.Diagnostics;
using System.Net;
using Registry.Api.Infrastructure;
using Xunit.Abstractions;

namespace Registry.Api.Tests.Faults;

/// <summary>
/// What the registry promises when its processes die: an acknowledged (201) write is durable and recorded once, the
/// hash chains stay intact, the registry comes back by itself, and its embedded PostgreSQL is owned — adopted after
/// a crash, never stopped under another registry, stopped by the last one out. The tests run the real registry as a
/// child process on a durable cluster of their own (fsync on, not the shared test cluster), on loopback, and kill
/// what they kill with SIGKILL.
/// </summary>
public sealed class CrashRecoveryTests(RegistryDataDirectory data, ITestOutputHelper output) : IClassFixture<RegistryDataDirectory>
{
    private readonly string _dataDirectory = data.Path;

    [Fact]
    public async Task PostgreSQL_killed_under_four_writers_comes_back_by_itself_with_every_acknowledged_write_recorded_once()
    {
        await using var registry = await RegistryProcess.StartAsync(_dataDirectory);
        var cluster = new ClusterUnderTest(_dataDirectory);
        var clinic = await ClinicLoad.OpenAsync(registry.Address, patients: 4);

        using var stop = new CancellationTokenSource();
        var writing = clinic.WriteAsync(() => registry.Address, stop.Token);
        Assert.True(await clinic.AcknowledgedAsync(100, TimeSpan.FromSeconds(60)));
        var beforeKill = clinic.Acknowledged.Count;
        var killed = cluster.PostmasterPid;
        cluster.KillPostmaster();
        var recovered = await registry.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        var afterRecovery = clinic.Acknowledged.Count;
        var writesResumed = await clinic.AcknowledgedAsync(100, TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await writing;

        Assert.NotEqual(killed, cluster.PostmasterPid);
        Assert.NotNull(cluster.PostmasterPid);
        Assert.True(writesResumed, $"Writes did not resume after recovery ({clinic.Acknowledged.Count - afterRecovery} acknowledged since).\n{registry.Output}");
        var connection = cluster.ConnectionString();
        await AssertEveryAcknowledgedWriteRecordedOnceAsync(clinic, connection);
        Assert.True((await ClinicLoad.VerifyAsync(registry.Address)).GetProperty("intact").GetBoolean());
        var caughtUp = await ClinicLoad.ProjectionCaughtUpAsync(connection, TimeSpan.FromSeconds(60));
        await registry.StopAsync();
        output.WriteLine($"PostgreSQL killed after {beforeKill} acknowledged writes; /health Healthy again {recovered.TotalSeconds:0.0} s later; " +
            $"{clinic.Acknowledged.Count} acknowledged in all, {clinic.Unanswered.Count} unanswered during the outage; outcome projection caught up {caughtUp.TotalSeconds:0.0} s after the writers stopped.");
    }

    [Fact]
    public async Task An_external_PostgreSQL_killed_under_four_writers_and_restarted_by_its_operator_is_picked_up_again_without_restarting_the_registry()
    {
        // The "external" server is a cluster this test starts and restarts itself, as its operator would.
        var serverDirectory = Path.Combine(_dataDirectory, "external");
        await using var server = await EmbeddedPostgres.StartAsync(Path.Combine(serverDirectory, "postgres"), durable: true, _ => { });
        await server.EnsureDatabaseAsync(RegistryDatabase.DatabaseName);
        var registryDirectory = Directory.CreateDirectory(Path.Combine(_dataDirectory, "registry")).FullName;
        await using var registry = await RegistryProcess.StartAsync(registryDirectory, new Dictionary<string, string>
        {
            ["ConnectionStrings__Registry"] = server.ConnectionString(RegistryDatabase.DatabaseName),
        });
        var cluster = new ClusterUnderTest(serverDirectory);
        var clinic = await ClinicLoad.OpenAsync(registry.Address, patients: 4);

        using var stop = new CancellationTokenSource();
        var writing = clinic.WriteAsync(() => registry.Address, stop.Token);
        Assert.True(await clinic.AcknowledgedAsync(100, TimeSpan.FromSeconds(60)));
        var beforeKill = clinic.Acknowledged.Count;
        cluster.KillPostmaster();
        // Down long enough for the projection daemon and the durability agent to fail repeatedly.
        Assert.True(await registry.UnhealthyAsync(TimeSpan.FromSeconds(30)), "The registry did not notice its database was gone.");
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.DoesNotContain("Restarted the registry's PostgreSQL", registry.Output);
        await server.RestartIfStoppedAsync(CancellationToken.None);
        var recovered = await registry.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        var afterRecovery = clinic.Acknowledged.Count;
        var writesResumed = await clinic.AcknowledgedAsync(100, TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await writing;

        Assert.True(writesResumed, $"Writes did not resume after the server came back ({clinic.Acknowledged.Count - afterRecovery} acknowledged since).\n{registry.Output}");
        var connection = server.ConnectionString(RegistryDatabase.DatabaseName);
        await AssertEveryAcknowledgedWriteRecordedOnceAsync(clinic, connection);
        Assert.True((await ClinicLoad.VerifyAsync(registry.Address)).GetProperty("intact").GetBoolean());
        var caughtUp = await ClinicLoad.ProjectionCaughtUpAsync(connection, TimeSpan.FromSeconds(60));
        await registry.StopAsync();
        output.WriteLine($"External PostgreSQL killed after {beforeKill} acknowledged writes and restarted after 5 s down; /health Healthy {recovered.TotalSeconds:0.0} s after the restart; " +
            $"{clinic.Acknowledged.Count} acknowledged in all, {clinic.Unanswered.Count} unanswered during the outage; outcome projection caught up {caughtUp.TotalSeconds:0.0} s after the writers stopped.");
    }

    [Fact]
    public async Task The_registry_killed_under_four_writers_restarts_on_its_cluster_with_every_acknowledged_write_recorded_once_and_stops_it_on_a_clean_exit()
    {
        await using var first = await RegistryProcess.StartAsync(_dataDirectory);
        var cluster = new ClusterUnderTest(_dataDirectory);
        var postmaster = cluster.PostmasterPid;
        var clinic = await ClinicLoad.OpenAsync(first.Address, patients: 4);

        var current = first;
        using var stop = new CancellationTokenSource();
        var writing = clinic.WriteAsync(() => current.Address, stop.Token);
        Assert.True(await clinic.AcknowledgedAsync(100, TimeSpan.FromSeconds(60)));
        var beforeKill = clinic.Acknowledged.Count;
        await first.KillAsync();
        var restart = Stopwatch.StartNew();
        await using var second = await RegistryProcess.StartAsync(_dataDirectory);
        current = second;
        var restarted = restart.Elapsed;
        var afterRestart = clinic.Acknowledged.Count;
        var writesResumed = await clinic.AcknowledgedAsync(100, TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await writing;

        // The restarted registry adopted the server the killed one left, rather than starting another.
        Assert.Equal(postmaster, cluster.PostmasterPid);
        Assert.Contains("already running", second.Output);
        Assert.True(writesResumed, $"Writes did not resume after the restart ({clinic.Acknowledged.Count - afterRestart} acknowledged since).\n{second.Output}");
        var connection = cluster.ConnectionString();
        await AssertEveryAcknowledgedWriteRecordedOnceAsync(clinic, connection);
        Assert.True((await ClinicLoad.VerifyAsync(second.Address)).GetProperty("intact").GetBoolean());
        var caughtUp = await ClinicLoad.ProjectionCaughtUpAsync(connection, TimeSpan.FromSeconds(60));

        // It owns what it adopted: a clean exit stops the server.
        await second.StopAsync();
        Assert.True(await cluster.StoppedAsync(TimeSpan.FromSeconds(30)), $"PostgreSQL outlived the registry's clean exit.\n{second.Output}");
        output.WriteLine($"Registry killed after {beforeKill} acknowledged writes; restarted and healthy in {restarted.TotalSeconds:0.0} s; " +
            $"{clinic.Acknowledged.Count} acknowledged in all, {clinic.Unanswered.Count} unanswered while it was down; outcome projection caught up {caughtUp.TotalSeconds:0.0} s after the writers stopped.");
    }

    [Fact]
    public async Task Two_registries_on_one_data_directory_share_one_server_and_the_last_one_out_stops_it()
    {
        await using var first = await RegistryProcess.StartAsync(_dataDirectory);
        var cluster = new ClusterUnderTest(_dataDirectory);
        var postmaster = cluster.PostmasterPid;
        await using var second = await RegistryProcess.StartAsync(_dataDirectory);
        Assert.Equal(postmaster, cluster.PostmasterPid);
        Assert.Contains("already running", second.Output);

        // The one that started the server stops first: the other keeps it, and keeps serving reads and writes.
        await first.StopAsync();
        Assert.Contains("running for the other registry processes", first.Output);
        Assert.Equal(postmaster, cluster.PostmasterPid);
        await second.WaitUntilHealthyAsync(TimeSpan.FromSeconds(5));
        var clinic = await ClinicLoad.OpenAsync(second.Address, patients: 1);
        using (var investigator = ClinicLoad.Client(second.Address, ClinicLoad.Investigator))
            Assert.Equal(HttpStatusCode.OK, (await investigator.GetAsync($"/api/studies/{clinic.StudyId}/survival?consistent=true")).StatusCode);

        await second.StopAsync();
        Assert.True(await cluster.StoppedAsync(TimeSpan.FromSeconds(30)), $"PostgreSQL outlived the last registry.\n{second.Output}");
    }

    [Fact]
    public async Task A_cluster_left_running_by_a_killed_registry_is_stopped_as_abandoned_but_never_while_a_registry_is_attached()
    {
        await using var registry = await RegistryProcess.StartAsync(_dataDirectory);
        var cluster = new ClusterUnderTest(_dataDirectory);
        var postmaster = cluster.PostmasterPid;

        Assert.False(await EmbeddedPostgres.StopAbandonedAsync(cluster.Directory, _ => { }));
        Assert.Equal(postmaster, cluster.PostmasterPid);
        await registry.WaitUntilHealthyAsync(TimeSpan.FromSeconds(5));

        // SIGKILL: no exit handler runs, so the server stays up with nothing attached, as a killed test host leaves it.
        await registry.KillAsync();
        Assert.Equal(postmaster, cluster.PostmasterPid);
        var messages = new List<string>();
        Assert.True(await EmbeddedPostgres.StopAbandonedAsync(cluster.Directory, messages.Add));
        Assert.True(await cluster.StoppedAsync(TimeSpan.FromSeconds(30)), "The abandoned PostgreSQL still runs.");
        Assert.Contains(messages, m => m.Contains("no registry process was attached", StringComparison.Ordinal));
        Assert.False(await EmbeddedPostgres.StopAbandonedAsync(cluster.Directory, _ => { }));
    }

    private static async Task AssertEveryAcknowledgedWriteRecordedOnceAsync(ClinicLoad clinic, string connectionString)
    {
        var recorded = await clinic.RecordedTermsAsync(connectionString);
        Assert.Empty(clinic.Refused);
        Assert.NotEmpty(clinic.Acknowledged);
        Assert.DoesNotContain(clinic.Acknowledged, term => !recorded.ContainsKey(term));
        Assert.DoesNotContain(recorded, term => term.Value != 1);
        // Whatever is recorded was written by a writer: acknowledged, or sent when no answer came back.
        Assert.Empty(recorded.Keys.Except(clinic.Acknowledged).Except(clinic.Unanswered));
    }
}

/// <summary>
/// One data directory for the class's tests, which run one after another: each starts from whatever the previous one
/// left (a server running or not), as an operator's restarts do, and one cluster initialisation serves them all.
/// </summary>
public sealed class RegistryDataDirectory : IAsyncLifetime
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"trial-registry-faults-{Guid.NewGuid():N}");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        // A failed test may leave its server behind (every registry process is gone by now).
        await new ClusterUnderTest(Path).StopAsync();
        Directory.Delete(Path, recursive: true);
    }
}
