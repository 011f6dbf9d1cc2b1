using System.Diagnostics;
using System.Runtime.InteropServices;
using Npgsql;
using Registry.Api.Cli;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Faults;

namespace Registry.Api.Tests.Cli;

/// <summary>
/// The bulk verbs as an operator runs them — <c>dotnet Registry.Api.dll seed|import …</c> on a data directory of their
/// own, its embedded cluster started and stopped by the verb: they start again once, in the same process, without the
/// JIT's PGO, print what they printed and exit as they did; SIGTERM cancels them and they stop the cluster they hold.
/// </summary>
public sealed class BulkVerbProcessTests(RegistryDataDirectory data) : IClassFixture<RegistryDataDirectory>
{
    [Theory]
    [InlineData(true, "import", "--study", "S", "--events", "events.csv")]
    [InlineData(true, "seed", "--study", "NPC-RM-2L", "--scale", "44")]
    [InlineData(false, "token", "--user", "alice", "--role", "admin")]
    [InlineData(false, "rebuild")]
    [InlineData(false, "--urls", "http://127.0.0.1:8080")]
    [InlineData(false)]
    public void Only_the_bulk_verbs_start_again(bool startsAgain, params string[] args) =>
        Assert.Equal(startsAgain, BulkVerbRuntime.StartsAgain(args, _ => null));

    [Theory]
    [InlineData("DOTNET_TieredPGO", "0")] // the process started again: it runs on, no loop
    [InlineData("DOTNET_TieredPGO", "1")] // the user's choice
    [InlineData("COMPlus_TieredPGO", "1")]
    [InlineData("DOTNET_DiagnosticPorts", "/tmp/dotnet-trace.sock,suspend")] // dotnet-trace collect -- …
    public void A_bulk_verb_does_not_start_again_where_the_setting_is_chosen_or_a_tool_traces_it(string variable, string value) =>
        Assert.False(BulkVerbRuntime.StartsAgain(["import", "--study", "S", "--events", "events.csv"], name => name == variable ? value : null));

    [Fact]
    public void A_bulk_verb_compiled_ahead_of_time_starts_again_without_the_tiers_as_well_unless_they_are_chosen()
    {
        Assert.Equal(["DOTNET_TieredPGO=0", "DOTNET_TieredCompilation=0"], BulkVerbRuntime.Settings(readyToRun: true, _ => null));
        Assert.Equal(["DOTNET_TieredPGO=0"], BulkVerbRuntime.Settings(readyToRun: false, _ => null));
        foreach (var chosen in new[] { "DOTNET_TieredCompilation", "COMPlus_TieredCompilation" })
            Assert.Equal(["DOTNET_TieredPGO=0"], BulkVerbRuntime.Settings(readyToRun: true, name => name == chosen ? "1" : null));
    }

    [Fact]
    public void The_registry_as_built_is_IL_and_the_runtime_library_is_compiled_ahead_of_time()
    {
        Assert.False(BulkVerbRuntime.IsReadyToRun(typeof(BulkVerbRuntime).Assembly.Location));
        Assert.True(BulkVerbRuntime.IsReadyToRun(typeof(object).Assembly.Location));
    }

    [Fact]
    public async Task Seed_and_import_started_again_print_what_they_did_exit_as_they_did_and_stop_their_cluster()
    {
        var directory = Directory.CreateDirectory(Path.Combine(data.Path, "runs")).FullName;

        var seed = await RunAsync(directory, "seed", "--study", "NPC-RM-2L");
        Assert.True(seed.ExitCode == 0, seed.Stderr);
        Assert.Contains("NPC-RM-2L:    3801/3801 entries (100%) for 226 patients", seed.Stdout);
        Assert.Matches(@"Loaded NPC-RM-2L \([0-9a-f-]{36}\): 226 patients, 3801 entries, data cut 2022-03-31", seed.Stdout);

        var events = Path.Combine(directory, "events.csv");
        await File.WriteAllTextAsync(events, "subjectCode,kind,date\r\n");
        var import = await RunAsync(directory, "import", "--study", "NO-SUCH-STUDY", "--events", events);
        Assert.Equal(2, import.ExitCode);
        Assert.Equal("error: no study with code 'NO-SUCH-STUDY' is registered.", import.Stderr.Split('\n')[^3].Trim());

        Assert.All(new[] { seed, import }, run => Assert.Contains("Stopped the registry's PostgreSQL", run.Stderr));
        Assert.Null(new ClusterUnderTest(directory).PostmasterPid);
    }

    [Fact]
    public async Task SIGTERM_cancels_a_bulk_verb_which_stops_the_cluster_it_holds()
    {
        var directory = Directory.CreateDirectory(Path.Combine(data.Path, "signalled")).FullName;
        Assert.Equal(0, (await RunAsync(directory, "seed", "--study", "NPC-RM-2L")).ExitCode);

        // The test holds the streams' table, so the verb waits in the middle of its work, its cluster started, until signalled.
        var cluster = await EmbeddedPostgres.StartAsync(Path.Combine(directory, "postgres"), durable: true, _ => { });
        await using var holder = new NpgsqlConnection(cluster.ConnectionString(RegistryDatabase.DatabaseName));
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand($"lock table {EventStoreConfiguration.Schema}.mt_streams in exclusive mode", holder, hold))
            await take.ExecuteNonQueryAsync();
        using var verb = Start(directory, "seed", "--study", "NPC-RM-2L", "--code", "NPC-RM-2L-COPY");
        var stdout = verb.StandardOutput.ReadToEndAsync();
        var stderr = verb.StandardError.ReadToEndAsync();
        try
        {
            await WaitUntilAsync(async () =>
            {
                if (verb.HasExited) Assert.Fail($"The verb ended before it reached the held table: {await stderr}");
                await using var waiting = new NpgsqlCommand(
                    $"select count(*) from pg_locks where not granted and relation = '{EventStoreConfiguration.Schema}.mt_streams'::regclass", holder, hold);
                return (long)(await waiting.ExecuteScalarAsync())! > 0;
            });
            var environment = (await File.ReadAllTextAsync($"/proc/{verb.Id}/environ")).Split('\0');
            Assert.Contains($"{BulkVerbRuntime.Setting}=0", environment);
            // The verb is now the only process attached: letting go of the cluster on its way out stops it.
            await cluster.DisposeAsync();

            Assert.Equal(0, Kill(verb.Id, 15));
            using var within = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await verb.WaitForExitAsync(within.Token);
        }
        finally
        {
            if (!verb.HasExited) verb.Kill();
        }

        Assert.Equal(143, verb.ExitCode);
        Assert.Contains("Stopped the registry's PostgreSQL", await stderr);
        Assert.DoesNotContain("Loaded NPC-RM-2L-COPY", await stdout);
        var postgres = Path.Combine(directory, "postgres");
        Assert.True(await new ClusterUnderTest(directory).StoppedAsync(TimeSpan.FromSeconds(30)), "The cluster still runs.");
        Assert.DoesNotContain(Directory.EnumerateDirectories("/proc").Select(CommandLine), line => line.Contains($"-D {postgres}", StringComparison.Ordinal));
    }

    private sealed record Run(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs a verb to its end.</summary>
    private static async Task<Run> RunAsync(string directory, params string[] args)
    {
        using var process = Start(directory, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var within = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(within.Token);
        return new Run(process.ExitCode, await stdout, await stderr);
    }

    private static Process Start(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Registry.Api.dll"), .. args])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["Registry__DataDirectory"] = directory, ["Registry__DemoStudy__LoadOnFirstRun"] = "false" },
        };
        foreach (var chosen in new[] { "ConnectionStrings__Registry", BulkVerbRuntime.Setting, "COMPlus_TieredPGO", "DOTNET_DiagnosticPorts" })
            start.Environment.Remove(chosen);
        return Process.Start(start)!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The verb never waited for the held table.");
            await Task.Delay(100);
        }
    }

    private static string CommandLine(string procDirectory)
    {
        try { return File.ReadAllText(Path.Combine(procDirectory, "cmdline")).Replace('\0', ' '); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
