using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;

namespace Registry.Api.Cli;

/// <summary>
/// The bulk verbs (<c>import</c>, <c>seed</c>) run without the JIT's tiered PGO, the server keeps it. A verb lives
/// seconds and never repays PGO's instrumented code (a third of its CPU, docs/performance.md, "Bulk, eighth round"),
/// while the server's warm write paths gain from it; the runtime reads the setting once, at its start, for the whole
/// process. So a bulk verb replaces its own process image (execve: same process id, arguments, standard streams and
/// environment, plus <c>DOTNET_TieredPGO=0</c>) before it does anything: no second process to forward signals to.
/// Run from a ReadyToRun publish, it also starts without the JIT's tiers: its code is compiled ahead of time, and what
/// the JIT still compiles is compiled once, optimised (docs/performance.md, "Bulk, twelfth round").
/// </summary>
public static class BulkVerbRuntime
{
    public const string Setting = "DOTNET_TieredPGO";

    public const string TiersSetting = "DOTNET_TieredCompilation";

    private static readonly string[] BulkVerbs = ["import", "seed"];

    /// <summary>
    /// Whether these arguments, in this environment, start the process again without PGO: a bulk verb, on Linux, where
    /// nobody chose the setting (the user; or this very process, already started again) and no tool started the
    /// process to trace it (<c>dotnet-trace collect -- …</c> would see only the first image).
    /// </summary>
    public static bool StartsAgain(string[] args, Func<string, string?> environment) =>
        args.Length > 0 && BulkVerbs.Contains(args[0], StringComparer.Ordinal) && OperatingSystem.IsLinux()
        && environment(Setting) is null && environment("COMPlus_TieredPGO") is null && environment("DOTNET_DiagnosticPorts") is null;

    /// <summary>
    /// The settings the process starts again with: PGO off; the tiers off too when its own code is compiled ahead of time
    /// (with tiers off an IL-only build compiles its whole serial start optimised, which made the import no shorter:
    /// "Bulk, ninth round") and nobody chose them.
    /// </summary>
    public static IReadOnlyList<string> Settings(bool readyToRun, Func<string, string?> environment) =>
        readyToRun && environment(TiersSetting) is null && environment("COMPlus_TieredCompilation") is null
            ? [$"{Setting}=0", $"{TiersSetting}=0"]
            : [$"{Setting}=0"];

    /// <summary>Whether the assembly at this path holds code compiled ahead of time (a ReadyToRun image), not IL alone.</summary>
    public static bool IsReadyToRun(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var image = new PEReader(stream);
        return image.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    /// <summary>Replaces this process with itself without PGO when <see cref="StartsAgain"/>; returns only when it did not.</summary>
    public static void StartAgainWithoutPgo(string[] args)
    {
        if (!StartsAgain(args, Environment.GetEnvironmentVariable)) return;
        // The process's own command line and environment, byte for byte, as the kernel started it.
        var argv = Split(File.ReadAllBytes("/proc/self/cmdline"));
        var settings = Settings(IsReadyToRun(typeof(BulkVerbRuntime).Assembly.Location), Environment.GetEnvironmentVariable);
        var envp = Split(File.ReadAllBytes("/proc/self/environ")).Concat(settings.Select(System.Text.Encoding.UTF8.GetBytes)).ToList();
        // The runtime's diagnostics socket is named after the process id, which the new image keeps: left in place, it
        // stops the new runtime from listening (no dotnet-trace, dotnet-counters) and outlives the verb.
        foreach (var socket in Directory.EnumerateFiles(Path.GetTempPath(), $"dotnet-diagnostic-{Environment.ProcessId}-*-socket"))
            File.Delete(socket);
        var pointers = new List<nint>();
        try
        {
            nint[] Terminated(IEnumerable<byte[]> strings) => [.. strings.Select(s =>
            {
                var p = Marshal.AllocHGlobal(s.Length + 1);
                pointers.Add(p);
                Marshal.Copy(s, 0, p, s.Length);
                Marshal.WriteByte(p, s.Length, 0);
                return p;
            }), 0];
            Execve("/proc/self/exe", Terminated(argv), Terminated(envp));
        }
        finally
        {
            // Reached only when execve failed: the verb runs on, with PGO.
            foreach (var p in pointers) Marshal.FreeHGlobal(p);
        }
    }

    private static List<byte[]> Split(byte[] nulSeparated)
    {
        var strings = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < nulSeparated.Length; i++)
        {
            if (nulSeparated[i] != 0) continue;
            strings.Add(nulSeparated[start..i]);
            start = i + 1;
        }
        return strings;
    }

    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int Execve(string path, nint[] argv, nint[] envp);
}
