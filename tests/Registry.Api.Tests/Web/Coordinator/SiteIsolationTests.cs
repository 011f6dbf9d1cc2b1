using System.Net;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web.Coordinator;

/// <summary>A coordinator sees and changes only her own sites' patients, on every page, as on every API route.</summary>
public sealed class SiteIsolationTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Theory]
    [InlineData("")]
    [InlineData("/record/imaging")]
    [InlineData("/entries/1/correct")]
    [InlineData("/entries/2/void")]
    public async Task A_coordinator_of_S2_cannot_open_an_S1_patient(string page)
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId, site: "S1", subjectCode: "S1-ISO");
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2020-01-10" });
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S2");

        var opened = await browser.GetAsync($"/patients/{patientId}{page}");

        Assert.Equal(HttpStatusCode.Forbidden, opened.Status);
        Assert.Equal(["This patient is enrolled at site S1, which your account does not cover."], opened.Summary());
        Assert.DoesNotContain("S1-ISO", opened.Html);
        Assert.Empty(opened.Document.QuerySelectorAll("main form, main input"));
    }

    [Fact]
    public async Task A_form_posted_for_another_sites_patient_records_nothing()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId, site: "S1");
        using var own = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        using var other = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S2");
        // The S2 coordinator replays a form the S1 coordinator's page holds, with her own session's antiforgery token.
        var form = await own.GetAsync($"/patients/{patientId}/record/last-known-alive");
        var token = (await other.GetAsync("/")).Document.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var before = await app.EventStoreMarkAsync();

        using var response = await other.Client.PostAsync($"/patients/{patientId}/record/last-known-alive", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "record", ["__RequestVerificationToken"] = token, ["expectedVersion"] = "1", ["lastKnownAliveOn"] = "2020-03-01",
        }));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(before, await app.EventStoreMarkAsync());
        Assert.NotNull(form.Input("Date last known alive"));
    }
}
