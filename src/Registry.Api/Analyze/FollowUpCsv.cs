using System.Globalization;
using CsvHelper;

namespace Registry.Api.Analyze;

/// <summary>One patient per entry, in file order, as read from the CSV.</summary>
public sealed record FollowUpTable(
    double[] Times,
    bool[] Events,
    string[] Groups,
    string[]? Strata,
    IReadOnlyList<(string Name, double[] Values)> Covariates);

/// <summary>
/// Reads the columns an <see cref="AnalysisPlan"/> names from a CSV with a header row. Rows are numbered as a
/// spreadsheet shows them (the header is row 1), so an error points at the line a coordinator would open.
/// </summary>
public static class FollowUpCsv
{
    // Comma-separated as R's write.csv, never guessed; numbers in invariant culture whatever the machine's locale.
    private static readonly CsvReaderOptions Options = new()
    {
        Separator = ',', TrimWhitespace = true, TrackLineNumbers = true, PoolStrings = true, FormatProvider = CultureInfo.InvariantCulture,
    };

    public static FollowUpTable Read(string path, AnalysisPlan plan)
    {
        // The full path: a relative one is read from the working directory, which `dotnet run` sets to the project's folder.
        if (!File.Exists(path)) throw new AnalysisInputException($"{Path.GetFullPath(path)}: no such file.");
        var file = Path.GetFileName(path);
        try
        {
            using var csv = CsvReader.FromFile(path, Options);
            return Read(csv, file, plan);
        }
        catch (IOException unreadable)
        {
            throw new AnalysisInputException($"{path}: cannot be read ({unreadable.Message}).");
        }
    }

    private static FollowUpTable Read(CsvReader csv, string file, AnalysisPlan plan)
    {
        var header = csv.Headers.ToArray();
        if (header.Length == 0) throw new AnalysisInputException($"{file}: the file is empty; it needs a header row.");
        int Column(string name) => Array.IndexOf(header, name) is var at and >= 0
            ? at
            : throw new AnalysisInputException($"{file}: row 1 (the header) has no column \"{name}\"; its columns are {string.Join(", ", header.Select(h => $"\"{h}\""))}.");
        var time = Column(plan.Time);
        var status = Column(plan.Event);
        var group = Column(plan.Group);
        var stratum = plan.Strata is null ? -1 : Column(plan.Strata);
        var covariates = plan.Covariates.Select(Column).ToArray();

        var times = new List<double>();
        var events = new List<bool>();
        var groups = new List<string>();
        var strata = new List<string>();
        var covariateValues = covariates.Select(_ => new List<double>()).ToArray();
        while (csv.Read())
        {
            var cell = new Cell(file, csv.LineNumber, header);
            if (csv.FieldCount < header.Length)
                throw new AnalysisInputException($"{file}: row {cell.Row} has {csv.FieldCount} fields but the header has {header.Length}.");
            times.Add(FollowUpTime(cell, time, csv.GetString(time)));
            events.Add(EventFlag(cell, status, csv.GetString(status)));
            groups.Add(Label(cell, group, csv.GetString(group)));
            if (stratum >= 0) strata.Add(Label(cell, stratum, csv.GetString(stratum)));
            for (var c = 0; c < covariates.Length; c++)
                covariateValues[c].Add(Covariate(cell, covariates[c], csv.GetString(covariates[c])));
        }
        if (times.Count == 0) throw new AnalysisInputException($"{file}: there are no patients below the header row.");
        return new FollowUpTable(
            times.ToArray(), events.ToArray(), groups.ToArray(), stratum >= 0 ? strata.ToArray() : null,
            plan.Covariates.Select((name, c) => (name, covariateValues[c].ToArray())).ToArray());
    }

    /// <summary>Where a value came from, for the error message: the row is the file's line, the header being row 1.</summary>
    private readonly record struct Cell(string File, long Row, string[] Header)
    {
        public AnalysisInputException Refuse(int column, string problem) =>
            new($"{File}: row {Row}, column \"{Header[column]}\": {problem}");
    }
    private static double FollowUpTime(Cell cell, int column, string text)
    {
        if (!TryNumber(text, out var time))
            throw cell.Refuse(column, $"\"{text}\" is not a number; follow-up time must be a number ≥ 0.");
        if (time < 0) throw cell.Refuse(column, $"follow-up time {text} is negative; it must be ≥ 0.");
        return time;
    }

    private static bool EventFlag(Cell cell, int column, string text) => text switch
    {
        "1" => true,
        "0" => false,
        _ => throw cell.Refuse(column, $"\"{text}\" is not an event flag; use 1 for an event and 0 for censored."),
    };

    // R reads an empty cell and "NA" as missing; dropping those patients silently would change the analysis.
    private static string Label(Cell cell, int column, string text) =>
        text is not ("" or "NA") ? text : throw cell.Refuse(column, "the value is missing; every patient needs one.");

    private static double Covariate(Cell cell, int column, string text) =>
        TryNumber(text, out var value) ? value : throw cell.Refuse(column, $"\"{text}\" is not a number; covariates must be numeric.");

    // Finite only: "NaN" and "Infinity" parse as doubles but are missing values to a clinician.
    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
