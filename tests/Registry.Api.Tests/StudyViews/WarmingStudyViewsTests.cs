using Registry.Api.StudyViews;
using Registry.Api.Tests.Infrastructure;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// After start the registry reads the studies' view sets ahead of their first request (<see cref="WarmingStudyViews"/>):
/// the largest studies' current views first, then their read-your-write sets, as many as the kept-bytes budget holds.
/// Its own host, so the sets counted are this test's alone.
/// </summary>
public sealed class WarmingStudyViewsTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private async Task<Guid> StudyWithTreatedPatientsAsync(int patients)
    {
        var studyId = await app.RegisteredStudyAsync();
        for (var i = 0; i < patients; i++)
        {
            var patient = await app.EnrolledPatientAsync(studyId);
            await app.RecordAsync(patient, "treatment-starts", new { startedOn = "2020-01-10" });
            await app.OutcomeRowAsync(patient, 2);
        }
        return studyId;
    }

    [Fact]
    public async Task Warming_keeps_the_largest_studies_current_sets_first_then_their_read_your_write_sets_while_they_fit()
    {
        var larger = await StudyWithTreatedPatientsAsync(3);
        await StudyWithTreatedPatientsAsync(2);
        await app.RegisteredStudyAsync();
        var scopes = StudyScopes.Of(app.Store);
        var budget = scopes.MaximumBytesKept;
        try
        {
            // Room for 9 patients: both current sets (3 + 2), then the larger study's read-your-write set (3); the smaller one's (2) would not fit.
            scopes.MaximumBytesKept = 9 * StudyScopes.BytesPerPatient;
            Assert.Equal((0, 0), scopes.Kept);
            var warmed = await WarmingStudyViews.WarmAsync(app.Store, CancellationToken.None);
            Assert.Equal((3, 8), (warmed.Sets, warmed.Patients));
            Assert.Equal([larger], warmed.ReadYourWrite.Select(s => s.Id));

            // The warmed study's first views answer from the sets kept: nothing read beside them, nothing dropped.
            var survival = await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.Investigator);
                s.Get.Url($"/api/studies/{larger}/survival?arms=ITC&consistent=true");
            });
            Assert.Equal(3, (await survival.JsonAsync()).GetProperty("arms")[0].GetProperty("n").GetInt32());
            Assert.Equal((3, 8), scopes.Kept);
        }
        finally
        {
            scopes.MaximumBytesKept = budget;
        }
    }
}
