using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Studies;

public sealed class RegisteringStudyTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task An_admin_registers_a_study_that_then_lists_with_its_arms()
    {
        var id = await app.RegisteredStudyAsync("NPC-LIST");

        var list = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url("/api/studies");
        })).JsonAsync();

        var study = list.EnumerateArray().Single(s => s.GetProperty("id").GetGuid() == id);
        Assert.Equal("NPC-LIST", study.GetProperty("code").GetString());
        Assert.Equal(["ITC", "C"], study.GetProperty("arms").EnumerateArray().Select(a => a.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Missing_fields_are_each_listed_and_nothing_is_appended()
    {
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { arms = new[] { new { code = "I T" } } }).ToUrl("/api/studies");
        })).ProblemAsync();

        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("code", out _));
        Assert.True(errors.TryGetProperty("title", out _));
        Assert.True(errors.TryGetProperty("arms[0].code", out _));
        Assert.True(errors.TryGetProperty("arms[0].name", out _));
    }

    [Fact]
    public async Task A_duplicate_study_code_is_a_conflict()
    {
        await app.RegisteredStudyAsync("NPC-DUP");
        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "NPC-DUP", title = "again", arms = new[] { new { code = "C", name = "Chemo" } } }).ToUrl("/api/studies");
        });
    }

    [Theory]
    [InlineData("coordinator", 403)]
    [InlineData("investigator", 403)]
    [InlineData("auditor", 403)]
    [InlineData(null, 401)]
    public async Task Only_an_admin_registers_studies(string? role, int status)
    {
        await app.RefusedAsync(status, s =>
        {
            if (role is not null) s.WithBearerToken(app.Token(role, "S1"));
            s.Post.Json(new { code = "NPC-ROLE", title = "t", arms = new[] { new { code = "C", name = "Chemo" } } }).ToUrl("/api/studies");
        });
    }

    [Fact]
    public async Task An_arm_added_later_is_enrollable_and_a_repeated_arm_code_conflicts()
    {
        var studyId = await app.RegisteredStudyAsync();
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT", name = "ICI + targeted" }).ToUrl($"/api/studies/{studyId}/arms");
            s.StatusCodeShouldBe(201);
        });
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { subjectCode = "ARM-IT-1", arm = "IT", site = "S1", enrolledOn = "2021-03-01", baseline = Scenarios.Baseline() })
                .ToUrl($"/api/studies/{studyId}/patients");
            s.StatusCodeShouldBe(201);
        });
        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT", name = "again" }).ToUrl($"/api/studies/{studyId}/arms");
        });
    }

    [Fact]
    public async Task Adding_an_arm_to_an_unknown_study_is_not_found()
    {
        await app.RefusedAsync(404, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT", name = "ICI + targeted" }).ToUrl($"/api/studies/{Guid.NewGuid()}/arms");
        });
    }
}
