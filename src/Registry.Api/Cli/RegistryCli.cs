using System.CommandLine;
using System.Runtime.InteropServices;
using Registry.Api.Infrastructure;

namespace Registry.Api.Cli;

/// <summary>
/// The registry's command line. With no arguments, or only the host's own (<c>--urls</c>, <c>--environment</c>,
/// <c>--contentRoot</c>, a setting as <c>--Section:Key=value</c> or <c>--Section:Key value</c>), the process serves the registry; anything else is a
/// verb, and a verb or option the registry does not know is an error (exit code 2) that starts no server.
/// </summary>
public static class RegistryCli
{
    /// <summary>Exit code of a command line the registry cannot read (unknown verb or option, missing value).</summary>
    public const int UsageError = 2;

    private static readonly string[] HostOptions = ["urls", "environment", "contentRoot", "applicationName"];

    /// <summary>Whether these arguments start the web server rather than a verb.</summary>
    public static bool Serves(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || args[i].Length == 2) return false;
            // --Key=value is a setting, as the host reads it (the test host passes every setting so, sections too).
            if (args[i].Contains('=')) continue;
            var name = args[i][2..];
            if (!HostOptions.Contains(name, StringComparer.OrdinalIgnoreCase) && !name.Contains(':')) return false;
            // The value follows as the next argument.
            if (++i >= args.Length || args[i].StartsWith("--", StringComparison.Ordinal)) return false;
        }
        return true;
    }

    /// <param name="invocation">Where verbs write (their output and errors); the console when null.</param>
    /// <param name="configuration">Where verbs that open the database find it; the registry's own sources when null.</param>
    /// <param name="input">What <c>--password-stdin</c> reads; the console when null.</param>
    public static async Task<int> RunAsync(string[] args, InvocationConfiguration? invocation = null, IConfiguration? configuration = null, TextReader? input = null)
    {
        var settings = () => configuration ?? CliConfiguration.Load();
        var root = new RootCommand(
            "Trial Registry. With no verb it serves the registry (--urls, --environment, or any setting as --Section:Key=value, " +
            "e.g. --Registry:DemoStudy:LoadOnFirstRun=false); with a verb it runs the verb against the same database and exits.")
        {
            TokenVerb.Create(),
            UserVerb.Create(settings, input ?? Console.In),
            SeedVerb.Create(),
            ReportVerb.Create(),
            VerifyVerb.Create(),
            RebuildVerb.Create(),
            AnalyzeVerb.Create(),
            ImportVerb.Create(settings),
            DatasetsVerb.Create(settings),
            FhirVerb.Create(settings),
            CodegenVerb.Create(),
        };
        var parse = root.Parse(args);
        // Run from the console, the signals are the verb's own to handle (the command line's handler gives up after 2 s).
        using var stopping = invocation is null ? new StoppingOnSignal() : null;
        invocation ??= new InvocationConfiguration { ProcessTerminationTimeout = null };
        // A setup problem (the data directory, PostgreSQL) is the operator's to fix: its one line, not a stack trace.
        invocation.EnableDefaultExceptionHandler = false;
        int exitCode;
        try
        {
            exitCode = await parse.InvokeAsync(invocation, stopping?.Token ?? CancellationToken.None);
        }
        catch (Exception) when (stopping?.ExitCode is { } stopped)
        {
            // Whatever the cancellation surfaced as (a cancelled statement, a wrapped one): the verb was asked to stop.
            return stopped;
        }
        catch (RegistrySetupException setup)
        {
            await invocation.Error.WriteLineAsync(setup.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 1;
        }
        catch (Exception unexpected)
        {
            // As the command line's own handler reports any other failure.
            await invocation.Error.WriteLineAsync($"Unhandled exception: {unexpected}");
            return 1;
        }
        return parse.Errors.Count > 0 ? UsageError : stopping?.ExitCode ?? exitCode;
    }

    /// <summary>
    /// Ctrl+C (SIGINT), SIGTERM and a closed terminal (SIGHUP) cancel the verb instead of ending the process at once, so
    /// it lets go of what it holds on the way out: the embedded cluster it started is stopped, not left running with no
    /// process attached. A second signal ends the process at once, as the runtime would have done with the first.
    /// </summary>
    private sealed class StoppingOnSignal : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly PosixSignalRegistration[] _registrations;
        private int _signal;

        public StoppingOnSignal() => _registrations = [On(PosixSignal.SIGHUP, 1), On(PosixSignal.SIGINT, 2), On(PosixSignal.SIGTERM, 15)];

        public CancellationToken Token => _cancel.Token;

        /// <summary>128 + the signal's number, as a shell reports a process a signal ended; null with no signal.</summary>
        public int? ExitCode => Volatile.Read(ref _signal) is var signal and > 0 ? 128 + signal : null;

        private PosixSignalRegistration On(PosixSignal signal, int number) => PosixSignalRegistration.Create(signal, context =>
        {
            if (Interlocked.CompareExchange(ref _signal, number, 0) != 0) return;
            context.Cancel = true;
            _cancel.Cancel();
        });

        public void Dispose()
        {
            foreach (var registration in _registrations) registration.Dispose();
            _cancel.Dispose();
        }
    }
}
