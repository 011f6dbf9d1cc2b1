using System.Text.Json;
using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Patients;

public sealed class ListingPatientsTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    /// <summary>Five patients: three at S1 (one treated, one dead), one at S2, one at S3.</summary>
    private async Task<(Guid StudyId, Dictionary<string, Guid> Patients)> StudyWithPatientsAtThreeSitesAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patients = new Dictionary<string, Guid>
        {
            ["S1-001"] = await app.EnrolledPatientAsync(studyId, site: "S1", subjectCode: "S1-001"),
            ["S1-002"] = await app.EnrolledPatientAsync(studyId, site: "S1", arm: "C", subjectCode: "S1-002"),
            ["S1-010"] = await app.EnrolledPatientAsync(studyId, site: "S1", subjectCode: "S1-010"),
            ["S2-001"] = await app.EnrolledPatientAsync(studyId, site: "S2", subjectCode: "S2-001"),
            ["S3-001"] = await app.EnrolledPatientAsync(studyId, site: "S3", subjectCode: "S3-001"),
        };
        await app.RecordAsync(patients["S1-002"], "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(patients["S1-010"], "deaths", new { diedOn = "2020-02-01", cause = "Pneumonia" });
        return (studyId, patients);
    }

    private async Task<JsonElement> ListAsync(Guid studyId, string token, string query = "") => await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(token);
        s.Get.Url($"/api/studies/{studyId}/patients{query}");
        s.StatusCodeShouldBe(200);
    })).JsonAsync();

    private static string[] Codes(JsonElement list) => list.GetProperty("patients").EnumerateArray().Select(p => p.GetProperty("subjectCode").GetString()!).ToArray();

    [Fact]
    public async Task A_coordinator_sees_only_the_patients_of_her_sites_with_status_and_version()
    {
        var (studyId, patients) = await StudyWithPatientsAtThreeSitesAsync();

        var list = await ListAsync(studyId, app.Token("coordinator", "S1", "S2"));

        Assert.Equal(4, list.GetProperty("total").GetInt32());
        Assert.Equal(["S1-001", "S1-002", "S1-010", "S2-001"], Codes(list));
        var rows = list.GetProperty("patients").EnumerateArray().ToDictionary(p => p.GetProperty("subjectCode").GetString()!);
        Assert.Equal((patients["S1-002"], "S1", "C", "OnTreatment", 2L), (rows["S1-002"].GetProperty("patientId").GetGuid(), rows["S1-002"].GetProperty("site").GetString(),
            rows["S1-002"].GetProperty("arm").GetString(), rows["S1-002"].GetProperty("status").GetString(), rows["S1-002"].GetProperty("version").GetInt64()));
        Assert.Equal(("Dead", 2L), (rows["S1-010"].GetProperty("status").GetString(), rows["S1-010"].GetProperty("version").GetInt64()));
        Assert.Equal(("Enrolled", 1L), (rows["S1-001"].GetProperty("status").GetString(), rows["S1-001"].GetProperty("version").GetInt64()));

        Assert.Empty(Codes(await ListAsync(studyId, app.Token("coordinator", "S9"))));
    }

    [Fact]
    public async Task A_patient_is_found_again_by_subject_code_and_site()
    {
        var (studyId, _) = await StudyWithPatientsAtThreeSitesAsync();
        var coordinator = app.Token("coordinator", "S1", "S2");

        Assert.Equal(["S1-010"], Codes(await ListAsync(studyId, coordinator, "?subjectCode=010")));
        Assert.Equal(["S1-001", "S2-001"], Codes(await ListAsync(studyId, coordinator, "?subjectCode=-001")));
        Assert.Equal(["S2-001"], Codes(await ListAsync(studyId, coordinator, "?site=S2")));
        // Searching by code never reaches past the caller's sites.
        Assert.Empty(Codes(await ListAsync(studyId, coordinator, "?subjectCode=S3-001")));
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(coordinator);
            s.Get.Url($"/api/studies/{studyId}/patients?site=S3");
            s.StatusCodeShouldBe(403);
        });
    }

    [Fact]
    public async Task Patients_are_filtered_by_status_and_each_shows_the_last_thing_recorded()
    {
        var (studyId, patients) = await StudyWithPatientsAtThreeSitesAsync();
        var coordinator = app.Token("coordinator", "S1", "S2");

        Assert.Equal(["S1-010"], Codes(await ListAsync(studyId, coordinator, "?status=Dead")));
        Assert.Equal(["S1-001", "S2-001"], Codes(await ListAsync(studyId, coordinator, "?status=Enrolled")));
        // A void changes the status the filter finds: the death no longer counts.
        await app.RecordAsync(patients["S1-010"], "voids", new { entryVersion = 2, reason = "Wrong patient" });
        Assert.Empty(Codes(await ListAsync(studyId, coordinator, "?status=Dead")));

        var rows = (await ListAsync(studyId, coordinator)).GetProperty("patients").EnumerateArray().ToDictionary(p => p.GetProperty("subjectCode").GetString()!);
        var treated = rows["S1-002"].GetProperty("lastEntry");
        Assert.Equal((2L, "treatment start", "2020-01-10"), (treated.GetProperty("version").GetInt64(), treated.GetProperty("kind").GetString(), treated.GetProperty("clinicalDate").GetString()));
        var voided = rows["S1-010"].GetProperty("lastEntry");
        Assert.Equal((3L, "void of death", "2020-02-01"), (voided.GetProperty("version").GetInt64(), voided.GetProperty("kind").GetString(), voided.GetProperty("clinicalDate").GetString()));
        Assert.Equal("Enrolled", rows["S1-010"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_auditor_sees_every_site_a_page_at_a_time()
    {
        var (studyId, _) = await StudyWithPatientsAtThreeSitesAsync();

        Assert.Equal(["S1-001", "S1-002", "S1-010", "S2-001", "S3-001"], Codes(await ListAsync(studyId, app.Auditor)));
        var page = await ListAsync(studyId, app.Auditor, "?skip=2&take=2");
        Assert.Equal(["S1-010", "S2-001"], Codes(page));
        Assert.Equal((5, 2), (page.GetProperty("total").GetInt32(), page.GetProperty("skipped").GetInt32()));
    }

    [Theory]
    [InlineData("?take=501", "take")]
    [InlineData("?take=0", "take")]
    [InlineData("?skip=-1", "skip")]
    [InlineData("?status=dead", "status")]
    public async Task A_page_larger_than_500_or_out_of_range_is_a_bad_request(string query, string field)
    {
        var (studyId, _) = await StudyWithPatientsAtThreeSitesAsync();
        var problem = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/studies/{studyId}/patients{query}");
            s.StatusCodeShouldBe(400);
        })).ProblemAsync();
        Assert.Equal([field], problem.ErrorFields());
    }

    [Fact]
    public async Task An_unknown_study_is_not_found()
    {
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/studies/{Guid.NewGuid()}/patients");
            s.StatusCodeShouldBe(404);
        });
    }
}
