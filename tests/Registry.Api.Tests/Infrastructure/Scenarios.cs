using System.Text.Json;
using Alba;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>Builds registry state through the public API, as a coordinator or admin would.</summary>
public static class Scenarios
{
    public static object Baseline(int age = 45) => new Dictionary<string, object?>
    {
        ["age"] = age,
        ["sex"] = "Male",
        ["kps"] = 90,
        ["liverMetastasis"] = true,
        ["ebvDna"] = "positive",
    };

    /// <summary>
    /// A small two-arm protocol: age (18–80 by eligibility, grouped &lt;50/≥50), sex, KPS (≥ 70 by eligibility), liver
    /// metastasis and EBV DNA (may be unknown); PFS, OS, ORR and DCR from treatment start.
    /// </summary>
    public static Dictionary<string, object?> Protocol(string? code = null, string design = "non-randomized", string timeOrigin = "treatmentStart") => new()
    {
        ["code"] = code ?? $"NPC-{Guid.NewGuid():N}"[..12],
        ["title"] = "Previously treated R/M NPC",
        ["setting"] = "Recurrent/metastatic NPC, second line or later",
        ["design"] = design,
        ["timeOrigin"] = timeOrigin,
        ["arms"] = new object[]
        {
            new { code = "ITC", name = "ICI + targeted + chemo", regimen = new object[] { new { @class = "immune-checkpoint-inhibitor", agent = "camrelizumab" }, new { @class = "anti-angiogenic", agent = "apatinib" }, new { @class = "chemotherapy", agent = "gemcitabine + cisplatin", agents = 2 } } },
            new { code = "C", name = "Chemotherapy", regimen = new object[] { new { @class = "chemotherapy", agent = "gemcitabine + cisplatin", agents = 2 } } },
        },
        ["variables"] = new object[]
        {
            new { key = "age", label = "Age", type = "integer", unit = "years", min = 0, max = 120, grouping = new { cutPoints = new[] { 50 } } },
            new { key = "sex", label = "Sex", type = "category", levels = new[] { "Male", "Female" } },
            new { key = "kps", label = "Karnofsky score", type = "integer", min = 0, max = 100, grouping = new { cutPoints = new[] { 90 }, labels = new[] { "70–80", "90–100" } } },
            new { key = "liverMetastasis", label = "Liver metastasis", type = "boolean" },
            new { key = "ebvDna", label = "EBV DNA", type = "category", levels = new[] { "positive", "negative" }, required = false },
        },
        ["eligibility"] = new object[] { new { variable = "age", min = 18, max = 80 }, new { variable = "kps", min = 70 } },
        ["endpoints"] = new[] { "pfs", "os", "orr", "dcr" },
        ["primaryEndpoint"] = "pfs",
        ["analysis"] = new { reference = "C", comparisons = new[] { new { arm = "ITC", reference = "C" } }, subgroups = new[] { "age", "sex", "liverMetastasis" } },
    };

    public static async Task<Guid> RegisteredStudyAsync(this RegistryApp app, string? code = null)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(Protocol(code)).ToUrl("/api/studies");
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
