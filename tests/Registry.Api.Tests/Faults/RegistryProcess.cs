using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Npgsql;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Faults;

/// <summary>
/// The real registry as an operator runs it — <c>dotnet Registry.Api.dll</c> in its own process, on loopback, with
/// its embedded durable PostgreSQL (fsync on) under <paramref name="dataDirectory"/> — so a test can kill it with
/// SIGKILL, stop it with SIGTERM, or run two of them on one data directory.
/// </summary>
public sealed class RegistryProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    private readonly TaskCompletionSource<Uri> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string DataDirectory { get; }
    public Uri Address => _serving.Task.IsCompletedSuccessfully ? _serving.Task.Result : throw new InvalidOperationException("The registry has not said where it serves yet.");
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    private RegistryProcess(Process process, string dataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
    }

    /// <summary>Starts the registry and waits until /health answers Healthy.</summary>
    public static async Task<RegistryProcess> StartAsync(string dataDirectory, IDictionary<string, string>? settings = null)
    {
        // Port 0: the registry binds a port of its own and prints it. A port picked here and bound later could be taken
        // in between as the local port of one of the many client connections the tests open.
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Registry.Api.dll"), "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            Environment =
            {
                ["Registry__DataDirectory"] = dataDirectory,
                ["Registry__DemoStudy__LoadOnFirstRun"] = "false",
                ["Auth__SigningKey"] = Convert.ToBase64String(RegistryApp.SigningKey),
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                // Quieter logs: the process's output is kept for a failing test's message.
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Registry"] = "Information",
            },
        };
        start.Environment.Remove("ConnectionStrings__Registry");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the registry.");
        var registry = new RegistryProcess(process, dataDirectory);
        process.OutputDataReceived += (_, e) => registry.Append(e.Data);
        process.ErrorDataReceived += (_, e) => registry.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await registry.WaitUntilServingAsync(TimeSpan.FromSeconds(90));
        await registry.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        return registry;
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (RegistryHost.ServedAddress(line) is { } address) _serving.TrySetResult(address);
    }

    private async Task WaitUntilServingAsync(TimeSpan within)
    {
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(_serving.Task, exited, Task.Delay(within)) == _serving.Task) return;
        throw exited.IsCompleted
            ? new InvalidOperationException($"The registry exited with code {_process.ExitCode} before it served:\n{Output}")
            : new TimeoutException($"The registry did not say where it serves within {within}:\n{Output}");
    }

    /// <summary>Waits for /health to answer 200 Healthy; how long it took.</summary>
    public async Task<TimeSpan> WaitUntilHealthyAsync(TimeSpan within)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The registry exited with code {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await client.GetAsync("/health");
                if (response.IsSuccessStatusCode && await response.Content.ReadAsStringAsync() == "Healthy") return watch.Elapsed;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (watch.Elapsed > within)
                throw new TimeoutException($"The registry at {Address} was not healthy within {within}:\n{Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits, bounded, for /health to answer anything but 200; false if it stays healthy.</summary>
    public async Task<bool> UnhealthyAsync(TimeSpan within)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await client.GetAsync("/health");
                if (!response.IsSuccessStatusCode) return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return true; }
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine's OOM killer or an operator's kill -9 ends it.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd or Ctrl+C stops it: the host shuts down cleanly.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        if (SendSignal(_process.Id, 15) != 0) throw new InvalidOperationException($"Could not signal the registry (pid {_process.Id}).");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}

/// <summary>The embedded cluster under a registry data directory, as the tests inspect and kill it.</summary>
public sealed class ClusterUnderTest(string dataDirectory)
{
    public string Directory => Path.Combine(dataDirectory, "postgres");

    /// <summary>The postmaster's pid while its postmaster.pid names a live process; null once it is gone.</summary>
    public int? PostmasterPid
    {
        get
        {
            var pidFile = Path.Combine(Directory, "postmaster.pid");
            try
            {
                var pid = int.Parse(File.ReadLines(pidFile).First());
                return ProcessIsAlive(pid) ? pid : null;
            }
            catch (Exception e) when (e is IOException or FormatException or InvalidOperationException) { return null; }
        }
    }

    /// <summary>Stops the server directly (pg_ctl, immediate), whoever is attached: the tests' own clean-up.</summary>
    public async Task StopAsync()
    {
        if (PostmasterPid is null) return;
        var pgCtl = Path.Combine(EmbeddedPostgres.FindBinaries(), "pg_ctl");
        using var stop = Environment.UserName == "root"
            ? Process.Start("runuser", ["-u", "postgres", "--", pgCtl, "stop", "-D", Directory, "-m", "immediate", "-w"])
            : Process.Start(pgCtl, ["stop", "-D", Directory, "-m", "immediate", "-w"]);
        await stop.WaitForExitAsync();
    }

    public void KillPostmaster() => Process.GetProcessById(PostmasterPid ?? throw new InvalidOperationException($"No postmaster runs on {Directory}.")).Kill();

    /// <summary>Waits, bounded, until no postmaster runs on the cluster; false if one still does.</summary>
    public async Task<bool> StoppedAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (PostmasterPid is not null)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(100);
        }
        return true;
    }

    /// <summary>A connection to the registry's database, for reading what was recorded.</summary>
    public string ConnectionString() => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = int.Parse(File.ReadLines(Path.Combine(Directory, "postmaster.pid")).ElementAt(3)),
        Username = EmbeddedPostgres.Superuser,
        Password = File.ReadAllText(Path.Combine(Directory, "registry-password")).Trim(),
        Database = RegistryDatabase.DatabaseName,
        Pooling = false,
    }.ConnectionString;

    private static bool ProcessIsAlive(int pid)
    {
        try { return !Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
    }
}
