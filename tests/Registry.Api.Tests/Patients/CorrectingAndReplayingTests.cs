using System.Text.Json;
using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Patients;

public sealed class CorrectingAndReplayingTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private async Task<Guid> ProgressedPatientAsync()
    {
        var patientId = await app.EnrolledPatientAsync(await app.RegisteredStudyAsync(), enrolledOn: "2020-01-05");
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(patientId, "progressions", new { progressedOn = "2020-06-01", basis = "Radiological" });
        return patientId;
    }

    private async Task<JsonElement> HistoryAsync(Guid patientId, string? asOf = null, string? token = null) =>
        await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(token ?? app.Auditor);
            s.Get.Url(asOf is null ? $"/api/patients/{patientId}/history" : $"/api/patients/{patientId}/history?asOf={Uri.EscapeDataString(asOf)}");
        })).JsonAsync();

    [Fact]
    public async Task A_correction_replaces_the_entry_in_the_state_and_keeps_the_original_in_the_history()
    {
        var patientId = await ProgressedPatientAsync();
        await app.RecordAsync(patientId, "corrections", new
        {
            entryVersion = 3,
            reason = "Scan re-read by the radiologist",
            replacement = new { kind = "diseaseProgressed", progressedOn = "2020-07-01", basis = "Radiological" },
        });

        var history = await HistoryAsync(patientId);
        var events = history.GetProperty("events");
        Assert.Equal("2020-06-01", events[2].GetProperty("data").GetProperty("progressedOn").GetString());
        Assert.Equal("entry_corrected", events[3].GetProperty("type").GetString());
        Assert.Equal("Scan re-read by the radiologist", events[3].GetProperty("reason").GetString());
        Assert.Equal("coordinator-user", events[3].GetProperty("recordedBy").GetString());
        Assert.Equal("2020-07-01", history.GetProperty("state").GetProperty("progressedOn").GetString());
        Assert.Equal([4L], history.GetProperty("state").GetProperty("entries")[2].GetProperty("amendedBy").EnumerateArray().Select(v => v.GetInt64()));
    }

    [Fact]
    public async Task The_audit_view_shows_each_entry_as_first_recorded_with_its_corrections_and_void_beside_it()
    {
        var patientId = await ProgressedPatientAsync();
        var carol = app.Tokens.Mint("carol", ["coordinator"], ["S1"], TimeSpan.FromHours(1));
        var dan = app.Tokens.Mint("dan", ["coordinator"], ["S1"], TimeSpan.FromHours(1));
        await app.RecordAsync(patientId, "corrections", new
        {
            entryVersion = 3, reason = "Scan re-read", replacement = new { kind = "diseaseProgressed", progressedOn = "2020-07-01", basis = "Radiological" },
        }, token: carol);
        await app.RecordAsync(patientId, "corrections", new
        {
            entryVersion = 3, reason = "Clinical, not radiological", replacement = new { kind = "diseaseProgressed", progressedOn = "2020-07-01", basis = "Clinical" },
        }, token: dan);
        await app.RecordAsync(patientId, "voids", new { entryVersion = 3, reason = "Pseudo-progression on review" }, token: carol);

        var history = await HistoryAsync(patientId);
        var events = history.GetProperty("events");
        var progression = history.GetProperty("state").GetProperty("entries")[2];
        Assert.Equal(3, progression.GetProperty("version").GetInt64());
        Assert.True(progression.GetProperty("voided").GetBoolean());
        Assert.Equal("coordinator-user", progression.GetProperty("recordedBy").GetString());
        Assert.Equal(events[2].GetProperty("recordedAt").GetDateTimeOffset(), progression.GetProperty("recordedAt").GetDateTimeOffset());
        Assert.Equal("2020-06-01", progression.GetProperty("original").GetProperty("progressedOn").GetString());
        Assert.Equal("Clinical", progression.GetProperty("current").GetProperty("basis").GetString());

        var amendments = progression.GetProperty("amendments").EnumerateArray().ToArray();
        Assert.Equal([4L, 5L, 6L], amendments.Select(a => a.GetProperty("version").GetInt64()));
        Assert.Equal(["corrected", "corrected", "voided"], amendments.Select(a => a.GetProperty("action").GetString()));
        Assert.Equal(["carol", "dan", "carol"], amendments.Select(a => a.GetProperty("recordedBy").GetString()));
        Assert.Equal(["Scan re-read", "Clinical, not radiological", "Pseudo-progression on review"], amendments.Select(a => a.GetProperty("reason").GetString()));
        Assert.Equal(new[] { 3, 4, 5 }.Select(i => events[i].GetProperty("recordedAt").GetDateTimeOffset()), amendments.Select(a => a.GetProperty("recordedAt").GetDateTimeOffset()));
        Assert.Equal("Radiological", amendments[0].GetProperty("replacement").GetProperty("basis").GetString());
        Assert.Equal(JsonValueKind.Null, amendments[2].GetProperty("replacement").ValueKind);
        Assert.Empty(history.GetProperty("state").GetProperty("entries")[1].GetProperty("amendments").EnumerateArray());
    }

    [Fact]
    public async Task A_correction_without_a_reason_is_refused()
    {
        var patientId = await ProgressedPatientAsync();
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 3, reason = "  ", replacement = new { kind = "diseaseProgressed", progressedOn = "2020-07-01", basis = "Radiological" } })
                .ToUrl($"/api/patients/{patientId}/corrections");
        })).ProblemAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _));
    }

    [Fact]
    public async Task A_correction_must_keep_the_entrys_kind_and_obey_the_rules()
    {
        var patientId = await ProgressedPatientAsync();
        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 3, reason = "wrong form", replacement = new { kind = "died", diedOn = "2020-06-01" } })
                .ToUrl($"/api/patients/{patientId}/corrections");
        });
        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 3, reason = "typo", replacement = new { kind = "diseaseProgressed", progressedOn = "2020-01-01", basis = "Radiological" } })
                .ToUrl($"/api/patients/{patientId}/corrections");
        });
        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 9, reason = "typo", replacement = new { kind = "diseaseProgressed", progressedOn = "2020-06-02", basis = "Radiological" } })
                .ToUrl($"/api/patients/{patientId}/corrections");
        });
    }

    [Fact]
    public async Task A_voided_progression_puts_the_patient_back_at_risk()
    {
        var patientId = await ProgressedPatientAsync();
        await app.RecordAsync(patientId, "voids", new { entryVersion = 3, reason = "Pseudo-progression on review" });

        var state = (await HistoryAsync(patientId)).GetProperty("state");
        Assert.Equal("OnTreatment", state.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("progressedOn").ValueKind);

        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 3, reason = "again" }).ToUrl($"/api/patients/{patientId}/voids");
        });
        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 1, reason = "not ours" }).ToUrl($"/api/patients/{patientId}/voids");
        });
    }

    [Fact]
    public async Task AsOf_replays_what_the_registry_knew_before_a_later_correction()
    {
        var patientId = await ProgressedPatientAsync();
        var before = (await HistoryAsync(patientId)).GetProperty("events")[2].GetProperty("recordedAt").GetDateTimeOffset();
        await Task.Delay(50);
        await app.RecordAsync(patientId, "corrections", new
        {
            entryVersion = 3, reason = "Date transcribed wrongly", replacement = new { kind = "diseaseProgressed", progressedOn = "2020-08-01", basis = "Radiological" },
        });

        var then = await HistoryAsync(patientId, before.AddMilliseconds(1).ToString("O"));
        Assert.Equal(3, then.GetProperty("events").GetArrayLength());
        Assert.Equal("2020-06-01", then.GetProperty("state").GetProperty("progressedOn").GetString());

        var now = await HistoryAsync(patientId);
        Assert.Equal(4, now.GetProperty("events").GetArrayLength());
        Assert.Equal("2020-08-01", now.GetProperty("state").GetProperty("progressedOn").GetString());
    }

    [Fact]
    public async Task AsOf_before_enrolment_is_not_found_and_a_malformed_asOf_is_a_bad_request()
    {
        var patientId = await ProgressedPatientAsync();
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/patients/{patientId}/history?asOf=2001-01-01T00:00:00Z");
            s.StatusCodeShouldBe(404);
        });
        var problem = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/patients/{patientId}/history?asOf=yesterday");
            s.StatusCodeShouldBe(400);
        })).ProblemAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty("asOf", out _));
    }

    [Theory]
    [InlineData("auditor", "", 200)]
    [InlineData("coordinator", "S1", 200)]
    [InlineData("coordinator", "S2", 403)]
    [InlineData("investigator", "", 403)]
    [InlineData("admin", "", 403)]
    public async Task History_is_read_by_auditors_and_the_sites_coordinators(string role, string site, int status)
    {
        var patientId = await ProgressedPatientAsync();
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(site.Length == 0 ? app.Token(role) : app.Token(role, site));
            s.Get.Url($"/api/patients/{patientId}/history");
            s.StatusCodeShouldBe(status);
        });
    }
}
