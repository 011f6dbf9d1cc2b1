using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

[Collection(RegistryInBrowserCollection.Name)]
public sealed class InvestigatorTests(RegistryInBrowser registry)
{
    [Fact]
    public async Task The_investigator_reads_the_Kaplan_Meier_curves_and_the_hazard_ratios_of_the_primary_endpoint()
    {
        await using var tab = await registry.SignedInAsync("investigator-dashboard", People.Investigator);
        var dashboard = await Dashboard.OpenAsync(tab, "NPC-RM-2L");

        var curves = tab.Page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^Kaplan–Meier curves of progression-free survival") });
        await Expect(curves).ToBeVisibleAsync();
        Assert.True(await curves.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 600"), "The Kaplan–Meier figure did not load.");
        foreach (var arm in new[] { "ITC", "IT", "IC", "C" })
            await Expect(curves).ToHaveAttributeAsync("alt", new Regex($"{arm}: \\d+ patients, \\d+ events, median "));

        var itcVsC = await dashboard.ComparisonAsync("ITC vs C");
        Assert.InRange(itcVsC.Hr, 0.05, 1.0);
        Assert.True(itcVsC.Events > 0);
    }

    [Fact]
    public async Task The_hazard_ratio_moves_when_a_coordinator_records_an_early_progression_in_the_reference_arm()
    {
        await using var investigator = await registry.SignedInAsync("investigator-hr-moves", People.Investigator);
        var dashboard = await Dashboard.OpenAsync(investigator, "NPC-RM-2L");
        var before = await dashboard.ComparisonAsync("IT vs IC");

        // IC has 48 patients: one more whose disease progresses five weeks after treatment start must lower IT vs IC.
        await using var coordinator = await registry.SignedInAsync("investigator-hr-moves-coordinator", People.Coordinator);
        var desk = new CoordinatorDesk(coordinator);
        await desk.EnrolAsync("NPC-RM-2L", CoordinatorDesk.NpcRm2lPatient("NPC-E2E-HR01", "IC", "2024-02-01"));
        await desk.RecordAsync("Record treatment start", new Dictionary<string, string> { ["Treatment start date"] = "2024-02-05" });
        await desk.RecordAsync("Record progression", new Dictionary<string, string>
        {
            ["Progression date"] = "2024-03-11",
            ["Basis of progression"] = "Clinical",
        });

        await dashboard.ReloadAsync("dashboard-after-progression");
        var after = await dashboard.ComparisonAsync("IT vs IC");
        Assert.Equal(before.Patients + 1, after.Patients);
        Assert.Equal(before.Events + 1, after.Events);
        Assert.True(after.Hr < before.Hr, $"IT vs IC was {before.HrShown} and is {after.HrShown}: an early IC progression must lower it.");
        var curves = investigator.Page.GetByRole(AriaRole.Img, new() { NameRegex = new Regex("^Kaplan–Meier curves of progression-free survival") });
        await Expect(curves).ToHaveAttributeAsync("alt", new Regex("IC: 49 patients, "));
    }
}

/// <summary>The investigator's dashboard of one study as the page shows it.</summary>
public sealed class Dashboard(BrowserTab tab)
{
    public static async Task<Dashboard> OpenAsync(BrowserTab tab, string studyCode)
    {
        await tab.GotoAsync("/", "studies");
        var study = tab.Page.GetByRole(AriaRole.Row).Filter(new() { Has = tab.Page.GetByRole(AriaRole.Cell, new() { Name = studyCode, Exact = true }) });
        await tab.SubmitAsync(study.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }), "dashboard");
        await tab.ExpectHeadingAsync($"{studyCode} dashboard");
        return new Dashboard(tab);
    }

    public Task ReloadAsync(string step) => tab.NavigateByAsync(() => tab.Page.ReloadAsync(), step);

    /// <summary>One row of the hazard-ratio table: patients, events and the HR as shown.</summary>
    public async Task<Comparison> ComparisonAsync(string comparison)
    {
        var table = tab.Page.GetByRole(AriaRole.Table, new() { NameRegex = new Regex("^Hazard ratios for ") });
        var row = table.GetByRole(AriaRole.Row).Filter(new() { Has = tab.Page.GetByRole(AriaRole.Rowheader, new() { Name = comparison, Exact = true }) });
        var cells = row.GetByRole(AriaRole.Cell);
        await Expect(cells).ToHaveCountAsync(8);
        var texts = await cells.AllInnerTextsAsync();
        return new Comparison(int.Parse(texts[0]), int.Parse(texts[1]), double.Parse(texts[2], System.Globalization.CultureInfo.InvariantCulture), texts[2]);
    }
}

public sealed record Comparison(int Patients, int Events, double Hr, string HrShown);
