using System.CommandLine;
using System.Text.Json;
using Registry.Api.Cli;

namespace Registry.Api.Tests.Analyze;

/// <summary>What one in-process run of <c>analyze</c> printed, and its exit code.</summary>
public sealed record AnalyzeRun(int ExitCode, string Stdout, string Stderr)
{
    public static readonly string DataDirectory = Path.Combine(AppContext.BaseDirectory, "Analyze", "Data");

    /// <summary>Runs the verb through the registry's own command line, with stdout and stderr captured.</summary>
    public static async Task<AnalyzeRun> InvokeAsync(params string[] arguments)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await RegistryCli.RunAsync(["analyze", .. arguments], new InvocationConfiguration { Output = output, Error = error });
        return new AnalyzeRun(exitCode, output.ToString(), error.ToString());
    }

    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;
}
