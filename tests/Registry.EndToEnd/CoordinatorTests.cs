using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

[Collection(RegistryInBrowserCollection.Name)]
public sealed class CoordinatorTests(RegistryInBrowser registry)
{
    [Fact]
    public async Task A_coordinator_enrols_through_the_generated_form_records_a_visit_and_corrects_an_entry_with_a_reason()
    {
        await using var tab = await registry.SignedInAsync("coordinator", People.Coordinator);
        var desk = new CoordinatorDesk(tab);
        var page = tab.Page;
        await desk.OpenPatientsAsync("NPC-RM-2L");

        // An age outside the dictionary's range is refused, its error beside the Age input and tied to it.
        var patient = CoordinatorDesk.NpcRm2lPatient("NPC-E2E-0001", "ITC", "2024-03-01");
        await desk.FillEnrolmentAsync(new Dictionary<string, string>(patient) { ["Age (years)"] = "150" });
        var refused = await desk.SubmitAsync("Enrol patient", "enrol-refused");
        Assert.Equal(400, refused.Status);
        var age = page.GetByLabel("Age (years)", new() { Exact = true });
        await Expect(age).ToHaveAttributeAsync("aria-invalid", "true");
        var errorId = (await age.GetAttributeAsync("aria-describedby"))!.Split(' ').Single(id => id.EndsWith("-error"));
        var error = page.Locator($"#{errorId}");
        await Expect(error).ToContainTextAsync("150");
        await Expect(age).ToHaveAccessibleDescriptionAsync(new Regex("150"));
        await Expect(page.Locator(".field", new() { Has = age }).Locator($"#{errorId}")).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("150");
        await Expect(page.GetByLabel("Subject code", new() { Exact = true })).ToHaveValueAsync("NPC-E2E-0001");
        await Expect(page.Locator("[aria-invalid=true]")).ToHaveCountAsync(1);

        await age.FillAsync("54");
        await desk.SubmitAsync("Enrol patient", "enrolled");
        await tab.ExpectHeadingAsync("Patient NPC-E2E-0001");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Recorded");

        // A follow-up visit: treatment start, a scan read as a partial response, then progression.
        await desk.RecordAsync("Record treatment start", new Dictionary<string, string> { ["Treatment start date"] = "2024-03-04" });
        await desk.RecordAsync("Record imaging", new Dictionary<string, string>
        {
            ["Assessment date"] = "2024-04-29",
            ["Sum of target lesion diameters (mm)"] = "45",
            ["Non-target lesions"] = "NonCRNonPD",
            ["New lesions"] = "No",
            ["Overall response (RECIST 1.1)"] = "PR",
        });
        await desk.RecordAsync("Record progression", new Dictionary<string, string>
        {
            ["Progression date"] = "2024-06-24",
            ["Basis of progression"] = "Radiological",
            ["Site of progression"] = "Distant",
        });
        await Expect(desk.TimelineRow("Progression")).ToContainTextAsync("2024-06-24");

        // The scan is re-read: the correction shows the entry as recorded beside the replacement, and needs a reason.
        var imaging = desk.TimelineRow("Imaging");
        await tab.SubmitAsync(imaging.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Correct") }), "correct-form");
        var asRecorded = page.GetByRole(AriaRole.Region, new() { Name = "As recorded" });
        await Expect(asRecorded).ToContainTextAsync("PR");
        await Expect(page.GetByLabel("Overall response (RECIST 1.1)", new() { Exact = true })).ToHaveValueAsync("PR");
        await page.GetByLabel("Overall response (RECIST 1.1)", new() { Exact = true }).SelectOptionAsync("SD");
        var withoutReason = await desk.SubmitAsync("Record correction", "correction-without-reason");
        Assert.Equal(400, withoutReason.Status);
        await Expect(page.GetByLabel("Reason for correction", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");

        const string reason = "Scan re-read by the second radiologist: the sum fell 20%, not 30%";
        await page.GetByLabel("Reason for correction", new() { Exact = true }).FillAsync(reason);
        await desk.SubmitAsync("Record correction", "corrected");
        await tab.ExpectHeadingAsync("Patient NPC-E2E-0001");
        imaging = desk.TimelineRow("Imaging");
        await Expect(imaging).ToContainTextAsync("SD");
        await Expect(imaging.Locator(".was").First).ToContainTextAsync("PR");
        await Expect(imaging).ToContainTextAsync($"by {People.Coordinator.UserName}. Reason: {reason}");
    }

    [Fact]
    public async Task A_coordinator_records_an_adverse_event_with_the_keyboard_alone()
    {
        await using var tab = await registry.SignedInAsync("coordinator-keyboard", People.Coordinator);
        var desk = new CoordinatorDesk(tab);
        var page = tab.Page;
        var keyboard = page.Keyboard;
        await desk.EnrolAsync("NPC-RM-2L", CoordinatorDesk.NpcRm2lPatient("NPC-E2E-KEY1", "IT", "2024-03-01"));

        // From the patient's page, Tab reaches the form's link and Enter opens it.
        var link = page.GetByRole(AriaRole.Link, new() { Name = "Record adverse event", Exact = true });
        await TabToAsync(page, link);
        await tab.NavigateByAsync(() => keyboard.PressAsync("Enter"), "adverse-event-form");

        // Each field is reached by Tab in the order it is shown, and filled by typing; a select takes the first letters of its choice.
        await TabToAsync(page, page.GetByLabel("Adverse event term (CTCAE)", new() { Exact = true }));
        await keyboard.TypeAsync("Hypothyroidism");
        await keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("CTCAE grade", new() { Exact = true })).ToBeFocusedAsync();
        await keyboard.TypeAsync("2");
        await keyboard.PressAsync("Tab");
        var onset = page.GetByLabel("Onset date", new() { Exact = true });
        await Expect(onset).ToBeFocusedAsync();
        await TypeDateAsync(onset, keyboard, new DateOnly(2024, 5, 20));
        // Tab leaves the date through its segments (and the browser's calendar button, where it has one).
        await TabToAsync(page, page.GetByLabel("Serious adverse event", new() { Exact = true }), within: 5);
        await keyboard.TypeAsync("No");
        await keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Attribution to study treatment", new() { Exact = true })).ToBeFocusedAsync();
        await keyboard.TypeAsync("Possible");
        await tab.ShotAsync("adverse-event-typed");
        await Expect(page.GetByLabel("CTCAE grade", new() { Exact = true })).ToHaveValueAsync("2");
        await Expect(page.GetByLabel("Serious adverse event", new() { Exact = true })).ToHaveValueAsync("false");
        await Expect(page.GetByLabel("Attribution to study treatment", new() { Exact = true })).ToHaveValueAsync("Possible");

        // Tab on to the button named by its action; Enter records the entry.
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Record adverse event", Exact = true }));
        await tab.NavigateByAsync(() => keyboard.PressAsync("Enter"), "adverse-event-recorded");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Recorded");
        await Expect(desk.TimelineRow("Adverse event")).ToContainTextAsync("Hypothyroidism");
        await Expect(desk.TimelineRow("Adverse event")).ToContainTextAsync("2024-05-20");
    }

    /// <summary>Presses Tab until <paramref name="target"/> has the focus; fails if <paramref name="within"/> presses do not reach it.</summary>
    private static async Task TabToAsync(IPage page, ILocator target, int within = 60)
    {
        for (var presses = 0; presses < within && !await target.EvaluateAsync<bool>("e => e === document.activeElement"); presses++)
            await page.Keyboard.PressAsync("Tab");
        await Expect(target).ToBeFocusedAsync();
    }

    /// <summary>
    /// Types a date into a date input as a keyboard user does, segment by segment. The segments' order is the browser's
    /// locale's (month first in en-US, day first elsewhere); a day above 12 tells the two orders apart.
    /// </summary>
    private static async Task TypeDateAsync(ILocator input, IKeyboard keyboard, DateOnly date)
    {
        var iso = date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var order in new[] { "MMddyyyy", "ddMMyyyy" })
        {
            await keyboard.TypeAsync(date.ToString(order, System.Globalization.CultureInfo.InvariantCulture));
            if (await input.InputValueAsync() == iso) return;
            // Not this browser's order: cleared and focused again (its first segment) for the other.
            await input.FillAsync("");
            await input.FocusAsync();
        }
        await Expect(input).ToHaveValueAsync(iso);
    }
}
