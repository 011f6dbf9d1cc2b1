using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

[Collection(RegistryInBrowserCollection.Name)]
public sealed class AuditorTests(RegistryInBrowser registry)
{
    [Fact]
    public async Task The_auditor_replays_a_patient_as_of_before_a_correction_and_sees_who_corrected_it_and_why()
    {
        // The coordinator records a scan as a partial response, then corrects it to stable disease.
        const string reason = "Second read: the sum fell 18%, stable disease";
        await using var coordinator = await registry.SignedInAsync("auditor-replay-coordinator", People.Coordinator);
        var desk = new CoordinatorDesk(coordinator);
        await desk.EnrolAsync("NPC-RM-2L", CoordinatorDesk.NpcRm2lPatient("NPC-E2E-AUD1", "IT", "2024-01-10"));
        await desk.RecordAsync("Record treatment start", new Dictionary<string, string> { ["Treatment start date"] = "2024-01-15" });
        await desk.RecordAsync("Record imaging", new Dictionary<string, string>
        {
            ["Assessment date"] = "2024-03-11",
            ["Sum of target lesion diameters (mm)"] = "41",
            ["Non-target lesions"] = "None",
            ["New lesions"] = "No",
            ["Overall response (RECIST 1.1)"] = "PR",
        });
        var beforeCorrection = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(1));
        await coordinator.SubmitAsync(desk.TimelineRow("Imaging").GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Correct") }), "correct-form");
        await desk.FillAsync(new Dictionary<string, string> { ["Overall response (RECIST 1.1)"] = "SD", ["Reason for correction"] = reason });
        await desk.SubmitAsync("Record correction", "corrected");

        // The auditor finds the patient from the study's audit page, where every chain verifies.
        await using var auditor = await registry.SignedInAsync("auditor-replay", People.Auditor);
        var page = auditor.Page;
        var study = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Cell, new() { Name = "NPC-RM-2L", Exact = true }) });
        await auditor.SubmitAsync(study.GetByRole(AriaRole.Link, new() { Name = "Audit", Exact = true }), "study-audit");
        await auditor.ExpectHeadingAsync("NPC-RM-2L audit");
        await Expect(page.Locator("#chain-status")).ToContainTextAsync("Every chain of this study verifies");
        await page.GetByLabel("Subject code", new() { Exact = true }).FillAsync("NPC-E2E-AUD1");
        await auditor.SubmitAsync("Search patients", "patient-found");
        await auditor.SubmitAsync(page.GetByRole(AriaRole.Link, new() { Name = "NPC-E2E-AUD1", Exact = true }), "history-now");
        await auditor.ExpectHeadingAsync("History of patient NPC-E2E-AUD1");

        // Now: the scan reads SD, with the original beside it and who corrected it, when and why.
        var imaging = Entry(page, "Imaging");
        await Expect(imaging.Locator(".now")).ToContainTextAsync("Overall response (RECIST 1.1): SD — stable disease");
        await Expect(imaging.Locator(".was").First).ToContainTextAsync("Overall response (RECIST 1.1): PR — partial response");
        await Expect(imaging).ToContainTextAsync(new Regex($"corrected \\d{{4}}-\\d\\d-\\d\\d \\d\\d:\\d\\d(:\\d\\d)? UTC by {Regex.Escape(People.Coordinator.UserName)}\\. Reason: {Regex.Escape(reason)}"));

        // As of before the correction: the scan reads PR as first recorded, and nothing amends it.
        await page.GetByLabel("As of", new() { Exact = true }).FillAsync(beforeCorrection.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        await auditor.SubmitAsync("Replay", "history-before-correction");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Replayed as the registry held it at");
        imaging = Entry(page, "Imaging");
        await Expect(imaging.Locator(".now")).ToContainTextAsync("Overall response (RECIST 1.1): PR — partial response");
        await Expect(imaging.Locator(".was")).ToHaveCountAsync(0);
        await Expect(imaging.GetByRole(AriaRole.Cell).Last).ToHaveTextAsync("none");
        await Expect(page.GetByRole(AriaRole.Table, new() { NameRegex = new Regex("^The patient's stream in order") }).Locator("tbody tr")).ToHaveCountAsync(3);
    }

    private static ILocator Entry(IPage page, string entry) =>
        page.GetByRole(AriaRole.Table, new() { NameRegex = new Regex("^Each clinical entry as first recorded") }).GetByRole(AriaRole.Row)
            .Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { NameRegex = new Regex($"^{entry}") }) });
}
