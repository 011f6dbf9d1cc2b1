using System.Net;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Registry.Api.Auth;
using Registry.Api.Tests.Import;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web;

/// <summary>The admin's import page runs the import verb's checks and recording: the problem table, nothing recorded on a check, counts after an import.</summary>
public sealed class AdminImportTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    /// <summary>Chooses files for the page's file inputs (by label) and presses the button named <paramref name="button"/>, as a browser would.</summary>
    private static async Task<BrowserSession.Page> SubmitFilesAsync(BrowserSession browser, string path, Dictionary<string, (string Name, string Content)> files, string button)
    {
        var page = await browser.GetAsync(path);
        var form = page.Document.QuerySelectorAll<IHtmlFormElement>("form").First(f => f.QuerySelector<IHtmlInputElement>("input[name=_handler]")?.Value == "import-study");
        using var content = new MultipartFormDataContent();
        foreach (var hidden in form.QuerySelectorAll<IHtmlInputElement>("input[type=hidden]")) content.Add(new StringContent(hidden.Value), hidden.Name!);
        foreach (var (label, (name, text)) in files)
        {
            var input = (IHtmlInputElement)form.QuerySelectorAll<IHtmlLabelElement>("label").First(l => l.TextContent.Trim() == label).Control!;
            content.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(text)), input.Name!, name);
        }
        var pressed = form.QuerySelectorAll<IHtmlButtonElement>("button").First(b => b.TextContent.Trim() == button);
        content.Add(new StringContent(pressed.Value), pressed.Name!);
        using var response = await browser.Client.PostAsync(path, content);
        return await BrowserSession.Page.ReadAsync(response);
    }

    [Fact]
    public async Task Checking_files_lists_each_problem_and_records_nothing_then_the_import_records_them_as_the_admin()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var admin = await BrowserSession.SignedInAsync(app, Roles.Admin);
        var path = $"/admin/studies/{studyId}/import";
        Assert.Contains((await admin.GetAsync("/")).Document.QuerySelectorAll("a"), a => a.GetAttribute("href") == path && a.TextContent == "Import patients");
        var before = await app.EventStoreMarkAsync();

        var bad = await SubmitFilesAsync(admin, path, new()
        {
            ["Subjects file (CSV)"] = ("subjects.csv", ImportFiles.Subjects),
            ["Events file (CSV)"] = ("events.csv", ImportFiles.Lines(ImportFiles.EventsHeader, "P-001,adverseEventRecorded,2021-02-10,,,,,,,,Rash,7,false,Possible,,,,,,")),
        }, "Check files");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        var problems = bad.Document.QuerySelectorAll("#import-problems tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();
        Assert.Equal(["events.csv", "2", "grade", "grade is a CTCAE grade from 1 to 5."], Assert.Single(problems));
        Assert.Equal(before, await app.EventStoreMarkAsync());

        var good = await SubmitFilesAsync(admin, path, new()
        {
            ["Subjects file (CSV)"] = ("subjects.csv", ImportFiles.Subjects),
            ["Events file (CSV)"] = ("events.csv", ImportFiles.Events),
        }, "Import");
        Assert.Equal(HttpStatusCode.OK, good.Status);
        Assert.Contains("subjects.csv: 3 rows, 3 new patients, 3 events for 3 patients — recorded.", good.Text("#import-result"));
        Assert.Contains("events.csv: 11 rows, 0 new patients, 12 events for 3 patients — recorded.", good.Text("#import-result"));
        Assert.Equal(before.Count + 15, (await app.EventStoreMarkAsync()).Count);
        var trail = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/studies/{studyId}/audit-trail.json?patient=P-003");
        })).JsonAsync();
        Assert.All(trail.EnumerateArray(), row => Assert.Equal(admin.UserName, row.GetProperty("recordedBy").GetString()));
    }

    [Fact]
    public async Task Choosing_no_file_is_refused_beside_the_field_and_other_roles_cannot_open_the_page()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var admin = await BrowserSession.SignedInAsync(app, Roles.Admin);
        var page = await SubmitFilesAsync(admin, $"/admin/studies/{studyId}/import", [], "Import");
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal("true", page.Document.GetElementById("subjectsFile")!.GetAttribute("aria-invalid"));
        Assert.StartsWith("Choose the files to import", page.Text("#subjectsFile-error"));

        using var coordinator = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        Assert.DoesNotContain("Import", (await coordinator.GetAsync($"/admin/studies/{studyId}/import")).Text("h1"));
    }

    [Fact]
    public async Task The_import_page_alone_takes_files_over_1_MB_up_to_32_MB()
    {
        var studyId = await app.RegisteredStudyAsync();
        using var admin = await BrowserSession.SignedInAsync(app, Roles.Admin);
        var path = $"/admin/studies/{studyId}/import";
        string Odm(int padding) => $"<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\"><!-- {new string('x', padding)} --></ODM>";

        var large = await SubmitFilesAsync(admin, path, new() { ["Or an ODM file (XML)"] = ("study.odm.xml", Odm(1_500_000)) }, "Check files");
        Assert.Equal(HttpStatusCode.BadRequest, large.Status);
        Assert.Equal(["study.odm.xml", "—", "—", "The file has no ClinicalData to import."],
            Assert.Single(large.Document.QuerySelectorAll("#import-problems tbody tr")).QuerySelectorAll("td").Select(c => c.TextContent.Trim()));

        var tooLarge = await SubmitFilesAsync(admin, path, new() { ["Or an ODM file (XML)"] = ("study.odm.xml", Odm(33 * 1024 * 1024)) }, "Check files");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.Status);
        Assert.Contains("over 32 MB", tooLarge.Text("[role=alert]"));
    }
}
