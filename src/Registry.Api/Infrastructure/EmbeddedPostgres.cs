using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Registry.Api.Infrastructure;

/// <summary>Thrown when no PostgreSQL server binaries can be found; its message is the one line a user needs.</summary>
public sealed class PostgresNotInstalledException(string message) : RegistrySetupException(message);

/// <summary>
/// A private PostgreSQL cluster owned by the registry: its own data directory, a free loopback port, a generated
/// password. Every process that opens it starts it or adopts the running server; the last one to let go stops it
/// (<see cref="ClusterLocks"/>), so the next registry adopts the server a killed one left, and a second registry
/// never pulls the server from under the first. PostgreSQL refuses to run as root, so under root every server command runs as the
/// <c>postgres</c> OS user.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    public const string Superuser = "registry";

    private readonly string _binDirectory;
    private readonly bool _asRoot;
    private readonly string _serverOptions;
    private readonly ClusterLocks _locks;
    private readonly Action<string> _log;
    private FileStream? _attached;

    public string ClusterDirectory { get; }
    public int Port { get; }
    private string Password { get; }

    private EmbeddedPostgres(string binDirectory, bool asRoot, string clusterDirectory, int port, string serverOptions, string password,
        ClusterLocks locks, FileStream attached, Action<string> log)
    {
        _binDirectory = binDirectory;
        _asRoot = asRoot;
        ClusterDirectory = clusterDirectory;
        Port = port;
        _serverOptions = serverOptions;
        Password = password;
        _locks = locks;
        _attached = attached;
        _log = log;
    }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Superuser,
        Password = Password,
        Database = database,
    }.ConnectionString;

    /// <summary>Finds initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin (newest version first).</summary>
    public static string FindBinaries(string? searchPath = null, string debianRoot = "/usr/lib/postgresql")
    {
        var candidates = (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists(debianRoot)
                ? Directory.GetDirectories(debianRoot)
                    .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                    .Select(d => Path.Combine(d, "bin"))
                : []);
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new PostgresNotInstalledException(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/*/bin: " +
                "install them (Debian/Ubuntu: apt-get install -y postgresql) or set ConnectionStrings__Registry to an existing server.");
    }

    /// <summary>
    /// Initialises the cluster on first use, then starts it or adopts the server already running on it (one a killed
    /// registry left behind, or another registry's), and attaches this process to it until disposed.
    /// </summary>
    public static async Task<EmbeddedPostgres> StartAsync(string clusterDirectory, bool durable, Action<string> log)
    {
        var bin = FindBinaries();
        clusterDirectory = Path.GetFullPath(clusterDirectory);
        var asRoot = Environment.UserName == "root";
        if (asRoot) clusterDirectory = RootReachable(clusterDirectory, log);
        Directory.CreateDirectory(Path.GetDirectoryName(clusterDirectory)!);

        var locks = new ClusterLocks(clusterDirectory);
        await using var starting = await locks.StartingAsync();
        var attached = locks.Attach();
        try
        {
            var passwordFile = Path.Combine(clusterDirectory, "registry-password");
            if (!File.Exists(Path.Combine(clusterDirectory, "PG_VERSION")))
                await InitialiseAsync(bin, clusterDirectory, passwordFile, asRoot, log);
            var password = (await File.ReadAllTextAsync(passwordFile)).Trim();

            if (await RunningPortAsync(bin, clusterDirectory, asRoot) is { } runningPort)
            {
                log($"Using the registry's PostgreSQL already running from {clusterDirectory} on port {runningPort}; this process now shares it.");
                return new EmbeddedPostgres(bin, asRoot, clusterDirectory, runningPort, ServerOptions(bin, runningPort, durable), password, locks, attached, log);
            }

            var port = FreeLoopbackPort();
            var cluster = new EmbeddedPostgres(bin, asRoot, clusterDirectory, port, ServerOptions(bin, port, durable), password, locks, attached, log);
            var (code, output) = await cluster.StartServerAsync();
            if (code != 0)
                throw new InvalidOperationException($"pg_ctl could not start the registry's PostgreSQL in {clusterDirectory}: {output.Trim()} (see server.log there)");
            log($"Started the registry's PostgreSQL from {clusterDirectory} on 127.0.0.1:{port}.");
            return cluster;
        }
        catch
        {
            await attached.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the server again on the same port if its postmaster is gone (killed, crashed); true if it did. Backends
    /// of a killed postmaster hold its shared memory for a moment after, so a refused start is retried for a while.
    /// </summary>
    public async Task<bool> RestartIfStoppedAsync(CancellationToken ct)
    {
        await using var starting = await _locks.StartingAsync(ct);
        if (await RunningPortAsync(_binDirectory, ClusterDirectory, _asRoot) is not null) return false;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var (code, output) = await StartServerAsync();
            if (code == 0)
            {
                _log($"Restarted the registry's PostgreSQL from {ClusterDirectory} on 127.0.0.1:{Port} after it stopped unexpectedly.");
                return true;
            }
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"pg_ctl could not restart the registry's PostgreSQL in {ClusterDirectory}: {output.Trim()} (see server.log there)");
            await Task.Delay(500, ct);
        }
    }

    public async Task EnsureDatabaseAsync(string database)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection)
        {
            Parameters = { new() { Value = database } }
        };
        if (await exists.ExecuteScalarAsync() is null)
        {
            await using var create = new NpgsqlCommand($"create database \"{database.Replace("\"", "\"\"")}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Detaches this process; the last one attached stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_attached is null) return;
        await using var starting = await _locks.StartingAsync();
        await _attached.DisposeAsync();
        _attached = null;
        await using var last = _locks.LastOneOut();
        if (last is null)
        {
            _log($"Left the registry's PostgreSQL in {ClusterDirectory} running for the other registry processes attached to it.");
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await RunAsync(_binDirectory, "pg_ctl", _asRoot, "stop", "-D", ClusterDirectory, "-m", "fast", "-w");
        _log($"Stopped the registry's PostgreSQL in {ClusterDirectory} (no other registry process attached).");
    }

    /// <summary>
    /// Stops the server of a cluster no registry process is attached to any more (its processes killed before they
    /// could stop it); true if it stopped one. A server some process is still attached to keeps running.
    /// </summary>
    public static async Task<bool> StopAbandonedAsync(string clusterDirectory, Action<string> log)
    {
        var bin = FindBinaries();
        var asRoot = Environment.UserName == "root";
        var locks = new ClusterLocks(clusterDirectory);
        await using var starting = await locks.StartingAsync();
        await using var last = locks.LastOneOut();
        if (last is null || await RunningPortAsync(bin, clusterDirectory, asRoot) is null) return false;
        var (code, output) = await RunAsync(bin, "pg_ctl", asRoot, "stop", "-D", clusterDirectory, "-m", "fast", "-w");
        if (code != 0) throw new InvalidOperationException($"pg_ctl could not stop the abandoned PostgreSQL in {clusterDirectory}: {output.Trim()}");
        log($"Stopped the PostgreSQL in {clusterDirectory}, which no registry process was attached to any more.");
        return true;
    }

    private static string ServerOptions(string bin, int port, bool durable) =>
        (durable ? $"-p {port}" : $"-p {port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off") + ToastCompression(bin);

    /// <summary>
    /// lz4 for values PostgreSQL compresses (the charts, ≈ 5 KB of jsonb each, rewritten on every entry), when the server
    /// was built with it: it cost a quarter of pglz's time per chart, measured on the 10 000-patient demo.
    /// </summary>
    private static string ToastCompression(string bin) => ServerBuiltWithLz4(bin) ? " -c default_toast_compression=lz4" : "";

    /// <summary>What <c>pg_config</c> beside the server says (a bin directory on PATH may hold only links to the server's own).</summary>
    public static bool ServerBuiltWithLz4(string bin)
    {
        var server = new FileInfo(Path.Combine(bin, "postgres"));
        var serverBin = (server.Exists ? Path.GetDirectoryName(server.ResolveLinkTarget(returnFinalTarget: true)?.FullName) : null) ?? bin;
        var pgConfig = Path.Combine(serverBin, "pg_config");
        if (!File.Exists(pgConfig)) return false;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(pgConfig, "--configure") { RedirectStandardOutput = true, UseShellExecute = false });
            if (process is null) return false;
            var configure = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return configure.Contains("--with-lz4", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private Task<(int ExitCode, string Output)> StartServerAsync() => RunAsync(_binDirectory, "pg_ctl", _asRoot, ServerEnvironment(),
        "start", "-D", ClusterDirectory, "-w", "-t", "60", "-l", Path.Combine(ClusterDirectory, "server.log"), "-o", _serverOptions);

    /// <summary>
    /// The server's C library keeps the memory its backends free rather than handing it back to the kernel after every
    /// statement: a write's statements take hundreds of KB (the chart's JSON parsed), which glibc gave back (the heap
    /// shrunk, the TLB flushed) and took again at the next write (page faults), about a sixth of the server's CPU per
    /// write. Blocks under 32 MB come from the heap, not mmap; the heap is shrunk only past 64 MB free and grown 8 MB at
    /// a time. A setting the registry was started with is passed on as it is.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ServerEnvironment() =>
        KeptMemory.Where(setting => Environment.GetEnvironmentVariable(setting.Key) is null).ToDictionary();

    /// <summary>glibc's own names for its malloc tunables (each read at the server's start).</summary>
    public static readonly IReadOnlyDictionary<string, string> KeptMemory = new Dictionary<string, string>
    {
        ["MALLOC_MMAP_THRESHOLD_"] = "33554432",
        ["MALLOC_TRIM_THRESHOLD_"] = "67108864",
        ["MALLOC_TOP_PAD_"] = "8388608",
    };

    private static async Task InitialiseAsync(string bin, string clusterDirectory, string passwordFile, bool asRoot, Action<string> log)
    {
        // initdb into a scratch directory and rename on success, so a failure leaves nothing half-created.
        var parent = Path.GetDirectoryName(clusterDirectory)!;
        Directory.CreateDirectory(parent);
        var scratch = clusterDirectory + ".initialising";
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        Directory.CreateDirectory(scratch);
        var scratchPassword = Path.Combine(parent, $".registry-password-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllTextAsync(scratchPassword, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(scratchPassword, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (asRoot) { Chown(scratch); Chown(scratchPassword); }
            log($"Creating the registry's PostgreSQL cluster in {clusterDirectory} (first run)...");
            var (code, output) = await RunAsync(bin, "initdb", asRoot,
                "-D", scratch, "-U", Superuser, "--pwfile", scratchPassword, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C");
            if (code != 0) throw new InvalidOperationException($"initdb failed: {output.Trim()}");

            // Loopback TCP only: no socket directory that a normal user may not be allowed to write.
            await File.AppendAllTextAsync(Path.Combine(scratch, "postgresql.conf"),
                "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 300\n");
            File.Copy(scratchPassword, Path.Combine(scratch, "registry-password"));
            if (asRoot) Chown(Path.Combine(scratch, "registry-password"));
            Directory.Move(scratch, clusterDirectory);
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
            File.Delete(scratchPassword);
        }
    }

    /// <summary>The port of a server running on this cluster (read from postmaster.pid), or null when its postmaster is gone.</summary>
    private static async Task<int?> RunningPortAsync(string bin, string clusterDirectory, bool asRoot)
    {
        var pidFile = Path.Combine(clusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)) return null;
        var (code, _) = await RunAsync(bin, "pg_ctl", asRoot, "status", "-D", clusterDirectory);
        if (code != 0) return null;
        var lines = await File.ReadAllLinesAsync(pidFile);
        return lines.Length > 3 && int.TryParse(lines[3], out var port) ? port : null;
    }

    /// <summary>Under root the cluster must sit where the postgres user can reach it; otherwise fall back to /var/tmp.</summary>
    private static string RootReachable(string clusterDirectory, Action<string> log)
    {
        var parent = Path.GetDirectoryName(clusterDirectory)!;
        Directory.CreateDirectory(parent);
        var probe = Process.Start(new ProcessStartInfo("runuser", ["-u", "postgres", "--", "test", "-x", parent])
        {
            RedirectStandardError = true, RedirectStandardOutput = true
        }) ?? throw new InvalidOperationException("Could not run runuser to reach the postgres OS user.");
        probe.WaitForExit();
        if (probe.ExitCode == 0) return clusterDirectory;
        var hash = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(clusterDirectory)))[..12].ToLowerInvariant();
        var fallback = Path.Combine("/var/tmp", $"trial-registry-{hash}", "postgres");
        Directory.CreateDirectory(Path.GetDirectoryName(fallback)!);
        log($"The postgres OS user cannot reach {parent}; keeping the cluster in {fallback} instead.");
        return fallback;
    }

    private static void Chown(string path)
    {
        using var chown = Process.Start("chown", ["-R", "postgres:postgres", path]);
        chown.WaitForExit();
        if (chown.ExitCode != 0) throw new InvalidOperationException($"Could not hand {path} to the postgres OS user.");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string bin, string tool, bool asRoot, params string[] args) =>
        RunAsync(bin, tool, asRoot, new Dictionary<string, string>(), args);

    private static async Task<(int ExitCode, string Output)> RunAsync(string bin, string tool, bool asRoot, IReadOnlyDictionary<string, string> environment,
        params string[] args)
    {
        var executable = Path.Combine(bin, tool);
        var start = asRoot
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", executable, .. args])
            : new ProcessStartInfo(executable, args);
        // runuser passes the environment on to the tool, and pg_ctl to the server it starts.
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // The server outlives this call; it must not inherit our stdout pipe or we would wait for it forever.
        start.RedirectStandardInput = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
