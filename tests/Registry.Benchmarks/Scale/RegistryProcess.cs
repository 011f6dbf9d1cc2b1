using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Registry.Benchmarks.Scale;

/// <summary>
/// The built registry (src/Registry.Api, Release) run as the user runs it: its CLI verbs as child processes, and the
/// server on a loopback port of its own, all on one data directory (the embedded cluster and the signing key). The
/// verbs run from the ReadyToRun publish when there is a current one (<see cref="Locate"/>), the server from the build.
/// </summary>
public sealed class RegistryBinary(string apiDirectory, string verbDirectory, string dataDirectory)
{
    public string DataDirectory => dataDirectory;

    /// <summary>Where the server and the verbs run from, for the report.</summary>
    public string Description => verbDirectory == apiDirectory
        ? $"server and verbs from {apiDirectory}"
        : $"server from {apiDirectory}, verbs from {verbDirectory} (ReadyToRun)";

    /// <summary>
    /// The server from the Release build; the verbs (import, seed, rebuild, token) from the ReadyToRun publish for this
    /// machine's runtime (<c>dotnet publish -c Release --use-current-runtime</c>, which scale.sh runs after the build;
    /// deploy/README.md) unless the build is newer (built after the last publish, which would run older code). The
    /// server's memory with ReadyToRun images at 100 000 patients is not measured yet (docs/performance.md, "Bulk,
    /// twelfth round"), so it runs as before.
    /// </summary>
    public static RegistryBinary Locate(string repository, string dataDirectory)
    {
        var build = Path.Combine(repository, "src", "Registry.Api", "bin", "Release", "net10.0");
        var published = Path.Combine(build, RuntimeInformation.RuntimeIdentifier, "publish");
        if (!File.Exists(Path.Combine(build, "Registry.Api.dll")))
            throw new BenchmarkSetupException($"The registry is not built: {build}/Registry.Api.dll is missing. Run `dotnet build -c Release src/Registry.Api` (scale.sh does).");
        var current = File.Exists(Path.Combine(published, "Registry.Api.dll"))
                      && File.GetLastWriteTimeUtc(Path.Combine(published, "Registry.Api.dll")) >= File.GetLastWriteTimeUtc(Path.Combine(build, "Registry.Api.dll"));
        return new(build, current ? published : build, dataDirectory);
    }

    /// <summary>Runs a verb to its end; its stdout (stderr goes to the log). A non-zero exit code is a failure naming the verb.</summary>
    public async Task<string> RunAsync(IReadOnlyList<string> arguments, TextWriter? log = null, IDictionary<string, string>? environment = null,
        bool echo = false)
    {
        using var process = Start(arguments, environment, server: false);
        var output = new StringBuilder();
        var errors = new StringBuilder();
        var stdout = Pump(process.StandardOutput, line => { output.AppendLine(line); if (echo) Console.WriteLine($"    {line}"); log?.WriteLine(line); });
        var stderr = Pump(process.StandardError, line => { errors.AppendLine(line); if (echo) Console.WriteLine($"    {line}"); log?.WriteLine(line); });
        await process.WaitForExitAsync();
        await Task.WhenAll(stdout, stderr);
        if (process.ExitCode != 0)
            throw new BenchmarkSetupException($"`Registry.Api {string.Join(' ', arguments)}` exited with {process.ExitCode}: {Tail(errors.ToString())}{Tail(output.ToString())}");
        return output.ToString();
    }

    public async Task<string> TokenAsync(string user, string role, IEnumerable<string>? sites = null) =>
        (await RunAsync(["token", "--user", user, "--role", role, "--hours", "8", .. (sites ?? []).SelectMany(s => new[] { "--site", s })])).Trim();

    public RunningRegistry Serve(string logPath, IDictionary<string, string>? environment = null)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var process = Start(["--urls", url], environment, server: true);
        return new RunningRegistry(process, url, logPath);
    }

    private Process Start(IReadOnlyList<string> arguments, IDictionary<string, string>? environment, bool server)
    {
        var start = new ProcessStartInfo("dotnet", ["Registry.Api.dll", .. arguments])
        {
            WorkingDirectory = server ? apiDirectory : verbDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Registry__DataDirectory"] = dataDirectory;
        start.Environment["Registry__DemoStudy__LoadOnFirstRun"] = "false";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment.Remove("ConnectionStrings__Registry");
        // The server as deploy/ runs a node: .NET sizes gen0 from the L3 cache, which this VM reports as 260 MiB (an ~80 MB
        // gen0 budget); 16 MB is what a usual server's cache gives (docs/performance.md, "Memory, third round"). The verbs
        // run as a user runs them, with .NET's own sizing (the 16 MB budget cost the seed ~8% of its CPU).
        if (server && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_GCgen0size"))) start.Environment["DOTNET_GCgen0size"] = "0x1000000";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new BenchmarkSetupException("Could not start `dotnet Registry.Api.dll`.");
        lock (Started) Started.Add(process);
        return process;
    }

    private static readonly List<Process> Started = [];
    private static readonly List<PosixSignalRegistration> Signals = [];

    /// <summary>On Ctrl+C or SIGTERM the registry processes this run started stop too (SIGTERM: each lets go of its cluster cleanly).</summary>
    public static void StopChildrenOnSignal()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            Signals.Add(PosixSignalRegistration.Create(signal, _ =>
            {
                Process[] running;
                lock (Started) running = Started.Where(p => { try { return !p.HasExited; } catch (InvalidOperationException) { return false; } }).ToArray();
                foreach (var child in running)
                {
                    Console.Error.WriteLine($"Stopping registry process {child.Id} ...");
                    using var kill = Process.Start("kill", ["-TERM", child.Id.ToString(CultureInfo.InvariantCulture)]);
                    kill.WaitForExit();
                }
                foreach (var child in running) child.WaitForExit(60_000);
            }));
    }

    internal static Task Pump(StreamReader reader, Action<string> line) => Task.Run(async () =>
    {
        while (await reader.ReadLineAsync() is { } l) line(l);
    });

    private static string Tail(string text) => text.Length > 2000 ? "…" + text[^2000..] : text;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A registry server this benchmark started; disposing stops it (SIGTERM, so it lets go of its cluster cleanly).</summary>
public sealed class RunningRegistry : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;
    private readonly List<string> _lines = [];

    public string Url { get; }
    public int ProcessId => _process.Id;

    internal RunningRegistry(Process process, string url, string logPath)
    {
        _process = process;
        Url = url;
        _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        void Line(string l) { lock (_lines) { _lines.Add(l); _log.WriteLine(l); } }
        _pumps = Task.WhenAll(RegistryBinary.Pump(process.StandardOutput, Line), RegistryBinary.Pump(process.StandardError, Line));
    }

    public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

    public bool HasExited => _process.HasExited;

    /// <summary>Resident memory of the server process (VmRSS in /proc/PID/status), in MB.</summary>
    public double ResidentMegabytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }

    public async Task WaitHealthyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
                throw new BenchmarkSetupException($"The registry exited with {_process.ExitCode} before answering /health:{Environment.NewLine}{string.Join(Environment.NewLine, Lines.TakeLast(20))}");
            try
            {
                using var response = await http.GetAsync($"{Url}/health");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new BenchmarkSetupException($"The registry did not answer /health within {timeout.TotalSeconds:F0} s.");
            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Waits until <c>/health/ready</c> answers 200, as a load balancer would: the study views warmed (or warming failed
    /// or is off). The warm-up reads every patient once, seconds of CPU that would otherwise be counted against the
    /// first operations measured.
    /// </summary>
    public async Task WaitViewsWarmedAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
                throw new BenchmarkSetupException($"The registry exited with {_process.ExitCode} while warming its study views:{Environment.NewLine}{string.Join(Environment.NewLine, Lines.TakeLast(20))}");
            try
            {
                using var response = await http.GetAsync($"{Url}/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new BenchmarkSetupException($"The registry was not ready (its study views warmed) within {timeout.TotalSeconds:F0} s.");
            await Task.Delay(250);
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            // SIGTERM: the host shuts down and, as the last process attached, stops the embedded cluster.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await _process.WaitForExitAsync(wait.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        }
        await _pumps;
        await _log.DisposeAsync();
        _process.Dispose();
    }
}

/// <summary>Something the benchmark needs is missing or broke; its message says what, and the run stops.</summary>
public sealed class BenchmarkSetupException(string message) : Exception(message);
