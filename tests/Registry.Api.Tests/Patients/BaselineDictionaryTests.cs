using System.Text.Json;
using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Patients;

/// <summary>
/// The enrolment's baseline is checked against the study's own data dictionary and eligibility: nothing about a
/// disease is the registry's. The same registry holds an NPC cohort (<see cref="Scenarios.Protocol"/>) and a breast
/// cancer cohort (<see cref="Scenarios.BreastProtocol"/>).
/// </summary>
public sealed class BaselineDictionaryTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static object Enrolment(object baseline, string arm = "THP", string subjectCode = "BC-017") =>
        new { subjectCode, arm, site = "S1", enrolledOn = "2025-04-02", baseline };

    private Task<IScenarioResult> RefusedEnrolmentAsync(Guid studyId, int status, object body) => app.RefusedAsync(status, s =>
    {
        s.WithBearerToken(app.Coordinator);
        s.Post.Json(body).ToUrl($"/api/studies/{studyId}/patients");
    });

    [Fact]
    public async Task A_breast_cancer_study_enrols_with_its_own_variables_and_they_read_back_in_the_history()
    {
        var studyId = await app.RegisteredStudyAsync(Scenarios.BreastProtocol());

        // A 16-year-old in neoadjuvant (line 0) treatment: both allowed because this study's protocol says so.
        var patientId = await app.EnrolledPatientAsync(studyId, "2025-04-02", arm: "THP", baseline: Scenarios.BreastBaseline(age: 16, treatmentLine: 0), subjectCode: "BC-017");

        var history = await app.HistoryAsync(patientId);
        var baseline = history.GetProperty("events")[0].GetProperty("data").GetProperty("baseline");
        Assert.Equal(16, baseline.GetProperty("age").GetInt32());
        Assert.Equal("positive", baseline.GetProperty("erStatus").GetString());
        Assert.Equal(0, baseline.GetProperty("treatmentLine").GetInt32());
        Assert.True(baseline.GetProperty("clinicalNodes").GetBoolean());
        Assert.Equal("2025-03-14", baseline.GetProperty("diagnosedOn").GetString());
        // Not known and not done are recorded as such, never as a default value.
        Assert.Equal("unknown", baseline.GetProperty("menopausalStatus").GetProperty("missing").GetString());
        Assert.Equal("notDone", baseline.GetProperty("ki67").GetProperty("missing").GetString());
        Assert.Equal("unknown", baseline.GetProperty("pathologyNote").GetProperty("missing").GetString());
        Assert.Equal(8, baseline.EnumerateObject().Count());
        Assert.Equal("THP", history.GetProperty("state").GetProperty("arm").GetString());
    }

    [Fact]
    public async Task A_patient_below_the_studys_eligible_age_is_refused_naming_the_criterion()
    {
        var studyId = await app.RegisteredStudyAsync(Scenarios.BreastProtocol());

        var problem = await (await RefusedEnrolmentAsync(studyId, 422, Enrolment(Scenarios.BreastBaseline(age: 15)))).ProblemAsync();

        // 15 is a valid record (the dictionary allows 0–120) of a patient the eligibility criterion excludes.
        Assert.Equal(["Not eligible: Age ≥ 16 years (recorded 15)."], problem.GetProperty("violations").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task Each_unmet_criterion_is_named_and_a_pretreated_patient_is_not_eligible_for_a_neoadjuvant_study()
    {
        var studyId = await app.RegisteredStudyAsync(Scenarios.BreastProtocol());

        var problem = await (await RefusedEnrolmentAsync(studyId, 422, Enrolment(Scenarios.BreastBaseline(age: 15, treatmentLine: 1)))).ProblemAsync();

        Assert.Equal(
            ["Not eligible: Age ≥ 16 years (recorded 15).", "Not eligible: No prior systemic therapy (neoadjuvant, line 0) (recorded 1)."],
            problem.GetProperty("violations").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task The_npc_study_refuses_another_studys_variable_a_wrong_type_an_out_of_range_value_an_unlisted_level_and_a_missing_value_in_one_answer()
    {
        var studyId = await app.RegisteredStudyAsync();
        var baseline = new Dictionary<string, object?>
        {
            ["age"] = "forty-five",      // wrong type
            ["sex"] = "male",            // the levels are "Male", "Female": case matters
            ["kps"] = 130,               // outside 0–100
            ["ebvDna"] = "positive",
            ["erStatus"] = "positive",   // the breast cancer study's variable, not this one's
            // liverMetastasis, a required variable, left out
        };

        var problem = await (await RefusedEnrolmentAsync(studyId, 400, new { subjectCode = "NPC-100", arm = "ITC", site = "S1", enrolledOn = "2020-01-05", baseline })).ProblemAsync();

        Assert.Equal(["baseline.age", "baseline.erStatus", "baseline.kps", "baseline.liverMetastasis", "baseline.sex"], problem.ErrorFields());
        var errors = problem.GetProperty("errors");
        Assert.StartsWith("'erStatus' is not a variable of study", errors.GetProperty("baseline.erStatus")[0].GetString());
        Assert.StartsWith("age must be a number", errors.GetProperty("baseline.age")[0].GetString());
        Assert.Equal("kps must be between 0 and 100; 130 is outside.", errors.GetProperty("baseline.kps")[0].GetString());
        Assert.Equal("sex must be one of 'Male', 'Female', not 'male'.", errors.GetProperty("baseline.sex")[0].GetString());
        Assert.Equal("Liver metastasis (liverMetastasis) is required.", errors.GetProperty("baseline.liverMetastasis")[0].GetString());
    }

    [Fact]
    public async Task A_required_value_cannot_be_recorded_as_missing()
    {
        var studyId = await app.RegisteredStudyAsync();
        var baseline = Scenarios.Baseline();
        baseline["kps"] = null;

        var problem = await (await RefusedEnrolmentAsync(studyId, 400, new { subjectCode = "NPC-101", arm = "ITC", site = "S1", enrolledOn = "2020-01-05", baseline })).ProblemAsync();

        Assert.Equal(["baseline.kps"], problem.ErrorFields());
        Assert.Equal("Karnofsky score (kps) is required and cannot be recorded as missing.", problem.GetProperty("errors").GetProperty("baseline.kps")[0].GetString());
    }

    public static TheoryData<string, object?> OptionalValues() => new()
    {
        { "null (unknown)", null },
        { "not done", new { missing = "notDone" } },
        { "unknown, spelt out", new { missing = "unknown" } },
        { "a value", "negative" },
    };

    [Theory]
    [MemberData(nameof(OptionalValues))]
    public async Task An_optional_variable_takes_a_value_or_a_missing_code(string what, object? ebvDna)
    {
        var studyId = await app.RegisteredStudyAsync();
        var baseline = Scenarios.Baseline();
        baseline["ebvDna"] = ebvDna;

        var patientId = await app.EnrolledPatientAsync(studyId, baseline: baseline);

        var recorded = (await app.HistoryAsync(patientId)).GetProperty("events")[0].GetProperty("data").GetProperty("baseline").GetProperty("ebvDna");
        var expected = ebvDna switch
        {
            null => """{"missing":"unknown"}""",
            string level => JsonSerializer.Serialize(level),
            _ => JsonSerializer.Serialize(ebvDna),
        };
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, recorded), $"{what}: recorded {recorded}");
    }

    [Fact]
    public async Task An_optional_variable_must_still_be_sent_and_only_with_its_own_missing_codes()
    {
        var studyId = await app.RegisteredStudyAsync(Scenarios.BreastProtocol());
        var baseline = Scenarios.BreastBaseline();
        baseline.Remove("pathologyNote");
        baseline["menopausalStatus"] = new { missing = "notDone" };

        var problem = await (await RefusedEnrolmentAsync(studyId, 400, Enrolment(baseline))).ProblemAsync();

        // Leaving a key out is not "unknown": nothing is filled in by default.
        Assert.Equal(["baseline.menopausalStatus", "baseline.pathologyNote"], problem.ErrorFields());
        Assert.Equal("menopausalStatus may be recorded as missing only with 'unknown', not 'notDone'.",
            problem.GetProperty("errors").GetProperty("baseline.menopausalStatus")[0].GetString());
        Assert.Contains("must be given", problem.GetProperty("errors").GetProperty("baseline.pathologyNote")[0].GetString());
    }

    [Fact]
    public async Task Dates_and_texts_in_the_dictionary_are_checked_as_such()
    {
        var studyId = await app.RegisteredStudyAsync(Scenarios.BreastProtocol());
        var baseline = Scenarios.BreastBaseline();
        baseline["diagnosedOn"] = "14/03/2025";
        baseline["pathologyNote"] = new string('x', 501);
        baseline["ki67"] = 35.5;

        var problem = await (await RefusedEnrolmentAsync(studyId, 400, Enrolment(baseline))).ProblemAsync();

        Assert.Equal(["baseline.diagnosedOn", "baseline.pathologyNote"], problem.ErrorFields());
    }

    public static TheoryData<string, string, string> ValuesThatWouldRecordNothing() => new()
    {
        // ki67 is optional, so a value dropped there would pass as if nothing were wrong.
        { "ki67", """{}""", "baseline.ki67 is an empty object" },
        { "ki67", """{"missing":"notDone","value":12.5}""", "baseline.ki67 records a missing code" },
        { "her2", """{"low":{}}""", "baseline.her2.low is an empty object" },
    };

    [Theory]
    [MemberData(nameof(ValuesThatWouldRecordNothing))]
    public async Task A_baseline_object_that_would_record_nothing_is_refused_not_dropped(string key, string value, string refusal)
    {
        var studyId = await app.RegisteredStudyAsync(Scenarios.BreastProtocol());
        var baseline = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(Scenarios.BreastBaseline()))!;
        baseline[key] = System.Text.Json.Nodes.JsonNode.Parse(value);
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["subjectCode"] = "BC-020", ["arm"] = "THP", ["site"] = "S1", ["enrolledOn"] = "2025-04-02", ["baseline"] = baseline,
        };

        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Text(body.ToJsonString()).ToUrl($"/api/studies/{studyId}/patients").ContentType("application/json");
        })).ProblemAsync();

        Assert.Contains(refusal, problem.GetProperty("detail").GetString());
    }
}
