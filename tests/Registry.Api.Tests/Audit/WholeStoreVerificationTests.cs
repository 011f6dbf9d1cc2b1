using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Audit;

/// <summary>Its own database, so the whole store is exactly what these tests recorded.</summary>
public sealed class WholeStoreVerificationTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task A_store_holding_every_kind_of_event_verifies_clean_as_a_whole()
    {
        var studyId = await app.RegisteredStudyAsync();
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT", name = "ICI + targeted", regimen = new[] { new { @class = "immune-checkpoint-inhibitor", agent = "toripalimab" } }, reason = "Arm opened by amendment" }).ToUrl($"/api/studies/{studyId}/arms");
            s.StatusCodeShouldBe(201);
        });
        var first = await app.EnrolledPatientAsync(studyId);
        await app.RecordAsync(first, "treatment-starts", new { startedOn = "2020-01-10", agents = new[] { "camrelizumab", "apatinib" }, line = 2 });
        // jsonb prints this number as 0.00001 where the serializer wrote 1E-05; the canonical form must not care.
        await app.RecordAsync(first, "imaging-assessments", new { assessedOn = "2020-02-20", targetLesionSumMm = 0.00001, nonTargetStatus = "NonCRNonPD", newLesions = false, response = "SD" });
        await app.RecordAsync(first, "progressions", new { progressedOn = "2020-06-01", basis = "Clinical" });
        await app.RecordAsync(first, "voids", new { entryVersion = 4, reason = "Pseudo-progression — «réévaluée» on review" });
        await app.RecordAsync(first, "adverse-events", new { term = "Myocarditis", grade = 5, onsetOn = "2020-07-01", serious = true, attribution = "Probable", diedOn = "2020-07-03" });
        var second = await app.EnrolledPatientAsync(studyId, site: "S2");
        await app.RecordAsync(second, "follow-ups", new { lastKnownAliveOn = "2020-03-01" }, token: app.Token("coordinator", "S2"));
        await app.RecordAsync(second, "withdrawals", new { withdrewOn = "2020-04-01", reason = "Consent withdrawn" }, token: app.Token("coordinator", "S2"));
        await app.RecordAsync(second, "corrections", new
        {
            entryVersion = 1, reason = "Age mis-keyed",
            replacement = new { kind = "enrolled", arm = "ITC", site = "S2", subjectCode = await SubjectCodeAsync(second), enrolledOn = "2020-01-05", baseline = Scenarios.Baseline(age: 54) },
        }, token: app.Token("coordinator", "S2"));

        var report = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url("/api/audit/verify");
        })).JsonAsync();

        Assert.Equal("[]", report.GetProperty("breaks").GetRawText());
        Assert.True(report.GetProperty("intact").GetBoolean());
        Assert.Equal(3, report.GetProperty("streams").GetInt32());
        Assert.Equal((await app.EventStoreMarkAsync()).Count, report.GetProperty("events").GetInt64());
        Assert.Equal(2 + 7 + 4, report.GetProperty("events").GetInt64());
    }

    [Fact]
    public async Task Verifying_a_study_that_does_not_exist_is_not_found()
    {
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/audit/verify?studyId={Guid.NewGuid()}");
            s.StatusCodeShouldBe(404);
        });
    }

    private async Task<string> SubjectCodeAsync(Guid patientId) =>
        (await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/patients/{patientId}/history");
        })).JsonAsync()).GetProperty("state").GetProperty("subjectCode").GetString()!;
}
