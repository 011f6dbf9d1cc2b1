using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Patients;

public sealed class EnrollingTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static object Enrolment(string subjectCode = "NPC-001", string arm = "ITC", string site = "S1", string enrolledOn = "2020-01-05") =>
        new { subjectCode, arm, site, enrolledOn, baseline = Scenarios.Baseline() };

    [Fact]
    public async Task A_coordinator_enrols_a_patient_recorded_under_the_tokens_subject()
    {
        var studyId = await app.RegisteredStudyAsync();
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Tokens.Mint("alice", ["coordinator"], ["S1"], TimeSpan.FromHours(1)));
            s.WithRequestHeader("X-User", "mallory");
            s.Post.Json(Enrolment()).ToUrl($"/api/studies/{studyId}/patients");
            s.StatusCodeShouldBe(201);
        });
        var patientId = (await result.JsonAsync()).GetProperty("id").GetGuid();

        var history = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/patients/{patientId}/history");
        })).JsonAsync();
        var enrolled = history.GetProperty("events")[0];
        Assert.Equal("patient_enrolled", enrolled.GetProperty("type").GetString());
        Assert.Equal("alice", enrolled.GetProperty("recordedBy").GetString());
        Assert.Equal("NPC-001", enrolled.GetProperty("data").GetProperty("subjectCode").GetString());
        Assert.Equal(90, enrolled.GetProperty("data").GetProperty("baseline").GetProperty("kps").GetInt32());
        Assert.Equal(1, enrolled.GetProperty("protocolVersion").GetInt32());
        Assert.Equal("Enrolled", history.GetProperty("state").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Bad_json_is_a_problem_and_nothing_is_appended()
    {
        var studyId = await app.RegisteredStudyAsync();
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Text("{\"subjectCode\": \"NPC-9\", ").ToUrl($"/api/studies/{studyId}/patients").ContentType("application/json");
        })).ProblemAsync();
        Assert.Equal(["body"], problem.ErrorFields());
        Assert.StartsWith("The request body is not valid JSON", problem.GetProperty("errors").GetProperty("body")[0].GetString());
    }

    [Fact]
    public async Task Every_missing_or_impossible_field_of_the_request_is_listed()
    {
        var studyId = await app.RegisteredStudyAsync();
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { subjectCode = "John Smith", site = "S1", enrolledOn = "2021-02-30" }).ToUrl($"/api/studies/{studyId}/patients");
        })).ProblemAsync();

        Assert.Equal(["baseline", "enrolledOn", "subjectCode"], problem.ErrorFields());
        var errors = problem.GetProperty("errors");
        Assert.Contains("not a calendar date", errors.GetProperty("enrolledOn")[0].GetString());
        Assert.Contains("pseudonymous code", errors.GetProperty("subjectCode")[0].GetString());
    }

    [Fact]
    public async Task Every_field_the_study_protocol_refuses_is_listed_in_one_answer()
    {
        var studyId = await app.RegisteredStudyAsync();
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { subjectCode = "NPC-002", site = "S1", enrolledOn = "2021-02-03", baseline = new { age = 7.5, kps = 85, liverMetastasis = "yes" } })
                .ToUrl($"/api/studies/{studyId}/patients");
        })).ProblemAsync();

        // This study assigns arms at enrolment, so the arm is one of the protocol's fields.
        Assert.Equal(["arm", "baseline.age", "baseline.ebvDna", "baseline.liverMetastasis", "baseline.sex"], problem.ErrorFields());
        var errors = problem.GetProperty("errors");
        Assert.Equal("age must be a whole number.", errors.GetProperty("baseline.age")[0].GetString());
        Assert.Equal("liverMetastasis must be true or false.", errors.GetProperty("baseline.liverMetastasis")[0].GetString());
        Assert.Contains("arm is required", errors.GetProperty("arm")[0].GetString());
    }

    [Fact]
    public async Task An_enrolment_dated_in_the_future_is_refused()
    {
        var studyId = await app.RegisteredStudyAsync();
        var future = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(10).ToString("yyyy-MM-dd");
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(Enrolment(enrolledOn: future)).ToUrl($"/api/studies/{studyId}/patients");
        })).ProblemAsync();
        Assert.Contains("future", problem.GetProperty("errors").GetProperty("enrolledOn")[0].GetString());
    }

    [Fact]
    public async Task Unknown_study_or_arm_is_unprocessable()
    {
        var studyId = await app.RegisteredStudyAsync();
        await app.RefusedAsync(422, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(Enrolment()).ToUrl($"/api/studies/{Guid.NewGuid()}/patients");
        });
        var problem = await (await app.RefusedAsync(422, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(Enrolment(arm: "XYZ")).ToUrl($"/api/studies/{studyId}/patients");
        })).ProblemAsync();
        Assert.Contains("no arm 'XYZ'", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_subject_code_is_enrolled_once_per_study()
    {
        var studyId = await app.RegisteredStudyAsync();
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(Enrolment("NPC-DUP")).ToUrl($"/api/studies/{studyId}/patients");
            s.StatusCodeShouldBe(201);
        });
        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(Enrolment("NPC-DUP")).ToUrl($"/api/studies/{studyId}/patients");
        });
    }

    [Theory]
    [InlineData("investigator", "S1", 403)]
    [InlineData("auditor", "S1", 403)]
    [InlineData("admin", "S1", 403)]
    [InlineData("coordinator", "S2", 403)]
    public async Task Only_a_coordinator_of_the_site_enrols(string role, string tokenSite, int status)
    {
        var studyId = await app.RegisteredStudyAsync();
        await app.RefusedAsync(status, s =>
        {
            s.WithBearerToken(app.Token(role, tokenSite));
            s.Post.Json(Enrolment(site: "S1")).ToUrl($"/api/studies/{studyId}/patients");
        });
    }

    [Fact]
    public async Task No_token_is_unauthorised()
    {
        var studyId = await app.RegisteredStudyAsync();
        await app.RefusedAsync(401, s => s.Post.Json(Enrolment()).ToUrl($"/api/studies/{studyId}/patients"));
    }
}
