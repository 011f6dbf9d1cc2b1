using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Patients;

/// <summary>
/// A randomized study (<see cref="Scenarios.RandomizedProtocol"/>: arms PD1 and PBO, stratified by overall stage and
/// EBV DNA): patients are enrolled without an arm and allocated once by a randomization entry; failures after
/// curative-intent treatment are recorded as typed relapses.
/// </summary>
public sealed class RandomizationTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static Dictionary<string, string> Strata(string stage = "III", string ebvDna = "≥ 4000") => new() { ["overallStage"] = stage, ["ebvDna"] = ebvDna };

    private async Task<(Guid StudyId, Guid PatientId)> EnrolledAsync()
    {
        var studyId = await app.RegisteredStudyAsync(Scenarios.RandomizedProtocol());
        return (studyId, await app.EnrolledPatientAsync(studyId, "2024-03-01", arm: null, baseline: Scenarios.RandomizedBaseline()));
    }

    private Task<IScenarioResult> RefusedRandomizationAsync(Guid patientId, int status, object body) => app.RefusedAsync(status, s =>
    {
        s.WithBearerToken(app.Coordinator);
        s.Post.Json(body).ToUrl($"/api/patients/{patientId}/randomizations");
    });

    [Fact]
    public async Task A_patient_is_enrolled_without_an_arm_and_randomized_once()
    {
        var (_, patientId) = await EnrolledAsync();
        var before = (await app.HistoryAsync(patientId)).GetProperty("state");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("arm").ValueKind);

        var recorded = await (await app.RecordAsync(patientId, "randomizations", new { randomizedOn = "2024-03-02", arm = "PD1", strata = Strata() })).JsonAsync();
        Assert.Equal(2, recorded.GetProperty("version").GetInt64());

        var history = await app.HistoryAsync(patientId);
        var state = history.GetProperty("state");
        Assert.Equal("PD1", state.GetProperty("arm").GetString());
        Assert.Equal("2024-03-02", state.GetProperty("randomizedOn").GetString());
        var randomized = history.GetProperty("events")[1];
        Assert.Equal("patient_randomized", randomized.GetProperty("type").GetString());
        Assert.Equal("≥ 4000", randomized.GetProperty("data").GetProperty("strata").GetProperty("ebvDna").GetString());

        var again = await (await RefusedRandomizationAsync(patientId, 409, new { randomizedOn = "2024-03-05", arm = "PBO", strata = Strata() })).ProblemAsync();
        Assert.Contains("already randomized on 2024-03-02 to PD1", again.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_arm_sent_at_enrolment_in_a_randomized_study_is_refused()
    {
        var studyId = await app.RegisteredStudyAsync(Scenarios.RandomizedProtocol());
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { subjectCode = "LA-0042", arm = "PD1", site = "S1", enrolledOn = "2024-03-01", baseline = Scenarios.RandomizedBaseline() })
                .ToUrl($"/api/studies/{studyId}/patients");
        })).ProblemAsync();

        Assert.Equal(["arm"], problem.ErrorFields());
        Assert.Contains("assigned by the randomization entry", problem.GetProperty("errors").GetProperty("arm")[0].GetString());
    }

    [Fact]
    public async Task A_randomization_to_an_arm_the_study_lacks_is_unprocessable()
    {
        var (_, patientId) = await EnrolledAsync();
        var problem = await (await RefusedRandomizationAsync(patientId, 422, new { randomizedOn = "2024-03-02", arm = "PD-1", strata = Strata() })).ProblemAsync();
        Assert.Contains("has no arm 'PD-1' (it has PD1, PBO)", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Strata_must_name_each_stratification_factor_by_one_of_its_group_labels()
    {
        var (_, patientId) = await EnrolledAsync();

        // A level the factor does not have, a factor the study does not stratify by, and EBV DNA left out.
        var wrong = await (await RefusedRandomizationAsync(patientId, 400, new
        {
            randomizedOn = "2024-03-02", arm = "PD1", strata = new Dictionary<string, string> { ["overallStage"] = "IIIB", ["tStage"] = "T3" },
        })).ProblemAsync();
        Assert.Equal(["strata.ebvDna", "strata.overallStage", "strata.tStage"], wrong.ErrorFields());
        Assert.Equal("strata.overallStage must be one of 'I', 'II', 'III', 'IVA', 'IVB', not 'IIIB'.",
            wrong.GetProperty("errors").GetProperty("strata.overallStage")[0].GetString());

        // The raw value is not a stratum: EBV DNA is allocated by its cut-point group.
        var raw = await (await RefusedRandomizationAsync(patientId, 400, new { randomizedOn = "2024-03-02", arm = "PD1", strata = Strata(ebvDna: "5200") })).ProblemAsync();
        Assert.Equal("strata.ebvDna must be one of '< 4000', '≥ 4000', not '5200'.", raw.GetProperty("errors").GetProperty("strata.ebvDna")[0].GetString());

        var missing = await (await RefusedRandomizationAsync(patientId, 400, new { randomizedOn = "2024-03-02", arm = "PD1" })).ProblemAsync();
        Assert.Equal(["strata.ebvDna", "strata.overallStage"], missing.ErrorFields());
    }

    [Fact]
    public async Task A_randomization_in_a_study_that_is_not_randomized_is_unprocessable()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);

        var problem = await (await RefusedRandomizationAsync(patientId, 422, new { randomizedOn = "2020-01-06", arm = "ITC", strata = new Dictionary<string, string>() })).ProblemAsync();
        Assert.Contains("is non-randomized: its patients are not randomized", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_randomization_is_corrected_under_the_same_rules()
    {
        var (_, patientId) = await EnrolledAsync();
        await app.RecordAsync(patientId, "randomizations", new { randomizedOn = "2024-03-02", arm = "PD1", strata = Strata() });

        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 2, reason = "Stratum keyed wrongly", replacement = new { kind = "randomized", randomizedOn = "2024-03-02", arm = "PD1", strata = Strata(stage: "IVC", ebvDna: "< 4000") } })
                .ToUrl($"/api/patients/{patientId}/corrections");
        })).ProblemAsync();
        Assert.Equal(["replacement.strata.overallStage"], problem.ErrorFields());

        await app.RefusedAsync(422, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 2, reason = "Arm keyed wrongly", replacement = new { kind = "randomized", randomizedOn = "2024-03-02", arm = "PLACEBO", strata = Strata() } })
                .ToUrl($"/api/patients/{patientId}/corrections");
        });

        await app.RecordAsync(patientId, "corrections", new
        {
            entryVersion = 2, reason = "EBV DNA stratum keyed wrongly", replacement = new { kind = "randomized", randomizedOn = "2024-03-02", arm = "PD1", strata = Strata(ebvDna: "< 4000") },
        });
        var entry = (await app.HistoryAsync(patientId)).GetProperty("state").GetProperty("entries")[1];
        Assert.Equal("< 4000", entry.GetProperty("current").GetProperty("strata").GetProperty("ebvDna").GetString());
    }

    [Fact]
    public async Task A_typed_relapse_is_recorded_and_shows_in_the_history()
    {
        var (_, patientId) = await EnrolledAsync();
        await app.RecordAsync(patientId, "randomizations", new { randomizedOn = "2024-03-02", arm = "PBO", strata = Strata() });
        await app.RecordAsync(patientId, "relapses", new { relapsedOn = "2025-01-20", type = "distant" });
        await app.RecordAsync(patientId, "relapses", new { relapsedOn = "2025-04-11", type = "locoregional" });

        var history = await app.HistoryAsync(patientId);
        var relapses = history.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "disease_relapsed")
            .Select(e => (e.GetProperty("data").GetProperty("relapsedOn").GetString(), e.GetProperty("data").GetProperty("type").GetString()));
        Assert.Equal([("2025-01-20", "Distant"), ("2025-04-11", "Locoregional")], relapses);
        var state = history.GetProperty("state");
        Assert.Equal("Progressed", state.GetProperty("status").GetString());
        Assert.Equal("2025-01-20", state.GetProperty("progressedOn").GetString());
        Assert.Equal(["enrolment", "randomization", "relapse", "relapse"], state.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task A_relapse_needs_its_type_and_a_progression_its_basis()
    {
        var (_, patientId) = await EnrolledAsync();

        var relapse = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { relapsedOn = "2025-01-20" }).ToUrl($"/api/patients/{patientId}/relapses");
        })).ProblemAsync();
        Assert.Equal(["type"], relapse.ErrorFields());

        var notAType = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { relapsedOn = "2025-01-20", type = "regional" }).ToUrl($"/api/patients/{patientId}/relapses");
        })).ProblemAsync();
        Assert.Equal("type must be one of Locoregional, Distant, Both.", notAType.GetProperty("errors").GetProperty("type")[0].GetString());

        var progression = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { progressedOn = "2025-01-20", site = "distant" }).ToUrl($"/api/patients/{patientId}/progressions");
        })).ProblemAsync();
        Assert.Equal(["basis"], progression.ErrorFields());
        Assert.Equal("basis is required: Radiological or Clinical.", progression.GetProperty("errors").GetProperty("basis")[0].GetString());

        await app.RecordAsync(patientId, "progressions", new { progressedOn = "2025-01-20", basis = "Clinical", site = "distant" });
    }
}
