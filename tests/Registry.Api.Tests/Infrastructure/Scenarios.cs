using System.Text.Json;
using Alba;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>Builds registry state through the public API, as a coordinator or admin would.</summary>
public static class Scenarios
{
    public static object Baseline(int age = 45) => new
    {
        age,
        sex = "Male",
        karnofskyScore = 90,
        bodyMassIndex = 22.5,
        npcFamilyHistory = false,
        diseaseStatus = "Metastatic",
        treatmentLine = 2,
        metastaticSites = new { count = 2, liver = true, lung = true, bone = false, other = false },
        ebvDna = "Positive",
    };

    public static async Task<Guid> RegisteredStudyAsync(this RegistryApp app, string? code = null)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new
            {
                code = code ?? $"NPC-{Guid.NewGuid():N}"[..12],
                title = "Previously treated R/M NPC",
                setting = "Recurrent/metastatic NPC, second line or later",
                primaryEndpoint = "PFS",
                arms = new object[]
                {
                    new { code = "ITC", name = "ICI + targeted + chemo", regimen = new { immuneCheckpointInhibitor = "camrelizumab", antiAngiogenicAgent = "apatinib", chemotherapyAgents = new[] { "gemcitabine", "cisplatin" } } },
                    new { code = "C", name = "Chemotherapy", regimen = new { chemotherapyAgents = new[] { "gemcitabine", "cisplatin" } } },
                },
            }).ToUrl("/api/studies");
            s.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<IdResponse>())!.Id;
    }

    public static async Task<Guid> EnrolledPatientAsync(this RegistryApp app, Guid studyId, string enrolledOn = "2020-01-05", string site = "S1")
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Token("coordinator", site));
            s.Post.Json(new { subjectCode = $"P-{Guid.NewGuid():N}"[..10], arm = "ITC", site, enrolledOn, baseline = Baseline() })
                .ToUrl($"/api/studies/{studyId}/patients");
            s.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<IdResponse>())!.Id;
    }

    public static Task<IScenarioResult> RecordAsync(this RegistryApp app, Guid patientId, string route, object body, int status = 201, string? token = null) =>
        app.Host.Scenario(s =>
        {
            s.WithBearerToken(token ?? app.Coordinator);
            s.Post.Json(body).ToUrl($"/api/patients/{patientId}/{route}");
            s.StatusCodeShouldBe(status);
        });

    /// <summary>Runs a request that must be refused with <paramref name="status"/> and proves the event store did not change.</summary>
    public static async Task<IScenarioResult> RefusedAsync(this RegistryApp app, int status, Action<Scenario> request)
    {
        var before = await app.EventStoreMarkAsync();
        var result = await app.Host.Scenario(s =>
        {
            request(s);
            s.StatusCodeShouldBe(status);
        });
        Assert.Equal(before, await app.EventStoreMarkAsync());
        return result;
    }

    public static async Task<JsonElement> ProblemAsync(this IScenarioResult result)
    {
        Assert.StartsWith("application/problem+json", result.Context.Response.ContentType);
        return JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;
    }

    public static async Task<JsonElement> JsonAsync(this IScenarioResult result) =>
        JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;

    public sealed record IdResponse(Guid Id);
}
