using System.Globalization;

namespace Registry.Benchmarks.Scale;

/// <summary>
/// CPU seconds (user + system) spent by the registry's processes and by their PostgreSQL cluster, read from /proc. Unlike
/// a rate, CPU per write hardly moves with what else the machine runs, so it shows what a change saves on a busy machine.
/// </summary>
public sealed class ProcessorTime(IReadOnlyList<int> apiProcesses, string clusterDirectory)
{
    private const double TicksPerSecond = 100;

    public (double Api, double Postgres) Now() => (apiProcesses.Sum(p => Seconds(p, children: false)), PostgresSeconds());

    /// <summary>
    /// This benchmark's own CPU seconds: its clients share the machine's cores with the registry and PostgreSQL, more per
    /// HTTP request than per raw insert.
    /// </summary>
    public static double Client() => Seconds(Environment.ProcessId, children: false);

    /// <summary>Each registry process's CPU seconds on its own, in the order given: which node the work fell on.</summary>
    public double[] ByProcess() => [.. apiProcesses.Select(p => Seconds(p, children: false))];

    /// <summary>The postmaster with every child it has reaped (cutime) plus every backend still running.</summary>
    private double PostgresSeconds()
    {
        var pidFile = Path.Combine(clusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).First(), out var postmaster)) return double.NaN;
        var total = Seconds(postmaster, children: true);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Fields(pid) is { } f && f[1] == postmaster.ToString(CultureInfo.InvariantCulture))
                total += Ticks(f, 11) + Ticks(f, 12);
        return total;
    }

    private static double Seconds(int pid, bool children) =>
        Fields(pid) is { } f ? Ticks(f, 11) + Ticks(f, 12) + (children ? Ticks(f, 13) + Ticks(f, 14) : 0) : double.NaN;

    /// <summary>The fields of /proc/PID/stat after the command name: [0] state, [1] ppid, … [11] utime, [12] stime, [13] cutime, [14] cstime.</summary>
    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static double Ticks(string[] fields, int i) => double.Parse(fields[i], CultureInfo.InvariantCulture) / TicksPerSecond;
}
