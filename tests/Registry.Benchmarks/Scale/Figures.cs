using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Benchmarks.Scale;

/// <summary>The 1-, 5- and 15-minute load averages of the machine (/proc/loadavg), read at a measurement's start and end.</summary>
public sealed record LoadAverage(double One, double Five, double Fifteen)
{
    public static LoadAverage Now()
    {
        var parts = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ') : ["0", "0", "0"];
        return new(Parse(parts[0]), Parse(parts[1]), Parse(parts[2]));
        static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);
    }

    public override string ToString() => One.ToString("F2", CultureInfo.InvariantCulture);
}

/// <summary>One side of a figure: a rate (events/s) or a latency distribution, or both.</summary>
public sealed record Measured(double? Rate, string? RateUnit, double? P50Ms, double? P99Ms, int? Samples, double? Seconds)
{
    public static Measured OfRate(double rate, string unit, double seconds, IReadOnlyList<double>? latencies = null) =>
        new(rate, unit, latencies is { Count: > 0 } ? Percentiles.Of(latencies, 0.50) : null,
            latencies is { Count: > 0 } ? Percentiles.Of(latencies, 0.99) : null, latencies?.Count, seconds);

    public static Measured OfLatencies(IReadOnlyList<double> latencies) =>
        new(null, null, Percentiles.Of(latencies, 0.50), Percentiles.Of(latencies, 0.99), latencies.Count, null);

    public string Describe()
    {
        var parts = new List<string>();
        if (Rate is { } r) parts.Add($"{Number(r)} {RateUnit}");
        if (P50Ms is { } p50) parts.Add($"p50 {Ms(p50)}");
        if (P99Ms is { } p99) parts.Add($"p99 {Ms(p99)} ms");
        if (Rate is not null && Seconds is { } s) parts.Add($"({Number(s)} s)");
        else if (Samples is { } n && P50Ms is not null) parts.Add($"(n={n})");
        return string.Join(" ", parts);
    }

    public static string Number(double v) => v >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);
    private static string Ms(double v) => v.ToString(v >= 100 ? "F0" : "F1", CultureInfo.InvariantCulture);
}

/// <summary>
/// A figure of the benchmark: the registry's number beside the baseline measured in the same run, their ratio (what the
/// issue's targets are stated in), and the load average at the start and end of the measurement.
/// </summary>
public sealed record Figure(string Section, string Name, Measured? Registry, string BaselineName, Measured? Baseline, double? Ratio,
    string RatioMeaning, string? Target, LoadAverage LoadStart, LoadAverage LoadEnd, string? Note = null)
{
    /// <summary>A share of the raw rate as a percentage; a latency against its baseline as a multiple.</summary>
    public string BaselineText => Baseline is null && BaselineName == "—" ? "—" : $"{BaselineName}: {Baseline?.Describe() ?? "—"}";

    public string RatioText => Ratio switch
    {
        null => "—",
        { } r when RatioMeaning.StartsWith("of raw", StringComparison.Ordinal) => r < 0.1 ? $"{100 * r:F1}%" : $"{100 * r:F0}%",
        { } r => r < 10 ? $"{r:F2}×" : $"{r:F0}×",
    };
}

/// <summary>Nearest-rank percentiles, as the issue's figures are stated.</summary>
public static class Percentiles
{
    public static double Of(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0) throw new ArgumentException("No values to take a percentile of.", nameof(values));
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>The run's figures as the console table, Markdown (for docs/performance.md) and JSON.</summary>
public sealed class ScaleReport(ScaleRunHeader header)
{
    public ScaleRunHeader Header { get; set; } = header;

    private readonly List<Figure> _figures = [];
    private readonly List<string> _notes = [];

    public IReadOnlyList<Figure> Figures => _figures;

    public void Add(Figure figure)
    {
        _figures.Add(figure);
        Console.WriteLine(ConsoleLine(figure));
    }

    public void Note(string note)
    {
        _notes.Add(note);
        Console.WriteLine($"  note: {note}");
    }

    public static void PrintColumns() =>
        Console.WriteLine($"  {"figure",-52} {"registry",-42} {"baseline",-46} {"ratio",7}  load");

    private static string ConsoleLine(Figure f) =>
        $"  {f.Name,-52} {f.Registry?.Describe() ?? "—",-42} {f.BaselineText,-46} {f.RatioText,7}  {f.LoadStart}→{f.LoadEnd}" +
        (f.Note is null ? "" : $"  [{f.Note}]");

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"Measured {Header.Finished:yyyy-MM-dd HH:mm} UTC on commit `{Header.Commit}`, {Header.Patients:N0} patients / {Header.Events:N0} events " +
                      $"(study `{Header.StudyCode}`), {Environment.ProcessorCount} cores; load average (1 min) {Header.LoadStart} at start, {Header.LoadEnd} at end" +
                      (Header.Quick ? "; **quick run** (short durations)" : "") + ".");
        md.AppendLine();
        foreach (var section in _figures.GroupBy(f => f.Section))
        {
            md.AppendLine($"### {section.Key}");
            md.AppendLine();
            md.AppendLine("| figure | registry | baseline | ratio | target | load avg (start → end) |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var f in section)
                md.AppendLine($"| {Cell(f.Name)}{(f.Note is null ? "" : $" ({Cell(f.Note)})")} | {f.Registry?.Describe() ?? "—"} | {Cell(f.BaselineText)} | " +
                              $"{f.RatioText} {f.RatioMeaning} | {f.Target ?? ""} | {f.LoadStart} → {f.LoadEnd} |");
            md.AppendLine();
        }
        if (_notes.Count > 0)
        {
            foreach (var note in _notes) md.AppendLine($"- {note}");
            md.AppendLine();
        }
        return md.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|");

    /// <summary>A report written earlier (its JSON), to render again as Markdown.</summary>
    public static ScaleReport FromJson(string json)
    {
        var saved = JsonSerializer.Deserialize<Saved>(json, JsonOptions) ?? throw new BenchmarkSetupException("Not a scale report.");
        var report = new ScaleReport(saved.Header);
        report._figures.AddRange(saved.Figures);
        report._notes.AddRange(saved.Notes ?? []);
        return report;
    }

    private sealed record Saved(ScaleRunHeader Header, List<Figure> Figures, List<string>? Notes);

    public string ToJson() => JsonSerializer.Serialize(new { header = Header, figures = _figures, notes = _notes }, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

public sealed record ScaleRunHeader(string Commit, string StudyCode, int Patients, long Events, bool Quick, bool Reused, DateTime Started,
    DateTime Finished, LoadAverage LoadStart, LoadAverage LoadEnd);
