using System.Globalization;

namespace Registry.Benchmarks.Scale;

/// <summary>
/// <c>scale [--patients N] [--quick] [--data DIR] [--fresh] [--out DIR] [--only PHASES]</c>: sizes and durations of one run.
/// </summary>
public sealed record ScaleOptions(
    string Repository, int Patients, bool Quick, string DataDirectory, bool Fresh, string OutputDirectory, IReadOnlySet<string> Phases,
    TimeSpan WriteWarmUp, TimeSpan WriteDuration, int WritePatients, int ViewRequests, TimeSpan ViewBudget, TimeSpan ViewTimeout, int FreshnessTrials,
    string AsOf, string DataCut, IReadOnlyList<string> SkippedViews, IReadOnlyList<string> ViewsAsked)
{
    /// <summary>The writes phase's levels: how many clients write at once in each.</summary>
    public IReadOnlyList<int> WriteClients { get; init; } = [1, 2, 4];

    /// <summary>
    /// When set, each writes level ends after this many writes following its warm-up instead of after <see cref="WriteDuration"/>,
    /// and its CPU is counted over exactly those writes: the same work for every build compared.
    /// </summary>
    public long? WriteCount { get; init; }

    public const string DemoStudy = "NPC-RM-2L";
    public const int DemoPatients = 226;
    /// <summary>
    /// Spread so each patient gains only a few entries over the 1/2/4-client levels (~35 000 writes), as a trial's
    /// patients do between visits; 200 patients each grew ~175 entries, so the 4-client level timed 150-entry charts.
    /// </summary>
    public const int DefaultWritePatients = 4_000;

    public static readonly string[] AllPhases = ["load", "rebuild", "raw", "writes", "freshness", "import", "views", "nodes"];

    /// <summary>The demo study is multiplied by whole numbers: the scale that comes nearest the patients asked for.</summary>
    public int Scale => Math.Max(1, (int)Math.Round(Patients / (double)DemoPatients));
    public string StudyCode => Scale == 1 ? DemoStudy : $"{DemoStudy}-x{Scale}";

    public const string Usage = """
        scale [--patients N] [--quick] [--data DIR] [--fresh] [--out DIR] [--only PHASE,...]
                [--write-seconds S] [--write-count N] [--write-clients C,...] [--write-patients N] [--view-requests N] [--view-seconds S] [--freshness-trials N] [--as-of T] [--data-cut D]
                [--skip-views TEXT,...] [--views TEXT,...]
          --patients N      demo study NPC-RM-2L multiplied to about N patients (default 10000; --quick 2000)
          --quick           short durations: checks the harness in a few minutes
          --data DIR        data directory to load once and reuse (default $TMPDIR/trial-registry-scale-xSCALE)
          --fresh           delete the data directory first and load it again
          --out DIR         where scale-N.md and scale-N.json go (default artifacts/benchmarks)
          --only PHASES     some of: load, rebuild, raw, writes, freshness, import, views, nodes (load always runs when needed)
          --write-count N   writes phase: each level ends after N writes after its warm-up (not after S seconds), its CPU
                            per write counted over exactly those N: the steadier figure for comparing two builds
          --write-clients C writes phase: only these levels (default 1,2,4), e.g. 4
          --write-patients N writes phase: the N patients on treatment with the fewest entries take the writes in turn
                            (default 4000; fewer patients gain more entries each during the run, so longer charts are timed)
          --skip-views TEXT views phase: leave out the routes whose path contains any of these (e.g. datasets)
          --views TEXT      views phase: only the routes whose path contains any of these (e.g. datasets,define)
        """;

    public static ScaleOptions Parse(string[] args, string repository)
    {
        var quick = args.Contains("--quick");
        int? patients = null, viewRequests = null, trials = null, writePatients = null;
        long? writeCount = null;
        int[] writeClients = [1, 2, 4];
        double? writeSeconds = null, viewSeconds = null;
        string? data = null, output = null, asOf = null, dataCut = null;
        string[] skippedViews = [], viewsAsked = [];
        var fresh = false;
        IReadOnlySet<string> phases = AllPhases.ToHashSet();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new BenchmarkSetupException($"{args[i]} needs a value.{Environment.NewLine}{Usage}");
            switch (args[i])
            {
                case "--quick": break;
                case "--fresh": fresh = true; break;
                case "--patients": patients = Int(Value()); break;
                case "--data": data = Path.GetFullPath(Value()); break;
                case "--out": output = Path.GetFullPath(Value()); break;
                case "--write-seconds": writeSeconds = Double(Value()); break;
                case "--write-patients": writePatients = Int(Value()); break;
                case "--write-count": writeCount = Int(Value()); break;
                case "--write-clients": writeClients = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Int)]; break;
                case "--view-requests": viewRequests = Int(Value()); break;
                case "--view-seconds": viewSeconds = Double(Value()); break;
                case "--freshness-trials": trials = Int(Value()); break;
                case "--as-of": asOf = Value(); break;
                case "--data-cut": dataCut = Value(); break;
                case "--skip-views": skippedViews = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--views": viewsAsked = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--only":
                    phases = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
                    if (phases.Except(AllPhases).FirstOrDefault() is { } unknown)
                        throw new BenchmarkSetupException($"--only: unknown phase '{unknown}'.{Environment.NewLine}{Usage}");
                    break;
                default: throw new BenchmarkSetupException($"Unknown option '{args[i]}'.{Environment.NewLine}{Usage}");
            }
        }
        var n = patients ?? (quick ? 2_000 : 10_000);
        if (n < 1) throw new BenchmarkSetupException("--patients must be at least 1.");
        if (writeCount is < 1) throw new BenchmarkSetupException("--write-count must be at least 1.");
        if (writeClients.Length == 0 || writeClients.Any(c => c < 1)) throw new BenchmarkSetupException("--write-clients must name levels of at least 1 client.");
        if (writePatients is < 8) throw new BenchmarkSetupException("--write-patients must be at least 8 (four clients write to patients of their own).");
        var options = new ScaleOptions(repository, n, quick, "", fresh, output ?? Path.Combine(repository, "artifacts", "benchmarks"), phases,
            TimeSpan.FromSeconds(quick ? 1 : 3), TimeSpan.FromSeconds(writeSeconds ?? (quick ? 4 : 15)),
            writePatients ?? DefaultWritePatients,
            viewRequests ?? (quick ? 20 : 100), TimeSpan.FromSeconds(viewSeconds ?? (quick ? 3 : 15)), TimeSpan.FromSeconds(quick ? 60 : 120),
            trials ?? (quick ? 5 : 20),
            // Mid-study for the demo study (enrolment 2019–2021, its data cut 2022-03-31); its entries carry simulated recorded-at times.
            asOf ?? "2021-01-01T00:00:00Z", dataCut ?? "2020-12-31", skippedViews, viewsAsked);
        return options with
        {
            WriteCount = writeCount,
            WriteClients = writeClients,
            DataDirectory = data ?? Path.Combine(Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } tmp ? tmp : "/tmp", $"trial-registry-scale-x{options.Scale}"),
        };

        static int Int(string s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new BenchmarkSetupException($"'{s}' is not a whole number.");
        static double Double(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new BenchmarkSetupException($"'{s}' is not a number.");
    }
}
