using Marten;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.Tests.Infrastructure;
using Registry.Api.Tests.StudyViews;
using Registry.Domain.Protocols;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.DemoStudy;

/// <summary>
/// The <c>report</c> verb's text for each demo study: <see cref="StudyReport.Render"/> on the scope the verb loads
/// (read-your-write, from the patient charts). It holds Tables 1–3 and a section per time-to-event endpoint of the
/// protocol; the motivating study's Table 1 prints the published counts.
/// </summary>
[Collection(AllDemoStudiesCollection.Name)]
public sealed class DemoStudyReportTests(AllDemoStudiesApp app)
{
    public static TheoryData<string> Studies() => new(AllDemoStudiesViewsTests.Protocols.Keys);

    private async Task<(string Report, StudyViewScope Scope)> ReportAsync(string code)
    {
        await using var session = app.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var (scope, refusal) = await StudyViewLoader.LoadAsync(session, app[code].StudyId, null, null, consistent: true, CancellationToken.None);
        Assert.True(scope is not null, refusal?.NotFound);
        return (StudyReport.Render(scope), scope);
    }

    [Theory]
    [MemberData(nameof(Studies))]
    public async Task The_report_has_the_three_tables_and_a_section_per_time_to_event_endpoint(string code)
    {
        var (report, scope) = await ReportAsync(code);
        await File.WriteAllTextAsync(Plots.PlotTests.Artifact($"{code.ToLowerInvariant()}-report.md"), report);
        var protocol = scope.Protocol;
        Assert.StartsWith($"# {code}: {protocol.Title}", report);
        Assert.Contains($"Patients enrolled: {app[code].Simulated.Patients}, analysable: {app[code].Simulated.Patients}.", report);
        foreach (var table in new[] { "## Table 1 — baseline characteristics", "## Table 2 — best overall response by arm", "## Table 3 — adverse events" })
            Assert.Contains(table, report);
        var sections = Lines(report).Where(l => l.StartsWith("## ") && !l.StartsWith("## Table")).ToList();
        var expected = AllDemoStudiesViewsTests.TimeToEventEndpoints(protocol).Select(e => $"## {EndpointCatalogue.Find(e)!.Name} ({e.ToUpperInvariant()}) from {(e == "dor" ? "first response" : protocol.TimeOrigin)}").ToList();
        Assert.Equal(expected, sections);

        // Every groupable dictionary variable has its rows in Table 1, each group's counts adding up to its patients.
        var table1 = Table1(report);
        foreach (var variable in protocol.GroupableVariables)
        {
            Assert.True(table1.ContainsKey(variable.Label), $"{code}: Table 1 has no rows for {variable.Label}.");
            var columns = table1[variable.Label].Values.First().Length;
            for (var c = 0; c < columns; c++)
                Assert.Equal(table1[variable.Label].Values.Sum(v => v[c]), table1[Label(protocol, protocol.GroupableVariables.First().Key)].Values.Sum(v => v[c]));
        }
    }

    [Fact]
    public async Task The_motivating_studys_Table_1_prints_the_published_counts()
    {
        var (report, scope) = await ReportAsync("NPC-RM-2L");
        // The report compares the plan's pooled groups, as the paper's tables do.
        var columns = Columns(report, "## Table 1", skip: 2);
        Assert.Equal(["IC+C (n=108)", "ITC+IT (n=118)"], columns.Order());
        var (icPlusC, itcPlusIt) = (columns.IndexOf("IC+C (n=108)"), columns.IndexOf("ITC+IT (n=118)"));
        var table1 = Table1(report);
        foreach (var published in Jiang2024.Table1)
        {
            var rows = table1[Label(scope.Protocol, published.Variable)];
            for (var i = 0; i < published.Groups.Length; i++)
                Assert.True(rows.TryGetValue(published.Groups[i], out var counts) && (counts[icPlusC], counts[itcPlusIt]) == (published.IcPlusC[i], published.ItcPlusIt[i]),
                    $"{Jiang2024.Citation}, Table 1: {published.Variable} {published.Groups[i]} is {published.IcPlusC[i]} (IC+C) vs {published.ItcPlusIt[i]} (ITC+IT); " +
                    $"the report prints {(counts is null ? "no row" : $"{counts[icPlusC]} vs {counts[itcPlusIt]}")}.");
            Assert.Equal(published.Groups.Length, rows.Count);
            var p = Lines(report).SkipWhile(l => !l.StartsWith("## Table 1")).First(l => l.StartsWith($"| {Label(scope.Protocol, published.Variable)} |")).Split('|')[^2].Trim();
            Assert.True(p.StartsWith(published.P.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)), $"{Jiang2024.Citation}, Table 1: {published.Variable} p = {published.P:F3}; the report prints {p}.");
        }
    }

    [Fact]
    public async Task The_motivating_studys_Tables_2_and_3_print_the_published_totals()
    {
        var (report, _) = await ReportAsync("NPC-RM-2L");
        var lines = Lines(report);
        Assert.Contains(lines, l => l.StartsWith("| ITC+IT | 118 | 7 | 44 | 54 | 13 | 0 | 51 (43.22%"));
        Assert.Contains(lines, l => l.StartsWith("| IC+C | 108 | 5 | 27 | 57 | 19 | 0 | 32 (29.63%"));
        Assert.Contains("ORR across groups: 0.034; DCR: 0.157.", report);
        var total = lines.Single(l => l.StartsWith("| **Total (patients)** |")).Split('|')[2..^1].Select(c => c.Trim()).ToArray();
        var columns = Columns(report, "## Table 3", skip: 1).Take(2).Select(c => c.Split(' ')[0]).ToList();
        var (icPlusC, itcPlusIt) = (columns.IndexOf("IC+C"), columns.IndexOf("ITC+IT"));
        Assert.True((total[icPlusC], total[itcPlusIt], total[2]) == ("102 (94.44%)", "107 (90.68%)", "0.284"), $"{Jiang2024.Citation}, Table 3: any adverse event 102 vs 107, p = 0.284; the report prints {string.Join(" | ", total)}.");
        Assert.True((total[3 + icPlusC], total[3 + itcPlusIt], total[5]) == ("40 (37.04%)", "25 (21.19%)", "0.009"), $"{Jiang2024.Citation}, Table 3: any grade ≥ 3 40 vs 25, p = 0.009; the report prints {string.Join(" | ", total)}.");
    }

    /// <summary>The column headings of a table after its first <paramref name="skip"/> columns, without the last (p).</summary>
    private static List<string> Columns(string report, string heading, int skip) =>
        Lines(report).SkipWhile(l => !l.StartsWith(heading)).Skip(1).First().Split('|')[1..^1].Select(c => c.Trim()).Skip(skip).SkipLast(1).ToList();

    private static string[] Lines(string report) => report.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

    private static string Label(Protocol protocol, string key) => protocol.Variable(key)!.Label;

    /// <summary>Table 1 as characteristic label → group → patients per column.</summary>
    private static Dictionary<string, Dictionary<string, int[]>> Table1(string report)
    {
        var table = new Dictionary<string, Dictionary<string, int[]>>();
        var current = "";
        foreach (var line in Lines(report).SkipWhile(l => !l.StartsWith("## Table 1")).Skip(3).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Split('|')[1..^1].Select(c => c.Trim()).ToArray();
            if (cells[0].Length > 0) current = cells[0];
            var counts = cells[2..^1].Select(c => int.Parse(c.Split(' ')[0])).ToArray();
            (table.TryGetValue(current, out var rows) ? rows : table[current] = [])[cells[1]] = counts;
        }
        return table;
    }
}
