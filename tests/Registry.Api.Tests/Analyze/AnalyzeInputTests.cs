using System.Text.Json;

namespace Registry.Api.Tests.Analyze;

/// <summary>
/// Awkward data: what the verb cannot analyse is refused with nothing on stdout, one line on stderr naming the row
/// and column, and exit code 2; what it can (no events, numeric group codes) is printed as R would.
/// </summary>
public sealed class AnalyzeInputTests : IDisposable
{
    private const string Header = "id,days,died,arm,site,age";
    private readonly string _directory = Directory.CreateTempSubdirectory("analyze-refusals-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string[], string, string> Refusals() => new()
    {
        // why, CSV rows below the header, extra arguments, what stderr must say
        { "non-numeric time", ["1,10,1,A,S1,60", "2,12,0,B,S1,61", "3,ten,1,A,S2,62"], "", "patients.csv: row 4, column \"days\": \"ten\" is not a number" },
        { "negative time", ["1,10,1,A,S1,60", "2,-3,0,B,S1,61"], "", "patients.csv: row 3, column \"days\": follow-up time -3 is negative" },
        { "event not 0/1", ["1,10,1,A,S1,60", "2,12,2,B,S1,61"], "", "patients.csv: row 3, column \"died\": \"2\" is not an event flag" },
        { "event as a word", ["1,10,yes,A,S1,60", "2,12,0,B,S1,61"], "", "patients.csv: row 2, column \"died\": \"yes\" is not an event flag" },
        { "missing group", ["1,10,1,A,S1,60", "2,12,0,,S1,61"], "", "patients.csv: row 3, column \"arm\": the value is missing" },
        { "non-numeric covariate", ["1,10,1,A,S1,60", "2,12,0,B,S1,NA"], "--covariates age", "patients.csv: row 3, column \"age\": \"NA\" is not a number" },
        { "missing stratum", ["1,10,1,A,S1,60", "2,12,0,B,NA,61"], "--strata site", "patients.csv: row 3, column \"site\": the value is missing" },
        { "short row", ["1,10,1,A,S1,60", "2,12,0"], "", "patients.csv: row 3 has 3 fields but the header has 6" },
        { "missing time column", ["1,10,1,A,S1,60"], "--time day", "patients.csv: row 1 (the header) has no column \"day\"" },
        { "missing covariate column", ["1,10,1,A,S1,60", "2,12,0,B,S1,61"], "--covariates age,ecog", "patients.csv: row 1 (the header) has no column \"ecog\"" },
        { "a single group", ["1,10,1,A,S1,60", "2,12,0,A,S1,61"], "", "column \"arm\": every patient is in group \"A\"" },
        { "unknown reference level", ["1,10,1,A,S1,60", "2,12,0,B,S1,61"], "--reference C", "--reference \"C\" is not a level of column \"arm\"" },
        { "no patients", [], "", "patients.csv: there are no patients below the header row" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Unusable_data_is_refused_with_one_line_naming_where(string why, string[] rows, string extra, string message)
    {
        var csv = Path.Combine(_directory, "patients.csv");
        await File.WriteAllLinesAsync(csv, [Header, .. rows]);

        var run = await AnalyzeRun.InvokeAsync(Arguments(csv, extra));

        AssertRefused(run, message, why);
    }

    [Fact]
    public async Task A_missing_file_is_refused()
    {
        var missing = Path.Combine(_directory, "nowhere.csv");

        var run = await AnalyzeRun.InvokeAsync("--csv", missing, "--time", "days", "--event", "died", "--group", "arm");

        AssertRefused(run, $"{missing}: no such file", "missing file");
    }

    [Fact]
    public async Task A_missing_file_given_by_a_relative_path_is_named_by_the_full_path_looked_at()
    {
        var run = await AnalyzeRun.InvokeAsync("--csv", "nowhere-relative.csv", "--time", "days", "--event", "died", "--group", "arm");

        AssertRefused(run, $"{Path.Combine(Directory.GetCurrentDirectory(), "nowhere-relative.csv")}: no such file", "missing file");
    }

    [Fact]
    public async Task Without_any_event_the_curves_and_counts_are_printed_and_every_hazard_ratio_is_null()
    {
        var csv = Path.Combine(_directory, "censored.csv");
        await File.WriteAllLinesAsync(csv, [Header, "1,10,0,A,S1,60", "2,12,0,B,S1,61", "3,14,0,B,S2,62"]);

        var run = await AnalyzeRun.InvokeAsync("--csv", csv, "--time", "days", "--event", "died", "--group", "arm");

        Assert.Equal(0, run.ExitCode);
        var json = run.Json;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("km")[0].GetProperty("median").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("logRank").GetProperty("p").ValueKind);
        var term = json.GetProperty("cox").GetProperty("terms")[0];
        Assert.Equal("arm=B", term.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, term.GetProperty("hr").ValueKind);
        Assert.Contains("no patient had an event", run.Stderr);
    }

    /// <summary>The usual columns, with any option in <paramref name="extra"/> added or replacing its default.</summary>
    [Fact]
    public async Task Numeric_group_codes_are_ordered_as_numbers_as_R_orders_factor_levels()
    {
        var csv = Path.Combine(_directory, "codes.csv");
        await File.WriteAllLinesAsync(csv, [Header, "1,10,1,10,S1,60", "2,12,1,9,S1,61", "3,14,0,2,S2,62", "4,5,1,9,S2,63", "5,7,1,10,S1,64"]);

        var run = await AnalyzeRun.InvokeAsync("--csv", csv, "--time", "days", "--event", "died", "--group", "arm");

        Assert.Equal(["2", "9", "10"], run.Json.GetProperty("km").EnumerateArray().Select(k => k.GetProperty("group").GetString()));
        Assert.Equal(["arm=9", "arm=10"], run.Json.GetProperty("cox").GetProperty("terms").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    private static string[] Arguments(string csv, string extra)
    {
        var options = new Dictionary<string, string> { ["--csv"] = csv, ["--time"] = "days", ["--event"] = "died", ["--group"] = "arm" };
        var words = extra.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < words.Length; i += 2) options[words[i]] = words[i + 1];
        return options.SelectMany(o => new[] { o.Key, o.Value }).ToArray();
    }

    private static void AssertRefused(AnalyzeRun run, string message, string why)
    {
        Assert.True(run.ExitCode == 2, $"{why}: exit code {run.ExitCode}, stderr {run.Stderr}");
        Assert.Equal("", run.Stdout);
        var lines = run.Stderr.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(message, lines[0]);
    }
}
