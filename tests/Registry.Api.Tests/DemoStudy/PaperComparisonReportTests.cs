using Registry.Api.DemoStudy;
using Registry.Api.Reporting;
using Registry.Api.StudyViews;
using Registry.Domain.Studies;

namespace Registry.Api.Tests.DemoStudy;

/// <summary>The report verb's text on the default demo study: every figure placed beside the paper's, and how close it is.</summary>
public sealed class PaperComparisonReportTests
{
    private static readonly string Report = PaperComparisonReport.Render(new StudyViewScope(
        Study.Create(new StudyRegistered(Guid.NewGuid(), PublishedStudy.Code, PublishedStudy.Title, null, "PFS",
            PublishedStudy.Arms.Select(a => new Arm(a.Code, a.Name, Regimen.Unspecified)).ToList(), null)),
        SimulatedOutcomes.Derive(StudySimulator.Generate()), null, StudySimulator.DefaultDataCut));

    [Fact]
    public void Each_PFS_median_is_within_25_percent_of_the_published_one_and_says_so()
    {
        foreach (var arm in PublishedStudy.Arms)
        {
            var line = Report.Split('\n').Single(l => l.StartsWith($"| {arm.Code} | ") && l.Contains(arm.MedianPfsMonths.ToString("0.00")));
            Assert.Contains("within ±25%", line);
        }
    }

    [Fact]
    public void Every_published_significant_comparison_keeps_its_direction_in_the_report()
    {
        var rows = Report.Split('\n').Where(l => l.StartsWith("| PFS |") || l.StartsWith("| OS |")).ToList();
        Assert.Equal(PublishedStudy.Comparisons.Length, rows.Count);
        Assert.DoesNotContain(rows, r => r.TrimEnd().EndsWith("| no |"));
        Assert.Contains(rows, r => r.StartsWith("| OS | ITC vs C | 0.29"));
    }

    [Fact]
    public void The_three_tables_are_present_with_the_published_response_rates_beside_the_registrys()
    {
        Assert.Contains("## Table 1", Report);
        Assert.Contains("## Table 3", Report);
        var itc = Report.Split('\n').Single(l => l.StartsWith("| ITC | 70 |"));
        Assert.Contains("48.6 %", itc); // published ORR of ITC
        Assert.Contains("82.9 %", itc); // published DCR of ITC
    }
}
