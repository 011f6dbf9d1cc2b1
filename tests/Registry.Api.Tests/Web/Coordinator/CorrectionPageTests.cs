using System.Net;
using System.Text.Json;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web.Coordinator;

/// <summary>Corrections and voids from the pages: the original beside the replacement, a reason always, the API's rules.</summary>
public sealed class CorrectionPageTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    /// <summary>A patient with a treatment start (v2), a partial response (v3) and a grade 2 adverse event (v4).</summary>
    private async Task<(Guid PatientId, BrowserSession Browser)> TreatedAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId, "2024-01-05");
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2024-01-10" });
        await app.RecordAsync(patientId, "imaging-assessments", new { assessedOn = "2024-03-01", targetLesionSumMm = 30.0, nonTargetStatus = "None", newLesions = false, response = "PR" });
        await app.RecordAsync(patientId, "adverse-events", new { term = "Rash", grade = 2, onsetOn = "2024-02-01", serious = false, attribution = "Possible" });
        return (patientId, await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1"));
    }

    private static string Text(JsonElement e) => JsonSerializer.Serialize(e);

    /// <summary>What the entry as recorded says under <paramref name="label"/>, beside the form.</summary>
    private static string Described(BrowserSession.Page page, string label) => page.Document.QuerySelectorAll("section[aria-labelledby=original-title] dl div")
        .Single(d => d.QuerySelector("dt")!.TextContent == label).QuerySelector("dd")!.TextContent;

    [Fact]
    public async Task An_entry_is_corrected_with_a_reason_and_the_timeline_shows_the_original_beside_it()
    {
        var (patientId, browser) = await TreatedAsync();
        using var _ = browser;

        var form = await browser.GetAsync($"/patients/{patientId}/entries/3/correct");
        Assert.Equal("Correct the imaging assessment (version 3)", form.Text("h1"));
        Assert.Equal("PR — partial response", Described(form, "Overall response (RECIST 1.1)"));
        Assert.Equal(("2024-03-01", "30", "None", "false", "PR", ""), (form.Value("Assessment date"), form.Value("Sum of target lesion diameters (mm)"),
            form.Value("Non-target lesions"), form.Value("New lesions"), form.Value("Overall response (RECIST 1.1)"), form.Value("Reason for correction")));

        var page = await browser.SubmitAsync(form, "correct", new()
        {
            ["Sum of target lesion diameters (mm)"] = "35", ["Overall response (RECIST 1.1)"] = "SD", ["Reason for correction"] = "Scan re-read by the second radiologist",
        });

        Assert.Equal($"/patients/{patientId}", page.Url.AbsolutePath);
        var corrected = (await app.HistoryAsync(patientId)).GetProperty("events")[4];
        Assert.Equal(("entry_corrected", "Scan re-read by the second radiologist", browser.UserName), (corrected.GetProperty("type").GetString(),
            corrected.GetProperty("reason").GetString(), corrected.GetProperty("recordedBy").GetString()));
        Assert.Equal("""{"kind":"imagingAssessed","assessedOn":"2024-03-01","targetLesionSumMm":35,"nonTargetStatus":"None","newLesions":false,"response":"SD"}""",
            Text(corrected.GetProperty("data").GetProperty("replacement")));
        var row = page.Document.GetElementById("entry-3")!;
        Assert.StartsWith("Assessment date: 2024-03-01; Sum of target lesion diameters (mm): 35;", row.Children[3].TextContent.Trim());
        // Only what the correction changed, as it was first recorded; the unchanged assessment date is not repeated.
        Assert.Equal("As first recorded: Sum of target lesion diameters (mm): 30; Overall response (RECIST 1.1): PR — partial response",
            row.QuerySelector(".was")!.TextContent.Trim());
        Assert.Matches($"^Version 5: corrected .* UTC by {browser.UserName}. Reason: Scan re-read by the second radiologist$", row.Children[5].TextContent.Trim());
    }

    [Fact]
    public async Task A_correction_without_a_reason_is_refused_beside_the_reason_with_the_replacement_kept()
    {
        var (patientId, browser) = await TreatedAsync();
        using var _ = browser;
        var before = await app.EventStoreMarkAsync();

        var page = await browser.SubmitAsync($"/patients/{patientId}/entries/3/correct", "correct", new() { ["Overall response (RECIST 1.1)"] = "SD" });

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        Assert.Equal("Reason for correction is required: say why the entry is corrected.", page.ErrorBeside("Reason for correction"));
        Assert.Equal("SD", page.Value("Overall response (RECIST 1.1)"));
        // The original is still shown beside the refused replacement.
        Assert.Contains("PR — partial response", page.Text("section[aria-labelledby=original-title]"));
    }

    [Fact]
    public async Task A_replacement_is_held_to_the_entrys_own_rules_with_its_error_beside_its_field()
    {
        var (patientId, browser) = await TreatedAsync();
        using var _ = browser;

        var page = await browser.SubmitAsync($"/patients/{patientId}/entries/3/correct", "correct", new()
        {
            ["New lesions"] = "Yes", ["Reason for correction"] = "New liver lesion on review",
        });

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal("Overall response (RECIST 1.1) must be PD when there are new lesions or non-target progression (RECIST 1.1).", page.ErrorBeside("Overall response (RECIST 1.1)"));
        Assert.Null(page.ErrorBeside("Reason for correction"));
    }

    [Fact]
    public async Task The_enrolment_is_corrected_through_its_generated_form_but_keeps_its_subject_code()
    {
        var (patientId, browser) = await TreatedAsync();
        using var _ = browser;

        var form = await browser.GetAsync($"/patients/{patientId}/entries/1/correct");
        Assert.DoesNotContain(form.Document.QuerySelectorAll("label"), l => l.TextContent.Trim() == "Subject code");
        Assert.Equal(("45", "positive"), (form.Value("Age (years)"), form.Value("EBV DNA")));
        await browser.SubmitAsync(form, "correct", new() { ["Age (years)"] = "46", ["EBV DNA"] = "", ["EBV DNA — not recorded"] = "Not done", ["Reason for correction"] = "Date of birth checked" });

        var history = await app.HistoryAsync(patientId);
        var replacement = history.GetProperty("events")[4].GetProperty("data").GetProperty("replacement");
        Assert.Equal("""{"age":46,"ebvDna":{"missing":"notDone"},"kps":90,"liverMetastasis":true,"sex":"Male"}""", Text(replacement.GetProperty("baseline")));
        Assert.Equal(history.GetProperty("state").GetProperty("subjectCode").GetString(), replacement.GetProperty("subjectCode").GetString());
    }

    [Fact]
    public async Task An_entry_is_voided_with_a_reason_and_struck_through_on_the_timeline()
    {
        var (patientId, browser) = await TreatedAsync();
        using var _ = browser;

        var refused = await browser.SubmitAsync($"/patients/{patientId}/entries/4/void", "void", new());
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("Reason for voiding is required: say why the entry is voided.", refused.ErrorBeside("Reason for voiding"));

        var page = await browser.SubmitAsync(refused, "void", new() { ["Reason for voiding"] = "Entered for the wrong patient" });

        var row = page.Document.GetElementById("entry-4")!;
        Assert.Equal("voided", row.GetAttribute("class"));
        Assert.Contains("Voided", row.Children[1].TextContent);
        Assert.Contains("voided", row.Children[5].TextContent);
        Assert.Contains("Reason: Entered for the wrong patient", row.Children[5].TextContent);
        Assert.Empty(row.Children[6].QuerySelectorAll("a"));
    }

    [Theory]
    [InlineData("/entries/1/void", HttpStatusCode.Conflict, "The enrolment cannot be voided; correct it instead.")]
    [InlineData("/entries/9/correct", HttpStatusCode.NotFound, "Entry version 9 is not a clinical entry of this patient (corrections and voids are not themselves corrected).")]
    [InlineData("/entries/9/void", HttpStatusCode.NotFound, "Entry version 9 is not a clinical entry of this patient (corrections and voids are not themselves corrected).")]
    public async Task What_cannot_be_amended_is_said_in_the_domains_words(string page, HttpStatusCode status, string message)
    {
        var (patientId, browser) = await TreatedAsync();
        using var _ = browser;

        var opened = await browser.GetAsync($"/patients/{patientId}{page}");

        Assert.Equal(status, opened.Status);
        Assert.Equal([message], opened.Summary());
        Assert.Empty(opened.Document.QuerySelectorAll("main form"));
    }

    [Fact]
    public async Task A_voided_entry_cannot_be_corrected_and_a_correction_sent_after_it_was_voided_keeps_what_was_typed()
    {
        var (patientId, browser) = await TreatedAsync();
        using var _ = browser;
        var form = await browser.GetAsync($"/patients/{patientId}/entries/4/correct");
        await app.RecordAsync(patientId, "voids", new { entryVersion = 4, reason = "Duplicate" });

        var opened = await browser.GetAsync($"/patients/{patientId}/entries/4/correct");
        Assert.Equal(HttpStatusCode.Conflict, opened.Status);
        Assert.Equal(["Entry version 4 is already voided."], opened.Summary());

        // Sent from the page opened before the void: refused as stale, then, sent again, in the domain's words.
        var stale = await browser.SubmitAsync(form, "correct", new() { ["CTCAE grade"] = "3", ["Reason for correction"] = "Regraded" });
        Assert.Equal(HttpStatusCode.Conflict, stale.Status);
        var again = await browser.SubmitAsync(stale, "correct", new());
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal(["Entry version 4 is already voided."], again.Summary());
        Assert.Equal(("3", "Regraded"), (again.Value("CTCAE grade"), again.Value("Reason for correction")));
    }
}
