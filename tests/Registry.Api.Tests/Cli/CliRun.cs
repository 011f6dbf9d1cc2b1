using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Registry.Api.Cli;

namespace Registry.Api.Tests.Cli;

/// <summary>What one run of the registry's command line printed, and its exit code.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>In process, through <see cref="RegistryCli.RunAsync"/>, on the database named by <paramref name="connectionString"/>.</summary>
    public static async Task<CliRun> InvokeAsync(string[] args, string? connectionString = null, string? stdin = null, string? dataDirectory = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Registry"] = connectionString,
            ["Registry:DataDirectory"] = dataDirectory ?? Path.Combine(Path.GetTempPath(), "trial-registry-cli-tests"),
        }).Build();
        var exitCode = await RegistryCli.RunAsync(args, new InvocationConfiguration { Output = output, Error = error }, configuration, new StringReader(stdin ?? ""));
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>As an operator runs it: <c>dotnet Registry.Api.dll ARGS</c>, killed if it has not exited within <paramref name="within"/>.</summary>
    public static async Task<CliRun> ProcessAsync(string[] args, TimeSpan within)
    {
        var scratch = Directory.CreateTempSubdirectory("trial-registry-cli-");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Registry.Api.dll"), .. args])
        {
            WorkingDirectory = scratch.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["Registry__DataDirectory"] = scratch.FullName, ["Registry__DemoStudy__LoadOnFirstRun"] = "false" },
        };
        start.Environment.Remove("ConnectionStrings__Registry");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"'{string.Join(' ', args)}' was still running after {within}: {await stdout}{await stderr}");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}
