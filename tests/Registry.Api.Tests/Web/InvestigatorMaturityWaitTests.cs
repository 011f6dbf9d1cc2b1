using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Npgsql;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.StudyViews;
using Registry.Api.Tests.Infrastructure;
using Registry.Demo;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.Web;

/// <summary>The motivating demo study behind a dashboard that waits half a second for maturity, as a large study's would have to.</summary>
public sealed class ImpatientDashboardApp : RegistryApp
{
    public Guid StudyId { get; private set; }

    protected override void ConfigureHost(IWebHostBuilder builder) => builder.UseSetting(MaturityRuns.WaitSetting, "0.5");

    protected override async Task SeedAsync()
    {
        var simulated = DemoStudies.Find(DemoStudyApp.Code)!.Generate(null, 1);
        StudyId = await DemoStudyApp.SeedAsync(this, simulated);
        await DemoStudyApp.OutcomeRowsCaughtUpAsync(this, StudyId, simulated.Patients);
    }
}

/// <summary>
/// Maturity's first answer per question reads every chart (seconds at 100 000 patients): the dashboard answers without
/// it after its wait, says it is still being computed, and shows it at a later load, computed meanwhile.
/// </summary>
public sealed class InvestigatorMaturityWaitTests(ImpatientDashboardApp app) : IClassFixture<ImpatientDashboardApp>
{
    [Fact]
    public async Task A_maturity_still_being_computed_is_said_so_and_is_on_a_later_load()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var dashboard = $"/studies/{app.StudyId}/dashboard";
        // The page's own set is read first, once the async daemon has passed every event (else the set re-derives the
        // patients above its mark from their charts): only maturity's pass over the charts is held up below.
        await ProjectedToTheLastEventAsync();
        await browser.Client.GetStringAsync($"/api/studies/{app.StudyId}/survival?consistent=true");

        BrowserSession.Page page;
        await using (var holder = new NpgsqlConnection(app.ConnectionString))
        {
            await holder.OpenAsync();
            await using var hold = await holder.BeginTransactionAsync();
            // Maturity cannot read a chart while this is held: the page is sure to outwait it.
            await using (var take = new NpgsqlCommand($"lock table {EventStoreConfiguration.Schema}.mt_doc_patientchart in access exclusive mode", holder, hold))
                await take.ExecuteNonQueryAsync();
            page = await browser.GetAsync(dashboard);
            await hold.RollbackAsync();
        }
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.StartsWith("The comparison at each data cut is still being computed", page.Text("#maturity-title + p"));
        Assert.Null(page.Document.GetElementById("maturity"));
        // Everything else is on the page.
        Assert.Equal(6, InvestigatorDashboardTests.Rows(page, "comparisons").Count);
        Assert.NotNull(page.Document.GetElementById("km-estimates"));

        // The note's link reloads the same page, its choices kept.
        var reload = page.Document.QuerySelector("#maturity-title + p a")?.GetAttribute("href");
        Assert.EndsWith(dashboard, reload);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (page.Document.GetElementById("maturity") is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            page = await browser.GetAsync(reload!);
        }
        var api = JsonDocument.Parse(await browser.Client.GetStringAsync($"/api/studies/{app.StudyId}/maturity")).RootElement;
        Assert.Equal(api.GetProperty("cuts").GetArrayLength(), InvestigatorDashboardTests.Rows(page, "maturity").Count);
        Assert.Null(page.Document.QuerySelector("#maturity-title + p[role=status]"));
    }

    private async Task ProjectedToTheLastEventAsync()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        var schema = EventStoreConfiguration.Schema;
        await using var behind = new NpgsqlCommand(
            $"select coalesce((select max(seq_id) from {schema}.mt_events), 0) > coalesce((select max(last_seq_id) from {schema}.mt_event_progression " +
            $"where name in ('{StudyScopes.HighWaterMark}', '{StudyScopes.OutcomeRowsProgression}')), 0)", connection);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((bool)(await behind.ExecuteScalarAsync())! && DateTime.UtcNow < deadline) await Task.Delay(100);
    }
}
