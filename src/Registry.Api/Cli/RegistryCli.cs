using System.CommandLine;
using Registry.Api.Auth;

namespace Registry.Api.Cli;

/// <summary>
/// Verbs run instead of the web host when the first argument names one; anything else (e.g. --urls) goes to the host.
/// </summary>
public static class RegistryCli
{
    private static readonly string[] Verbs = ["token", "rebuild", "seed", "verify", "analyze", "report"];

    public static bool IsVerb(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    /// <param name="invocation">Where verbs that honour it write (analyze does); the console when null.</param>
    public static async Task<int> RunAsync(string[] args, InvocationConfiguration? invocation = null)
    {
        var root = new RootCommand("Trial Registry: run with no verb to serve the API.")
        {
            TokenVerb.Create(),
            RebuildVerb.Create(),
            SeedVerb.Create(),
            ReportVerb.Create(),
            VerifyVerb.Create(),
            AnalyzeVerb.Create(),
        };
        return await root.Parse(args).InvokeAsync(invocation);
    }
}
