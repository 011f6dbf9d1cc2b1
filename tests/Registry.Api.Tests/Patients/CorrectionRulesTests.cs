using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Outcomes;

namespace Registry.Api.Tests.Patients;

/// <summary>
/// A correction's replacement obeys exactly the rules of the entry it replaces: the same field rules, the same
/// protocol checks, the same caller's sites. Each refusal below is the one the entry's own route gives, keyed
/// under <c>replacement.</c>, and nothing is recorded — otherwise a correction would be a way round every rule.
/// </summary>
public sealed class CorrectionRulesTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    /// <summary>
    /// A patient of the NPC study at S1: v1 enrolled 2024-01-05 in ITC, v2 a partial response on 2024-02-02, v3 treatment
    /// started 2024-01-10 (entered late), v4 grade 2 fatigue. Best overall response PR, so ORR counts the patient.
    /// </summary>
    private async Task<(Guid StudyId, Guid PatientId, string SubjectCode)> RespondingPatientAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        var subjectCode = $"NPC-{Guid.NewGuid():N}"[..10];
        var patientId = await app.EnrolledPatientAsync(studyId, "2024-01-05", subjectCode: subjectCode);
        await app.RecordAsync(patientId, "imaging-assessments", new { assessedOn = "2024-02-02", targetLesionSumMm = 32.0, nonTargetStatus = "NonCRNonPD", newLesions = false, response = "PR" });
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2024-01-10", agents = new[] { "camrelizumab", "apatinib", "gemcitabine", "cisplatin" }, line = 2 });
        await app.RecordAsync(patientId, "adverse-events", new { term = "Fatigue", grade = 2, onsetOn = "2024-01-20", serious = false, attribution = "Possible" });
        return (studyId, patientId, subjectCode);
    }

    /// <summary>Sends <paramref name="entry"/> to its route and as a correction's replacement; both must be refused alike, and neither recorded.</summary>
    private async Task<JsonElement> RefusedAlikeAsync(int status, string url, JsonObject entry, Guid patientId, long entryVersion, string kind, string? token = null)
    {
        var direct = await (await app.RefusedAsync(status, s =>
        {
            s.WithBearerToken(token ?? app.Coordinator);
            s.Post.Json(entry).ToUrl(url);
        })).ProblemAsync();

        var replacement = new JsonObject { ["kind"] = kind };
        foreach (var (name, value) in entry) replacement[name] = value?.DeepClone();
        var corrected = await (await app.RefusedAsync(status, s =>
        {
            s.WithBearerToken(token ?? app.Coordinator);
            s.Post.Json(new JsonObject { ["entryVersion"] = entryVersion, ["reason"] = "x", ["replacement"] = replacement }).ToUrl($"/api/patients/{patientId}/corrections");
        })).ProblemAsync();

        if (status == 400)
        {
            var expected = direct.GetProperty("errors").EnumerateObject().ToDictionary(p => $"replacement.{p.Name}", p => p.Value.GetRawText());
            var actual = corrected.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText());
            Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
        }
        else Assert.Equal(direct.GetProperty("violations").GetRawText(), corrected.GetProperty("violations").GetRawText());
        return corrected;
    }

    private static JsonObject Json(object value) => JsonSerializer.SerializeToNode(value, new JsonSerializerOptions(JsonSerializerDefaults.Web))!.AsObject();

    [Fact]
    public async Task An_imaging_correction_without_its_findings_is_refused_and_the_response_rate_is_unchanged()
    {
        var (_, patientId, _) = await RespondingPatientAsync();
        Assert.Equal(BestOverallResponse.PR, (await app.OutcomeRowAsync(patientId, 4)).Outcome.BestOverallResponse);

        // The case, byte for byte: a replacement that only moves the date would erase the PR.
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Text("""{"entryVersion":2,"reason":"x","replacement":{"kind":"imagingAssessed","assessedOn":"2024-02-02"}}""")
                .ToUrl($"/api/patients/{patientId}/corrections").ContentType("application/json");
        })).ProblemAsync();
        Assert.Equal(["replacement.newLesions", "replacement.nonTargetStatus", "replacement.response"], problem.ErrorFields());

        await RefusedAlikeAsync(400, $"/api/patients/{patientId}/imaging-assessments", Json(new { assessedOn = "2024-02-02" }), patientId, 2, "imagingAssessed");

        var row = await app.OutcomeRowAsync(patientId, 4);
        Assert.Equal(4, row.Version);
        Assert.Equal(BestOverallResponse.PR, row.Outcome.BestOverallResponse);
    }

    [Fact]
    public async Task A_complete_response_with_new_lesions_is_refused_as_a_correction_as_it_is_as_an_entry()
    {
        var (_, patientId, _) = await RespondingPatientAsync();
        var problem = await RefusedAlikeAsync(400, $"/api/patients/{patientId}/imaging-assessments",
            Json(new { assessedOn = "2024-02-02", targetLesionSumMm = 0.0, nonTargetStatus = "CR", newLesions = true, response = "CR" }), patientId, 2, "imagingAssessed");
        Assert.Equal(["replacement.response"], problem.ErrorFields());
        Assert.Contains("must be PD when there are new lesions", problem.GetProperty("errors").GetProperty("replacement.response")[0].GetString());
    }

    [Fact]
    public async Task A_negative_target_lesion_sum_is_refused_as_a_correction_as_it_is_as_an_entry()
    {
        var (_, patientId, _) = await RespondingPatientAsync();
        var problem = await RefusedAlikeAsync(400, $"/api/patients/{patientId}/imaging-assessments",
            Json(new { assessedOn = "2024-02-02", targetLesionSumMm = -50.0, nonTargetStatus = "NonCRNonPD", newLesions = false, response = "PR" }), patientId, 2, "imagingAssessed");
        Assert.Equal(["replacement.targetLesionSumMm"], problem.ErrorFields());
    }

    [Fact]
    public async Task An_adverse_event_correction_without_a_term_or_a_grade_is_refused_as_the_entry_is()
    {
        var (_, patientId, _) = await RespondingPatientAsync();
        var url = $"/api/patients/{patientId}/adverse-events";

        var termless = Json(new { grade = 2, onsetOn = "2024-01-20", serious = false, attribution = "Possible" });
        termless["term"] = null;
        Assert.Equal(["replacement.term"], (await RefusedAlikeAsync(400, url, termless, patientId, 4, "adverseEventRecorded")).ErrorFields());

        var gradeless = Json(new { term = "Fatigue", onsetOn = "2024-01-20", serious = false, attribution = "Possible" });
        Assert.Equal(["replacement.grade"], (await RefusedAlikeAsync(400, url, gradeless, patientId, 4, "adverseEventRecorded")).ErrorFields());
    }

    [Fact]
    public async Task A_corrected_enrolment_is_held_to_the_studys_eligibility_arms_and_the_callers_sites()
    {
        var (studyId, patientId, subjectCode) = await RespondingPatientAsync();
        var enrolments = $"/api/studies/{studyId}/patients";
        JsonObject Enrolment(string site = "S1", string arm = "ITC", int age = 54) =>
            Json(new { subjectCode, arm, site, enrolledOn = "2024-01-05", baseline = Scenarios.Baseline(age) });

        // Each enrolment is first sent to the enrolment route under a fresh subject code, which must be refused alike.
        async Task<JsonElement> RefusedAsync(int status, JsonObject corrected)
        {
            var entry = corrected.DeepClone().AsObject();
            entry["subjectCode"] = $"NEW-{Guid.NewGuid():N}"[..10];
            var direct = await (await app.RefusedAsync(status, s =>
            {
                s.WithBearerToken(app.Coordinator);
                s.Post.Json(entry).ToUrl(enrolments);
            })).ProblemAsync();
            var correction = new JsonObject { ["kind"] = "enrolled" };
            foreach (var (name, value) in corrected) correction[name] = value?.DeepClone();
            var problem = await (await app.RefusedAsync(status, s =>
            {
                s.WithBearerToken(app.Coordinator);
                s.Post.Json(new JsonObject { ["entryVersion"] = 1, ["reason"] = "Enrolment form re-checked", ["replacement"] = correction })
                    .ToUrl($"/api/patients/{patientId}/corrections");
            })).ProblemAsync();
            Assert.Equal(direct.GetProperty("violations").GetRawText(), problem.GetProperty("violations").GetRawText());
            return problem;
        }

        var child = await RefusedAsync(422, Enrolment(age: 7));
        Assert.Equal(["Not eligible: Age 18–80 years (recorded 7)."], child.GetProperty("violations").EnumerateArray().Select(v => v.GetString()));

        var noSuchArm = await RefusedAsync(422, Enrolment(arm: "IT"));
        Assert.StartsWith($"Study ", noSuchArm.GetProperty("detail").GetString());
        Assert.Contains("has no arm 'IT' (it has ITC, C)", noSuchArm.GetProperty("detail").GetString());

        // An S1 coordinator cannot move a patient to S2 by correction any more than enrol one there.
        var elsewhere = await RefusedAsync(403, Enrolment(site: "S2"));
        Assert.Equal("Your token does not cover site 'S2'.", elsewhere.GetProperty("detail").GetString());

        // The dictionary is the same too.
        var bad = Enrolment();
        bad["baseline"]!["kps"] = 130;
        await RefusedAlikeAsync(400, enrolments, bad, patientId, 1, "enrolled");

        var state = (await app.HistoryAsync(patientId)).GetProperty("state");
        Assert.Equal(("S1", "ITC", 4L), (state.GetProperty("site").GetString(), state.GetProperty("arm").GetString(), state.GetProperty("version").GetInt64()));
    }

    [Fact]
    public async Task A_correct_correction_is_recorded_and_a_valid_replacement_of_another_kind_is_a_conflict()
    {
        var (_, patientId, subjectCode) = await RespondingPatientAsync();

        await app.RecordAsync(patientId, "corrections", new
        {
            entryVersion = 2, reason = "Central review: stable disease, not PR",
            replacement = new { kind = "imagingAssessed", assessedOn = "2024-02-02", targetLesionSumMm = 41.0, nonTargetStatus = "NonCRNonPD", newLesions = false, response = "SD" },
        });
        await app.RecordAsync(patientId, "corrections", new
        {
            entryVersion = 1, reason = "Age mis-keyed at enrolment",
            replacement = new { kind = "enrolled", subjectCode, arm = "C", site = "S1", enrolledOn = "2024-01-05", baseline = Scenarios.Baseline(age: 54) },
        });
        var history = await app.HistoryAsync(patientId);
        var state = history.GetProperty("state");
        Assert.Equal("C", state.GetProperty("arm").GetString());
        Assert.Equal(54, state.GetProperty("entries")[0].GetProperty("current").GetProperty("baseline").GetProperty("age").GetInt32());
        Assert.Equal("SD", state.GetProperty("entries")[1].GetProperty("current").GetProperty("response").GetString());
        // 2024-02-02 is 23 days after the treatment start: too soon for SD to count as best overall response.
        Assert.Equal(BestOverallResponse.NE, (await app.OutcomeRowAsync(patientId, 6)).Outcome.BestOverallResponse);

        var problem = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 2, reason = "wrong form", replacement = new { kind = "died", diedOn = "2024-03-01", cause = "Disease progression" } })
                .ToUrl($"/api/patients/{patientId}/corrections");
        })).ProblemAsync();
        Assert.Contains("a correction must replace it with the same kind of entry, not with a death", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_replacement_of_unknown_kind_or_with_a_field_its_kind_lacks_is_refused_naming_it()
    {
        var (_, patientId, _) = await RespondingPatientAsync();

        var unknownKind = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 2, reason = "x", replacement = new { kind = "scan", assessedOn = "2024-02-02" } }).ToUrl($"/api/patients/{patientId}/corrections");
        })).ProblemAsync();
        Assert.Contains("'scan'", unknownKind.GetProperty("detail").GetString());

        // "grade" is an adverse event's field: on an imaging replacement it is a mistake, not something to drop.
        var strayField = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 2, reason = "x", replacement = new { kind = "imagingAssessed", assessedOn = "2024-02-02", nonTargetStatus = "None", newLesions = false, response = "SD", grade = 2 } })
                .ToUrl($"/api/patients/{patientId}/corrections");
        })).ProblemAsync();
        Assert.Contains("'grade'", strayField.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_expected_version_inside_the_replacement_is_refused_and_beside_entry_version_it_guards_the_stream()
    {
        var (_, patientId, _) = await RespondingPatientAsync();
        var replacement = new { kind = "imagingAssessed", assessedOn = "2024-02-02", targetLesionSumMm = 30.0, nonTargetStatus = "NonCRNonPD", newLesions = false, response = "PR" };

        // Inside the replacement the entry route's own expectedVersion would be read and then ignored.
        var misplaced = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 2, reason = "Sum re-measured", replacement = new { replacement.kind, replacement.assessedOn, replacement.targetLesionSumMm, replacement.nonTargetStatus, replacement.newLesions, replacement.response, expectedVersion = 1 } })
                .ToUrl($"/api/patients/{patientId}/corrections");
        })).ProblemAsync();
        Assert.Equal(["replacement.expectedVersion"], misplaced.ErrorFields());

        var stale = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 2, reason = "Sum re-measured", replacement, expectedVersion = 1 }).ToUrl($"/api/patients/{patientId}/corrections");
        })).ProblemAsync();
        Assert.Contains("version 4, not the expected 1", stale.GetProperty("detail").GetString());

        await app.RecordAsync(patientId, "corrections", new { entryVersion = 2, reason = "Sum re-measured", replacement, expectedVersion = 4 });
    }
}
