using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Patients;

public sealed class RecordingFollowUpTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private async Task<Guid> TreatedPatientAsync()
    {
        var patientId = await app.EnrolledPatientAsync(await app.RegisteredStudyAsync(), enrolledOn: "2020-01-05");
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2020-01-10", agents = new[] { "camrelizumab" }, line = 2 });
        return patientId;
    }

    private async Task<System.Text.Json.JsonElement> StateAsync(Guid patientId) =>
        (await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/patients/{patientId}/history");
        })).JsonAsync()).GetProperty("state");

    [Fact]
    public async Task A_full_follow_up_is_recorded_in_order_and_derives_the_patients_state()
    {
        var patientId = await TreatedPatientAsync();
        await app.RecordAsync(patientId, "imaging-assessments", new { assessedOn = "2020-02-20", targetLesionSumMm = 31.5, nonTargetStatus = "NonCRNonPD", newLesions = false, response = "PR" });
        await app.RecordAsync(patientId, "adverse-events", new { term = "Hypothyroidism", grade = 2, onsetOn = "2020-03-01", serious = false, attribution = "Probable" });
        await app.RecordAsync(patientId, "follow-ups", new { lastKnownAliveOn = "2020-05-01" });
        await app.RecordAsync(patientId, "progressions", new { progressedOn = "2020-06-15", basis = "Radiological" });
        var died = await app.RecordAsync(patientId, "deaths", new { diedOn = "2021-01-20", cause = "Disease progression" });

        Assert.Equal(7, (await died.JsonAsync()).GetProperty("version").GetInt64());
        var state = await StateAsync(patientId);
        Assert.Equal("Dead", state.GetProperty("status").GetString());
        Assert.Equal("2020-01-10", state.GetProperty("treatmentStartedOn").GetString());
        Assert.Equal("2020-06-15", state.GetProperty("progressedOn").GetString());
        Assert.Equal("2021-01-20", state.GetProperty("diedOn").GetString());
        Assert.Equal("2021-01-20", state.GetProperty("lastKnownAliveOn").GetString());
    }

    [Fact]
    public async Task Progression_before_treatment_start_is_a_conflict()
    {
        var patientId = await TreatedPatientAsync();
        var problem = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { progressedOn = "2020-01-08", basis = "Radiological" }).ToUrl($"/api/patients/{patientId}/progressions");
        })).ProblemAsync();
        Assert.Contains("before treatment started on 2020-01-10", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_clinical_date_before_enrolment_is_a_conflict()
    {
        var patientId = await TreatedPatientAsync();
        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { assessedOn = "2019-12-01", nonTargetStatus = "None", newLesions = false, response = "SD" })
                .ToUrl($"/api/patients/{patientId}/imaging-assessments");
        });
    }

    [Fact]
    public async Task Nothing_but_a_correction_may_follow_death_and_a_second_death_is_refused()
    {
        var patientId = await TreatedPatientAsync();
        await app.RecordAsync(patientId, "deaths", new { diedOn = "2020-08-01" });

        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { lastKnownAliveOn = "2020-09-01" }).ToUrl($"/api/patients/{patientId}/follow-ups");
        });
        var second = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { diedOn = "2020-07-01" }).ToUrl($"/api/patients/{patientId}/deaths");
        })).ProblemAsync();
        Assert.Contains("second death", second.GetProperty("detail").GetString());

        // An imaging dated before death but entered afterwards is ordinary retrospective entry, not "after death".
        await app.RecordAsync(patientId, "imaging-assessments", new { assessedOn = "2020-03-01", nonTargetStatus = "None", newLesions = false, response = "SD" });
        await app.RecordAsync(patientId, "corrections", new { entryVersion = 3, reason = "Death certificate gives 2 August", replacement = new { kind = "died", diedOn = "2020-08-02" } });
    }

    [Fact]
    public async Task A_fatal_adverse_event_needs_a_death_and_can_bring_it()
    {
        var patientId = await TreatedPatientAsync();
        var problem = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { term = "Pneumonitis", grade = 5, onsetOn = "2020-04-01", serious = true, attribution = "Possible" })
                .ToUrl($"/api/patients/{patientId}/adverse-events");
        })).ProblemAsync();
        Assert.Contains("grade 5", problem.GetProperty("detail").GetString());

        var recorded = await app.RecordAsync(patientId, "adverse-events",
            new { term = "Pneumonitis", grade = 5, onsetOn = "2020-04-01", serious = true, attribution = "Possible", diedOn = "2020-04-09" });
        var body = await recorded.JsonAsync();
        Assert.Equal(3, body.GetProperty("firstVersion").GetInt64());
        Assert.Equal(4, body.GetProperty("version").GetInt64());
        Assert.Equal("2020-04-09", (await StateAsync(patientId)).GetProperty("diedOn").GetString());
    }

    [Fact]
    public async Task Adverse_event_fields_are_validated()
    {
        var patientId = await TreatedPatientAsync();
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { term = "", grade = 6, onsetOn = "2020-13-01", diedOn = "2020-04-09" }).ToUrl($"/api/patients/{patientId}/adverse-events");
        })).ProblemAsync();
        var errors = problem.GetProperty("errors");
        Assert.All(new[] { "term", "grade", "onsetOn", "serious", "attribution", "diedOn" },
            f => Assert.True(errors.TryGetProperty(f, out _), $"no error for {f}: {errors}"));
    }

    [Fact]
    public async Task Imaging_must_follow_RECIST_when_new_lesions_appear()
    {
        var patientId = await TreatedPatientAsync();
        await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { assessedOn = "2020-03-01", targetLesionSumMm = 20.0, nonTargetStatus = "NonCRNonPD", newLesions = true, response = "SD" })
                .ToUrl($"/api/patients/{patientId}/imaging-assessments");
        });
    }

    [Fact]
    public async Task A_stale_expected_version_is_a_conflict_and_the_current_one_succeeds()
    {
        var patientId = await TreatedPatientAsync();
        var problem = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { lastKnownAliveOn = "2020-04-01", expectedVersion = 1 }).ToUrl($"/api/patients/{patientId}/follow-ups");
        })).ProblemAsync();
        Assert.Contains("version 2, not the expected 1", problem.GetProperty("detail").GetString());

        await app.RecordAsync(patientId, "follow-ups", new { lastKnownAliveOn = "2020-04-01", expectedVersion = 2 });
    }

    [Fact]
    public async Task Concurrent_writes_to_one_patient_lose_nothing()
    {
        var patientId = await TreatedPatientAsync();
        var attempts = Enumerable.Range(1, 6).Select(day => app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { lastKnownAliveOn = $"2020-04-0{day}" }).ToUrl($"/api/patients/{patientId}/follow-ups");
            s.IgnoreStatusCode();
        })).ToList();
        var statuses = (await Task.WhenAll(attempts)).Select(r => r.Context.Response.StatusCode).ToList();

        Assert.All(statuses, code => Assert.Contains(code, new[] { 201, 409 }));
        var history = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/patients/{patientId}/history");
        })).JsonAsync();
        // Every accepted write is in the stream exactly once, at consecutive versions.
        Assert.Equal(2 + statuses.Count(c => c == 201), history.GetProperty("events").GetArrayLength());
        Assert.Equal(Enumerable.Range(1, history.GetProperty("events").GetArrayLength()).Select(v => (long)v),
            history.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("version").GetInt64()));
    }

    [Fact]
    public async Task Writes_to_an_unknown_patient_or_another_sites_patient_are_refused()
    {
        var patientId = await TreatedPatientAsync();
        await app.RefusedAsync(404, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { diedOn = "2020-08-01" }).ToUrl($"/api/patients/{Guid.NewGuid()}/deaths");
        });
        await app.RefusedAsync(403, s =>
        {
            s.WithBearerToken(app.Token("coordinator", "S2"));
            s.Post.Json(new { diedOn = "2020-08-01" }).ToUrl($"/api/patients/{patientId}/deaths");
        });
        await app.RefusedAsync(403, s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Post.Json(new { diedOn = "2020-08-01" }).ToUrl($"/api/patients/{patientId}/deaths");
        });
        await app.RefusedAsync(401, s => s.Post.Json(new { diedOn = "2020-08-01" }).ToUrl($"/api/patients/{patientId}/deaths"));
    }

    [Fact]
    public async Task A_withdrawal_needs_a_reason()
    {
        var patientId = await TreatedPatientAsync();
        await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { withdrewOn = "2020-05-01", reason = " " }).ToUrl($"/api/patients/{patientId}/withdrawals");
        });
        await app.RecordAsync(patientId, "withdrawals", new { withdrewOn = "2020-05-01", reason = "Moved abroad" });
        Assert.Equal("2020-05-01", (await StateAsync(patientId)).GetProperty("withdrewOn").GetString());
    }
}
