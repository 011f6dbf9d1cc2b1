using System.Net;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web;

/// <summary>
/// A study too young to estimate anything: two patients on treatment, no event. Every number the views leave null
/// reads "not estimable" with why on the dashboard — no blank cell, no NaN — and its CSV tables stay spreadsheet-safe.
/// </summary>
public sealed class InvestigatorNotEstimableTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const string FormulaLabel = "=HYPERLINK(\"http://example.invalid\",\"Sex\")";

    private async Task<Guid> YoungStudyAsync()
    {
        var protocol = Scenarios.Protocol();
        var variables = (object[])protocol["variables"]!;
        // A label a spreadsheet would run as a formula, to prove the CSV tables never let it.
        variables[1] = new { key = "sex", label = FormulaLabel, type = "category", levels = new[] { "Male", "Female" } };
        var studyId = await app.RegisteredStudyAsync(protocol);
        foreach (var arm in new[] { "ITC", "C" })
        {
            var patient = await app.EnrolledPatientAsync(studyId, enrolledOn: "2024-01-05", arm: arm);
            await app.RecordAsync(patient, "treatment-starts", new { startedOn = "2024-01-10" });
            await app.RecordAsync(patient, "follow-ups", new { lastKnownAliveOn = "2024-03-01" });
        }
        return studyId;
    }

    [Fact]
    public async Task Every_number_that_cannot_be_estimated_says_so_and_why()
    {
        var studyId = await YoungStudyAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var page = await browser.GetAsync($"/studies/{studyId}/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.Status);

        var comparison = InvestigatorDashboardTests.Rows(page, "comparisons")["ITC vs C"];
        Assert.Equal("not estimable (No events yet in either group: the hazard ratio is not estimable.)", comparison[2]);
        var itc = InvestigatorDashboardTests.Rows(page, "km-estimates")["ITC"];
        Assert.Equal("not estimable (median not reached: more than half are still event-free at the last follow-up)", itc[2]);
        // 12 months lies beyond the last follow-up (under two months).
        Assert.Equal("not estimable (beyond the last follow-up)", itc[6]);
        Assert.Equal("not estimable (no events)", InvestigatorDashboardTests.Rows(page, "subgroups")["All patients"][2]);

        Assert.DoesNotContain("NaN", page.Html);
        var blank = page.Document.QuerySelectorAll("main table td").Where(td => td.TextContent.Trim().Length == 0).ToList();
        Assert.True(blank.Count == 0, $"{blank.Count} blank cells, e.g. in {blank.FirstOrDefault()?.ParentElement?.OuterHtml}");
    }

    [Fact]
    public async Task A_label_that_looks_like_a_formula_is_written_to_CSV_as_text()
    {
        var studyId = await YoungStudyAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        // consistent=true: the baseline table is kept asynchronously; read it caught up with the writes above, as the dashboard's links do.
        var csv = await browser.Client.GetStringAsync($"/api/studies/{studyId}/baseline.csv?consistent=true");
        // Both patients are male: one row, its label quoted behind a leading apostrophe.
        var sex = Assert.Single(csv.Split("\r\n"), l => l.StartsWith("sex,"));
        Assert.StartsWith("sex,\"'=HYPERLINK(\"\"http://example.invalid\"\",\"\"Sex\"\")\",Male,", sex);
        // On the page it is the label as written.
        var page = await browser.GetAsync($"/studies/{studyId}/dashboard");
        Assert.Contains(page.Document.QuerySelectorAll("#baseline th[scope=rowgroup]"), th => th.TextContent.Trim() == FormulaLabel);
    }
}
