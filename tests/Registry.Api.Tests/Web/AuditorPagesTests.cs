using System.Globalization;
using System.Net;
using System.Text.Json;
using Alba;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Npgsql;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web;

/// <summary>
/// The auditor's pages: a patient's history with each correction beside the entry it replaces and a replay as of any
/// moment (the history route's answer, on the page), and a study's chains, patients and audit-trail exports.
/// </summary>
public sealed class AuditorPagesTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    /// <summary>A patient whose progression (v3, 2020-06-01) was corrected to 2020-06-15 (v4, "Scan re-read"), then followed up (v5).</summary>
    private async Task<(Guid StudyId, Guid PatientId, string SubjectCode)> CorrectedPatientAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        var subjectCode = $"A-{Guid.NewGuid():N}"[..10];
        var patientId = await app.EnrolledPatientAsync(studyId, subjectCode: subjectCode);
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(patientId, "progressions", new { progressedOn = "2020-06-01", basis = "Radiological" });
        await app.RecordAsync(patientId, "corrections", new
        {
            entryVersion = 3, reason = "Scan re-read", replacement = new { kind = "diseaseProgressed", progressedOn = "2020-06-15", basis = "Radiological" },
        });
        await app.RecordAsync(patientId, "follow-ups", new { lastKnownAliveOn = "2020-09-01" });
        return (studyId, patientId, subjectCode);
    }

    private static IHtmlTableRowElement Entry(BrowserSession.Page page, long version) =>
        (IHtmlTableRowElement)(page.Document.GetElementById($"entry-{version}") ?? throw new InvalidOperationException($"{page.Url} has no entry {version}."));

    private static string Text(IElement element) =>
        string.Join(" ", element.TextContent.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public async Task A_correction_stands_beside_the_entry_it_replaces_with_who_when_and_why()
    {
        var (_, patientId, subjectCode) = await CorrectedPatientAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Auditor);
        var page = await browser.GetAsync($"/patients/{patientId}/history");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal($"History of patient {subjectCode}", page.Text("h1"));

        var api = (await app.HistoryAsync(patientId)).GetProperty("state").GetProperty("entries").EnumerateArray()
            .First(e => e.GetProperty("version").GetInt64() == 3);
        var amendment = api.GetProperty("amendments")[0];
        var recordedAt = amendment.GetProperty("recordedAt").GetDateTimeOffset();

        var progression = Entry(page, 3);
        Assert.Equal("2020-06-15", progression.Cells[2].TextContent.Trim());
        Assert.Contains("2020-06-15", progression.QuerySelector(".now")!.TextContent);
        Assert.Contains("As first recorded:", Text(progression.Cells[3]));
        Assert.Contains("2020-06-01", progression.QuerySelector(".was")!.TextContent);
        var beside = Text(progression.Cells[5]);
        Assert.StartsWith($"Version 4: corrected {recordedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC by " +
            $"{amendment.GetProperty("recordedBy").GetString()}. Reason: Scan re-read", beside);
        Assert.Equal("none", Text(Entry(page, 2).Cells[5]));

        // Every stored event, with its hash as the history route gives it.
        var events = (await app.HistoryAsync(patientId)).GetProperty("events").EnumerateArray().ToList();
        var rows = page.Document.QuerySelectorAll("#events tbody tr").ToList();
        Assert.Equal(events.Count, rows.Count);
        Assert.Equal(events[3].GetProperty("hash").GetString(), rows[3].QuerySelector("code.hash")!.TextContent);
        Assert.Equal("Scan re-read", rows[3].QuerySelectorAll("td")[3].TextContent.Trim());
    }

    [Fact]
    public async Task Replaying_as_of_just_before_the_correction_shows_the_value_it_replaced()
    {
        var (_, patientId, _) = await CorrectedPatientAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Auditor);
        var now = await browser.GetAsync($"/patients/{patientId}/history");
        // The link beside the correction replays the record as it stood one microsecond before it.
        var replay = Entry(now, 3).QuerySelector<IHtmlAnchorElement>("ol.amendments a")!;
        Assert.Equal("Replay as of just before version 4", replay.TextContent.Trim());
        var page = await browser.GetAsync(replay.GetAttribute("href")!);
        Assert.Equal(HttpStatusCode.OK, page.Status);

        var asOf = Uri.UnescapeDataString(page.Url.Query.Split("asOf=")[1]);
        var api = await app.HistoryAsync(patientId, asOf);
        Assert.Equal(3, api.GetProperty("events").GetArrayLength());
        Assert.Equal("2020-06-01", api.GetProperty("state").GetProperty("progressedOn").GetString());

        var progression = Entry(page, 3);
        Assert.Equal("2020-06-01", progression.Cells[2].TextContent.Trim());
        Assert.Equal("none", Text(progression.Cells[5]));
        Assert.Null(page.Document.GetElementById("entry-5"));
        Assert.Equal(3, page.Document.QuerySelectorAll("#events tbody tr").Length);
        Assert.StartsWith("Replayed as the registry held it at ", page.Text("#replay-status"));
        Assert.Equal(asOf, page.Document.QuerySelector<IHtmlInputElement>("#asOf")!.Value);
    }

    [Theory]
    [InlineData("yesterday", HttpStatusCode.BadRequest)]
    [InlineData("05/01/2024", HttpStatusCode.BadRequest)]
    [InlineData("2000-01-01", HttpStatusCode.NotFound)]
    public async Task A_moment_the_history_route_refuses_is_refused_beside_As_of_in_its_words(string asOf, HttpStatusCode status)
    {
        var (_, patientId, _) = await CorrectedPatientAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Auditor);
        var page = await browser.GetAsync($"/patients/{patientId}/history?asOf={Uri.EscapeDataString(asOf)}");
        Assert.Equal(status, page.Status);
        using var api = await browser.Client.GetAsync($"/api/patients/{patientId}/history?asOf={Uri.EscapeDataString(asOf)}");
        Assert.Equal(status, api.StatusCode);
        var problem = JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement;
        var message = status == HttpStatusCode.NotFound ? problem.GetProperty("detail").GetString() : problem.GetProperty("errors").GetProperty("asOf")[0].GetString();
        Assert.Equal(message, page.Text("#asOf-error"));
        Assert.Contains(message!, page.Text("[role=alert]"));
        Assert.Equal("true", page.Document.GetElementById("asOf")!.GetAttribute("aria-invalid"));
        Assert.Null(page.Document.GetElementById("entries"));
    }

    [Fact]
    public async Task Only_an_auditor_opens_the_audit_pages()
    {
        var (studyId, patientId, _) = await CorrectedPatientAsync();
        using var coordinator = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        Assert.Equal("/denied", (await coordinator.GetAsync($"/patients/{patientId}/history")).Url.AbsolutePath);
        using var investigator = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        Assert.Equal("/denied", (await investigator.GetAsync($"/studies/{studyId}/audit")).Url.AbsolutePath);
        using var auditor = await BrowserSession.SignedInAsync(app, Roles.Auditor);
        Assert.Equal(HttpStatusCode.NotFound, (await auditor.GetAsync($"/patients/{Guid.NewGuid()}/history")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await auditor.GetAsync($"/studies/{Guid.NewGuid()}/audit")).Status);
    }

    [Fact]
    public async Task The_study_page_lists_its_patients_and_says_its_chains_verify_as_the_verify_route_does()
    {
        var (studyId, patientId, subjectCode) = await CorrectedPatientAsync();
        await app.EnrolledPatientAsync(studyId, site: "S2");
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Auditor);
        var page = await browser.GetAsync($"/studies/{studyId}/audit");
        Assert.Equal(HttpStatusCode.OK, page.Status);

        var verify = JsonDocument.Parse(await browser.Client.GetStringAsync($"/api/audit/verify?studyId={studyId}")).RootElement;
        Assert.Equal($"Every chain of this study verifies: {verify.GetProperty("streams").GetInt32()} streams, {verify.GetProperty("events").GetInt64()} events, no break.",
            page.Text("#chain-status"));

        var links = page.Document.QuerySelectorAll<IHtmlAnchorElement>("#patients tbody th a").ToList();
        Assert.Equal(2, links.Count);
        Assert.Contains(links, a => a.TextContent == subjectCode && a.GetAttribute("href") == $"/patients/{patientId}/history");
        var sites = page.Document.QuerySelectorAll("#patients tbody tr").Select(r => r.QuerySelectorAll("td")[0].TextContent).Order();
        Assert.Equal(["S1", "S2"], sites);

        var found = await browser.GetAsync($"/studies/{studyId}/audit?subjectCode={subjectCode}");
        Assert.Equal(subjectCode, Assert.Single(found.Document.QuerySelectorAll("#patients tbody th a")).TextContent);
    }

    [Fact]
    public async Task An_edited_event_is_named_on_the_study_page_with_a_link_to_its_patient()
    {
        var (studyId, patientId, subjectCode) = await CorrectedPatientAsync();
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var edit = new NpgsqlCommand(
                "update registry.mt_events set data = jsonb_set(data, '{progressedOn}', '\"2020-05-01\"') where stream_id = $1 and version = 3", connection)
            {
                Parameters = { new() { Value = patientId } },
            };
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Auditor);
        var page = await browser.GetAsync($"/studies/{studyId}/audit");
        Assert.StartsWith("1 break in the chains of this study", page.Text("#chain-status"));
        var row = Assert.Single(page.Document.QuerySelectorAll("#chain-breaks tbody tr"));
        Assert.Equal($"patient {subjectCode}", row.QuerySelector("th a")!.TextContent);
        Assert.Equal("3", row.QuerySelector("td")!.TextContent);
        var verify = JsonDocument.Parse(await browser.Client.GetStringAsync($"/api/audit/verify?studyId={studyId}")).RootElement;
        Assert.Equal(verify.GetProperty("breaks")[0].GetProperty("problem").GetString(), row.QuerySelectorAll("td")[1].TextContent);
    }

    [Fact]
    public async Task Export_buttons_download_the_audit_trail_filtered_as_the_export_route_filters_it()
    {
        var (studyId, patientId, subjectCode) = await CorrectedPatientAsync();
        await app.EnrolledPatientAsync(studyId);
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Auditor);

        var csv = await browser.GetAsync($"/studies/{studyId}/audit?patient={subjectCode}&site=&from=&to=&format=csv");
        Assert.Equal(HttpStatusCode.OK, csv.Status);
        Assert.Equal($"/api/studies/{studyId}/audit-trail.csv", csv.Url.AbsolutePath);
        var expected = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.WithRequestHeader("Accept", "text/csv");
            s.Get.Url($"/api/studies/{studyId}/audit-trail?patient={subjectCode}");
        })).ReadAsTextAsync();
        Assert.Equal(expected, csv.Html);
        Assert.Equal(1 + 5, csv.Html.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);

        var json = await browser.GetAsync($"/studies/{studyId}/audit?patient=&site=&from=&to=&format=json");
        Assert.Equal($"/api/studies/{studyId}/audit-trail.json", json.Url.AbsolutePath);
        // The study's registration, the corrected patient's five events, the other patient's enrolment.
        Assert.Equal(1 + 5 + 1, JsonDocument.Parse(json.Html).RootElement.GetArrayLength());

        var odm = await browser.GetAsync($"/studies/{studyId}/audit?format=odm");
        Assert.Equal($"/api/studies/{studyId}/audit-trail.odm.xml", odm.Url.AbsolutePath);
        Assert.Contains("<ODM", odm.Html);
    }

    [Theory]
    [InlineData("csv", "from", "yesterday")]
    [InlineData("json", "patient", "not a code")]
    [InlineData("odm", "site", "S1")]
    public async Task A_filter_the_export_route_refuses_is_refused_beside_its_field_in_its_words(string format, string field, string value)
    {
        var (studyId, _, _) = await CorrectedPatientAsync();
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Auditor);
        var before = await app.EventStoreMarkAsync();
        var page = await browser.GetAsync($"/studies/{studyId}/audit?{field}={Uri.EscapeDataString(value)}&format={format}");
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal($"/studies/{studyId}/audit", page.Url.AbsolutePath);

        var accept = format switch { "csv" => "text/csv", "odm" => "application/xml", _ => "application/json" };
        var problem = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.WithRequestHeader("Accept", accept);
            s.Get.Url($"/api/studies/{studyId}/audit-trail?{field}={Uri.EscapeDataString(value)}");
            s.StatusCodeShouldBe(400);
        })).ProblemAsync();
        Assert.Equal(problem.GetProperty("errors").GetProperty(field)[0].GetString(), page.Text($"#{field}-error"));
        Assert.Equal("true", page.Document.GetElementById(field)!.GetAttribute("aria-invalid"));
        Assert.Equal(value, page.Document.QuerySelector<IHtmlInputElement>($"#{field}")!.Value);
        Assert.Equal(before, await app.EventStoreMarkAsync());
    }
}
