using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

[Collection(RegistryInBrowserCollection.Name)]
public sealed class AdminImportTests(RegistryInBrowser registry)
{
    [Fact]
    public async Task The_admin_checks_then_imports_the_motivating_study_exported_as_CSV_into_a_new_study()
    {
        await using var tab = await registry.AdminTabAsync("admin-imports-study");
        var page = tab.Page;
        // The demo study's own records in the import layout, downloaded as the page's links do (the session cookie reads the API).
        var studies = JsonNode.Parse(await (await page.APIRequest.GetAsync("/api/studies")).TextAsync())!.AsArray();
        var demo = studies.First(s => (string?)s!["code"] == "NPC-RM-2L")!;
        var subjects = await (await page.APIRequest.GetAsync($"/api/studies/{demo["id"]}/export/subjects.csv")).BodyAsync();
        var events = await (await page.APIRequest.GetAsync($"/api/studies/{demo["id"]}/export/events.csv")).BodyAsync();
        var protocol = JsonNode.Parse(await (await page.APIRequest.GetAsync($"/api/studies/{demo["id"]}/protocol.json")).TextAsync())!;
        protocol["code"] = "NPC-E2E-IMPORT";

        await tab.GotoAsync("/admin/studies/new", "register");
        await page.GetByLabel("Protocol file (JSON)", new() { Exact = true }).SetInputFilesAsync(
            new FilePayload { Name = "copy.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(protocol.ToJsonString()) });
        await tab.SubmitAsync("Register study", "registered");
        await tab.GotoAsync("/", "studies");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Cell, new() { Name = "NPC-E2E-IMPORT", Exact = true }) });
        await tab.SubmitAsync(row.GetByRole(AriaRole.Link, new() { Name = "Import patients" }), "import-page");
        await tab.ExpectHeadingAsync("Import patients into NPC-E2E-IMPORT");

        // An events file with a grade that does not exist is refused at its row and column, and nothing is recorded.
        await page.GetByLabel("Subjects file (CSV)", new() { Exact = true }).SetInputFilesAsync(Csv("subjects.csv", subjects));
        await page.GetByLabel("Events file (CSV)", new() { Exact = true }).SetInputFilesAsync(Csv("events.csv", WithRow(events, subjects, new()
        {
            ["kind"] = "adverseEventRecorded", ["date"] = "2030-01-01", ["term"] = "Rash", ["grade"] = "2", ["serious"] = "false", ["attribution"] = "Perhaps",
        })));
        var refused = await tab.SubmitAsync("Check files", "checked-with-problems");
        Assert.Equal(400, refused.Status);
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Every problem, where it is" }).GetByRole(AriaRole.Cell, new() { Name = "attribution", Exact = true }).First).ToBeVisibleAsync();

        await page.GetByLabel("Subjects file (CSV)", new() { Exact = true }).SetInputFilesAsync(Csv("subjects.csv", subjects));
        await page.GetByLabel("Events file (CSV)", new() { Exact = true }).SetInputFilesAsync(Csv("events.csv", events));
        await tab.SubmitAsync("Import", "imported");
        // As many patients as the study had when exported: 226 from the demo, plus any the other browser tests enrolled before.
        var patients = Encoding.UTF8.GetString(subjects).TrimEnd().Split("\r\n").Length - 1;
        Assert.True(patients >= 226, $"The export has {patients} subjects; the demo study alone has 226.");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"subjects.csv: {patients} rows, {patients} new patients");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("— recorded.");
    }

    /// <summary>The events file with one more row, for the first subject, filled by column name.</summary>
    private static byte[] WithRow(byte[] events, byte[] subjects, Dictionary<string, string> cells)
    {
        var lines = Encoding.UTF8.GetString(events).TrimEnd().Split("\r\n");
        cells["subjectCode"] = Encoding.UTF8.GetString(subjects).Split("\r\n")[1].Split(',')[0];
        var row = string.Join(',', lines[0].Split(',').Select(column => cells.GetValueOrDefault(column, "")));
        return Encoding.UTF8.GetBytes(string.Join("\r\n", [.. lines, row]) + "\r\n");
    }

    private static FilePayload Csv(string name, byte[] content) => new() { Name = name, MimeType = "text/csv", Buffer = content };
}
