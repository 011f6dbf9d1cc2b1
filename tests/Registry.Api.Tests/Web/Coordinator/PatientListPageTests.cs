using System.Net;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web.Coordinator;

public sealed class PatientListPageTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static string[] Codes(BrowserSession.Page page) =>
        page.Document.QuerySelectorAll("tbody th[scope=row]").Select(c => c.TextContent.Trim()).ToArray();

    private static Dictionary<string, string> Row(BrowserSession.Page page, string subjectCode)
    {
        var headers = page.Document.QuerySelectorAll("thead th").Select(h => h.TextContent.Trim()).ToList();
        var row = page.Document.QuerySelectorAll("tbody tr").Single(r => r.QuerySelector("th")!.TextContent.Trim() == subjectCode);
        return headers.Zip(row.Children.Select(c => c.TextContent.Trim())).ToDictionary(p => p.First, p => p.Second);
    }

    [Fact]
    public async Task A_coordinator_sees_her_sites_patients_with_status_and_last_entry_and_finds_one_by_code_or_status()
    {
        var studyId = await app.RegisteredStudyAsync();
        var treated = await app.EnrolledPatientAsync(studyId, site: "S1", subjectCode: "S1-001");
        var dead = await app.EnrolledPatientAsync(studyId, site: "S1", subjectCode: "S1-002");
        await app.EnrolledPatientAsync(studyId, site: "S2", subjectCode: "S2-001");
        await app.EnrolledPatientAsync(studyId, site: "S3", subjectCode: "S3-001");
        await app.RecordAsync(treated, "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(dead, "deaths", new { diedOn = "2020-02-01" });
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1", "S2");

        var page = await browser.GetAsync($"/studies/{studyId}/patients");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(["S1-001", "S1-002", "S2-001"], Codes(page));
        var row = Row(page, "S1-001");
        Assert.Equal(("S1", "ITC", "On treatment", "Treatment start", "2020-01-10", "2"),
            (row["Site"], row["Arm"], row["Status"], row["Last entry"], row["Clinical date"], row["Version"]));
        Assert.EndsWith("UTC by coordinator-user", row["Recorded"]);
        Assert.Equal($"/patients/{treated}", page.Document.QuerySelector("tbody th a")!.GetAttribute("href"));
        Assert.Equal($"/studies/{studyId}/patients/new", page.Document.QuerySelectorAll("a").Single(a => a.TextContent == "Enrol a patient").GetAttribute("href"));

        Assert.Equal(["S1-002"], Codes(await browser.GetAsync($"/studies/{studyId}/patients?subjectCode=002&status=&site=")));
        Assert.Equal(["S1-002"], Codes(await browser.GetAsync($"/studies/{studyId}/patients?status=Dead")));
        Assert.Equal(["S2-001"], Codes(await browser.GetAsync($"/studies/{studyId}/patients?site=S2")));
        // A search never reaches past her sites.
        var other = await browser.GetAsync($"/studies/{studyId}/patients?subjectCode=S3-001");
        Assert.Empty(Codes(other));
        Assert.Equal("No patient matches this search.", other.Text("[role=status]"));
        var refused = await browser.GetAsync($"/studies/{studyId}/patients?site=S3");
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(["Your token does not cover site 'S3'."], refused.Summary());
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync($"/studies/{studyId}/patients?status=Asleep")).Status);
    }

    [Fact]
    public async Task The_list_shows_a_hundred_patients_a_page()
    {
        var studyId = await app.RegisteredStudyAsync();
        foreach (var n in Enumerable.Range(1, 101)) await app.EnrolledPatientAsync(studyId, site: "S1", subjectCode: $"P-{n:000}");
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");

        var first = await browser.GetAsync($"/studies/{studyId}/patients");
        Assert.Equal(100, Codes(first).Length);
        Assert.Equal("Patients 1–100 of 101, by subject code.", first.Text("[role=status]"));
        var next = first.Document.QuerySelectorAll("nav.pages a").Single(a => a.TextContent == "Next 100").GetAttribute("href")!;

        var second = await browser.GetAsync(next);
        Assert.Equal(["P-101"], Codes(second));
        Assert.Equal("Previous 100", second.Text("nav.pages a"));
    }

    [Fact]
    public async Task Only_coordinators_open_the_list_and_an_unknown_study_is_not_found()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var investigator = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        Assert.Equal("/denied", (await investigator.GetAsync($"/studies/{studyId}/patients")).Url.AbsolutePath);

        using var coordinator = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        var unknown = Guid.NewGuid();
        foreach (var path in new[] { $"/studies/{unknown}/patients", $"/studies/{unknown}/patients/new" })
        {
            var page = await coordinator.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, page.Status);
            Assert.StartsWith($"No study {unknown} is registered.", page.Text("[role=alert]"));
        }
    }
}
