using System.Globalization;
using System.Net;
using System.Text.Json;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web;

/// <summary>The dashboard follows each demo study's protocol: the randomized trial's stratified comparison, the single-arm trial's nothing to compare.</summary>
[Collection(AllDemoStudiesCollection.Name)]
public sealed class InvestigatorDesignsTests(AllDemoStudiesApp app)
{
    [Fact]
    public async Task The_randomized_trials_hazard_ratio_is_stratified_as_its_plan_says()
    {
        var study = app["LA-NPC-EFS"];
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var page = await browser.GetAsync($"/studies/{study.StudyId}/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var api = JsonDocument.Parse(await browser.Client.GetStringAsync($"/api/studies/{study.StudyId}/comparisons?consistent=true")).RootElement
            .GetProperty("comparisons")[0];
        Assert.Equal("overallStage", api.GetProperty("strata").GetString());

        var row = InvestigatorDashboardTests.Rows(page, "comparisons")["SIN-CRT vs CRT"];
        Assert.Equal(api.GetProperty("hr").GetDouble().ToString("F2", CultureInfo.InvariantCulture), row[2]);
        Assert.Equal(study.Simulated.Protocol.Variable("overallStage")!.Label, row[6]);
        Assert.Equal("Kaplan–Meier: Event-free survival (EFS)", page.Text("#km-title"));
    }

    [Fact]
    public async Task The_single_arm_trial_has_curves_and_tables_but_nothing_to_compare()
    {
        var study = app["RM-NPC-CADO"];
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var page = await browser.GetAsync($"/studies/{study.StudyId}/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("RM-NPC-CADO has one arm: there is nothing to compare, so there are no hazard ratios, forest plot or maturity over data cuts.", page.Text(".notice"));
        Assert.Null(page.Document.GetElementById("comparisons"));
        Assert.Null(page.Document.GetElementById("arm"));
        // Its primary endpoint is a rate (ORR); the curves show its first time-to-event endpoint, duration of response.
        Assert.Equal("Kaplan–Meier: Duration of response (DOR)", page.Text("#km-title"));
        var survival = JsonDocument.Parse(await browser.Client.GetStringAsync($"/api/studies/{study.StudyId}/survival?consistent=true")).RootElement;
        var arm = survival.GetProperty("arms")[0];
        Assert.Equal(arm.GetProperty("n").GetInt32().ToString(CultureInfo.InvariantCulture), InvestigatorDashboardTests.Rows(page, "km-estimates")["CADO-TPC"][0]);
        // Responders only: the rest are counted out by reason, never silently dropped.
        Assert.Contains("not a responder (DOR counts responders only)", page.Text("#km-title + figure ~ .population"));
    }
}
