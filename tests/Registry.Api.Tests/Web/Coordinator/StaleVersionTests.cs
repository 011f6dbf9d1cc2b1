using System.Net;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web.Coordinator;

/// <summary>
/// Every form carries the patient's version it was opened at: when someone else records meanwhile, nothing is recorded,
/// the page shows what they recorded beside the coordinator's input, and a second submission records after them.
/// </summary>
public sealed class StaleVersionTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private async Task<(Guid PatientId, BrowserSession Browser)> EnrolledAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId, "2024-01-05");
        return (patientId, await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1"));
    }

    private static string Hidden(BrowserSession.Page page) => page.Document.QuerySelector("main form input[name=expectedVersion]")!.GetAttribute("value")!;

    [Fact]
    public async Task A_form_opened_before_someone_else_recorded_is_refused_shows_their_entry_keeps_the_input_and_records_when_sent_again()
    {
        var (patientId, browser) = await EnrolledAsync();
        using var _ = browser;
        var form = await browser.GetAsync($"/patients/{patientId}/record/imaging");
        Assert.Equal("1", Hidden(form));
        // A colleague records the treatment start while the form is open.
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2024-01-10", agents = new[] { "camrelizumab" } }, token: app.Token("coordinator", "S1"));
        var before = await app.EventStoreMarkAsync();

        var stale = await browser.SubmitAsync(form, "record", new()
        {
            ["Assessment date"] = "2024-03-01", ["Sum of target lesion diameters (mm)"] = "28", ["Non-target lesions"] = "None", ["New lesions"] = "No",
            ["Overall response (RECIST 1.1)"] = "PR",
        });

        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        Assert.StartsWith("Someone else recorded an entry for this patient since you opened this form", stale.Summary().Single());
        Assert.Equal("Nothing was recorded: the patient's record changed since you opened this form.", stale.Text("#error-summary-title"));
        var since = stale.Document.QuerySelectorAll("section.stale tbody tr").Select(r => r.Children.Select(c => c.TextContent.Trim()).ToArray()).ToList();
        Assert.Single(since);
        Assert.Equal(["2", "Treatment start", "Treatment start date: 2024-01-10; Agents: camrelizumab"], since[0][..3]);
        Assert.EndsWith("UTC by coordinator-user", since[0][3]);
        Assert.Equal(("28", "PR", "2"), (stale.Value("Sum of target lesion diameters (mm)"), stale.Value("Overall response (RECIST 1.1)"), Hidden(stale)));

        var recorded = await browser.SubmitAsync(stale, "record", new());

        Assert.Equal("Recorded: the patient's record is now at version 3.", recorded.Text("[role=status]"));
        var history = await app.HistoryAsync(patientId);
        Assert.Equal(28, history.GetProperty("events")[2].GetProperty("data").GetProperty("targetLesionSumMm").GetDouble());
    }

    [Fact]
    public async Task A_correction_and_a_void_opened_before_another_entry_are_refused_until_sent_against_it()
    {
        var (patientId, browser) = await EnrolledAsync();
        using var _ = browser;
        await app.RecordAsync(patientId, "follow-ups", new { lastKnownAliveOn = "2024-02-01" });
        var correction = await browser.GetAsync($"/patients/{patientId}/entries/2/correct");
        var voiding = await browser.GetAsync($"/patients/{patientId}/entries/2/void");
        await app.RecordAsync(patientId, "follow-ups", new { lastKnownAliveOn = "2024-03-01" });

        var staleCorrection = await browser.SubmitAsync(correction, "correct", new() { ["Date last known alive"] = "2024-02-02", ["Reason for correction"] = "Typo" });
        Assert.Equal(HttpStatusCode.Conflict, staleCorrection.Status);
        Assert.Equal(["3", "Last-known-alive follow-up", "Date last known alive: 2024-03-01"],
            staleCorrection.Document.QuerySelectorAll("section.stale tbody tr td").Take(3).Select(c => c.TextContent.Trim()).ToArray());
        Assert.Equal("Typo", staleCorrection.Value("Reason for correction"));
        await browser.SubmitAsync(staleCorrection, "correct", new());

        var staleVoid = await browser.SubmitAsync(voiding, "void", new() { ["Reason for voiding"] = "Wrong patient" });
        Assert.Equal(HttpStatusCode.Conflict, staleVoid.Status);
        // What was recorded since: the follow-up at version 3 and the correction of version 2, with its reason.
        Assert.Equal(["3", "4"], staleVoid.Document.QuerySelectorAll("section.stale tbody tr").Select(r => r.Children[0].TextContent.Trim()).ToArray());
        Assert.Contains("reason: Typo", staleVoid.Text("section.stale tbody tr:last-child"));
        await browser.SubmitAsync(staleVoid, "void", new());

        var events = (await app.HistoryAsync(patientId)).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray();
        Assert.Equal(["patient_enrolled", "last_known_alive", "last_known_alive", "entry_corrected", "entry_voided"], events);
    }

    [Fact]
    public async Task A_form_that_does_not_say_its_version_records_nothing()
    {
        var (patientId, browser) = await EnrolledAsync();
        using var _ = browser;
        var before = await app.EventStoreMarkAsync();

        var page = await browser.SubmitAsync($"/patients/{patientId}/record/last-known-alive", "record",
            new() { ["Date last known alive"] = "2024-02-01", ["expectedVersion"] = "" });

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        Assert.StartsWith("This form does not say which version of the patient's record it was opened at", page.Summary().Single());
    }
}
