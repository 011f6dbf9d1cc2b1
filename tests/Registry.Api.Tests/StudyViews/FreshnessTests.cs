using System.Diagnostics;
using Alba;
using Registry.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registry.Api.Tests.StudyViews;

/// <summary>An accepted event reaches the asynchronously kept survival view on its own, and at once with consistent=true.</summary>
public sealed class FreshnessTests(RegistryApp app, ITestOutputHelper output) : IClassFixture<RegistryApp>
{
    private async Task<int> PfsEventsAsync(Guid studyId, bool consistent) =>
        (await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{studyId}/survival?endpoint=pfs&arms=ITC{(consistent ? "&consistent=true" : "")}");
        })).JsonAsync()).GetProperty("arms")[0].GetProperty("events").GetInt32();

    [Fact]
    public async Task A_progression_shows_in_the_survival_view()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2020-01-10" });

        await app.RecordAsync(patientId, "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });
        Assert.Equal(1, await PfsEventsAsync(studyId, consistent: true));

        // The async daemon's lag is measured, not asserted (no timing assertions); the bound only stops a hung daemon.
        var waited = Stopwatch.StartNew();
        while (await PfsEventsAsync(studyId, consistent: false) != 1)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "The async outcome rows never caught up with the progression.");
            await Task.Delay(50);
        }
        output.WriteLine($"The survival view showed the progression {waited.ElapsedMilliseconds} ms after it was accepted.");
    }

    [Theory]
    [InlineData("survival?endpoint=pfs&consistent=maybe", "consistent")]
    [InlineData("survival?endpoint=xyz", "endpoint")]
    [InlineData("survival?unit=weeks", "unit")]
    [InlineData("comparisons?arm=ITC&reference=ZZ", "reference")]
    [InlineData("comparisons?arm=ITC&reference=C&strata=weight", "strata")]
    [InlineData("comparisons?arm=ITC&reference=C&adjust=weight", "adjust")]
    [InlineData("survival?landmarks=0", "landmarks")]
    [InlineData("subgroups?arm=ITC&reference=ITC", "reference")]
    [InlineData("comparisons?arm=ITC&reference=C&dataCut=2021-13-01", "dataCut")]
    [InlineData("maturity?arm=ITC&reference=C&every=fortnightly", "every")]
    public async Task A_malformed_query_is_a_bad_request_naming_the_parameter(string query, string parameter)
    {
        var studyId = await app.RegisteredStudyAsync();
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{studyId}/{query}");
            s.StatusCodeShouldBe(400);
        });
        Assert.Contains(parameter, await result.ReadAsTextAsync());
    }
}
