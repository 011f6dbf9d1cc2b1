using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Registry.Api.Infrastructure;

namespace Registry.EndToEnd;

/// <summary>
/// The registry as an operator starts it — <c>dotnet Registry.Api.dll</c> in its own process on a loopback port of its own choosing,
/// with its embedded PostgreSQL in a fresh data directory under the temp directory — so the first start loads the
/// demo studies and prints the first admin's one-time password, which the tests read from its output.
/// </summary>
public sealed partial class RegistryServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _oneTimePassword = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Uri> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri Address => _serving.Task.IsCompletedSuccessfully ? _serving.Task.Result : throw new InvalidOperationException("The registry has not said where it serves yet.");
    public string DataDirectory { get; }

    /// <summary>Signs the bearer tokens the tests may mint for setting up data through the API.</summary>
    public byte[] SigningKey { get; }

    private RegistryServer(Process process, string dataDirectory, byte[] signingKey)
    {
        _process = process;
        DataDirectory = dataDirectory;
        SigningKey = signingKey;
    }

    public static async Task<RegistryServer> StartAsync(TimeSpan within)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("registry-e2e-").FullName;
        // Run as root, the cluster runs as the postgres user, who must reach it (the temp subdirectory is owner-only).
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dataDirectory, (UnixFileMode)0b111_101_101);
        var signingKey = RandomNumberGenerator.GetBytes(32);
        // Port 0: the registry binds a port of its own and prints it. A port picked here and bound later could be taken
        // in between as the local port of another client connection.
        var start = new ProcessStartInfo("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Registry.Api.dll"), "--urls", "http://127.0.0.1:0", "--contentRoot", AppContext.BaseDirectory])
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["Registry__DataDirectory"] = dataDirectory,
                ["Auth__SigningKey"] = Convert.ToBase64String(signingKey),
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Registry"] = "Information",
            },
        };
        start.Environment.Remove("ConnectionStrings__Registry");

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the registry.");
        var server = new RegistryServer(process, dataDirectory, signingKey);
        process.OutputDataReceived += (_, e) => server.Read(e.Data);
        process.ErrorDataReceived += (_, e) => server.Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilServingAsync(within);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>What the registry printed on its first start: the admin's password, shown only then.</summary>
    public Task<string> OneTimePassword => _oneTimePassword.Task;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private void Read(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (FirstStartLine().Match(line) is { Success: true } first) _oneTimePassword.TrySetResult(first.Groups["password"].Value);
        if (RegistryHost.ServedAddress(line) is { } address) _serving.TrySetResult(address);
    }

    [GeneratedRegex(@"First start: sign in at /signin as 'admin' with the one-time password (?<password>\S+) ")]
    private static partial Regex FirstStartLine();

    /// <summary>The demo studies load before the host starts, so it says where it serves, and /health answers, only once they are in.</summary>
    private async Task WaitUntilServingAsync(TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(_serving.Task, exited, Task.Delay(within)) != _serving.Task)
            throw exited.IsCompleted
                ? new InvalidOperationException($"The registry exited with code {_process.ExitCode} before it served:\n{Output}")
                : new TimeoutException($"The registry did not say where it serves within {within}:\n{Output}");
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The registry exited with code {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await client.GetAsync("/health");
                if (response.IsSuccessStatusCode && await response.Content.ReadAsStringAsync() == "Healthy") break;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (watch.Elapsed > within)
                throw new TimeoutException($"The registry at {Address} was not serving within {within}:\n{Output}");
            await Task.Delay(200);
        }
        if (await Task.WhenAny(OneTimePassword, Task.Delay(TimeSpan.FromSeconds(10))) != OneTimePassword)
            throw new InvalidOperationException($"The registry's first start printed no one-time password for the admin:\n{Output}");
    }

    /// <summary>
    /// SIGTERM, as an operator stops it, so the registry also stops its embedded PostgreSQL; then the data directory goes.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(_process.Id, 15);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { _process.Kill(); }
        }
        _process.Dispose();
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // a PostgreSQL still shutting down
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
