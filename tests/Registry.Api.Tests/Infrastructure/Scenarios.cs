using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>Builds registry state through the public API, as a coordinator or admin would.</summary>
public static class Scenarios
{
    public static Dictionary<string, object?> Baseline(int age = 45) => new()
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

    /// <summary>
    /// Docs/protocol.md's example (d), a neoadjuvant HER2-positive breast cancer cohort: its own variables (ER status,
    /// menopausal status, Ki-67 that may be "not done", a diagnosis date, a free-text note), line of treatment from 0,
    /// eligibility from 16 years and line 0 only, time from enrolment.
    /// </summary>
    public static JsonObject BreastProtocol(string? code = null) => WithCode(BreastJson, code ?? $"BC-{Guid.NewGuid():N}"[..12]);

    /// <summary>A breast cancer baseline that meets every criterion of <see cref="BreastProtocol"/>: a 16-year-old, ER-positive, Ki-67 not done.</summary>
    public static Dictionary<string, object?> BreastBaseline(int age = 16, int treatmentLine = 0) => new()
    {
        ["age"] = age,
        ["erStatus"] = "positive",
        ["menopausalStatus"] = null,
        ["ki67"] = new { missing = "notDone" },
        ["clinicalNodes"] = true,
        ["treatmentLine"] = treatmentLine,
        ["diagnosedOn"] = "2025-03-14",
        ["pathologyNote"] = null,
    };

    /// <summary>
    /// A randomized, placebo-controlled trial shaped like docs/protocol.md's example (b): arms PD1 and PBO, time from
    /// randomization, stratified by overall stage (a category) and EBV DNA (cut at 4000 copies/mL, labels "&lt; 4000", "≥ 4000").
    /// </summary>
    public static JsonObject RandomizedProtocol(string? code = null) => WithCode(RandomizedJson, code ?? $"LA-{Guid.NewGuid():N}"[..12]);

    /// <summary>An eligible stage III patient of <see cref="RandomizedProtocol"/>, EBV DNA 5200 copies/mL.</summary>
    public static Dictionary<string, object?> RandomizedBaseline(int age = 47) => new()
    {
        ["age"] = age,
        ["sex"] = "male",
        ["ecog"] = 0,
        ["overallStage"] = "III",
        ["ebvDna"] = 5200,
        ["histology"] = null,
    };

    public static async Task<Guid> RegisteredStudyAsync(this RegistryApp app, string? code = null) => await app.RegisteredStudyAsync(Protocol(code));

    /// <summary>Registers <paramref name="protocol"/> as an admin (any JSON-serializable shape) and returns the study's id.</summary>
    public static async Task<Guid> RegisteredStudyAsync(this RegistryApp app, object protocol)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(protocol).ToUrl("/api/studies");
            s.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<IdResponse>())!.Id;
    }

    /// <summary>
    /// Enrols a patient as a coordinator of <paramref name="site"/>: by default in arm ITC of <see cref="Protocol"/> with
    /// <see cref="Baseline"/>; <paramref name="arm"/> null sends no arm (a randomized study's enrolment).
    /// </summary>
    public static async Task<Guid> EnrolledPatientAsync(this RegistryApp app, Guid studyId, string enrolledOn = "2020-01-05", string site = "S1",
        string? arm = "ITC", object? baseline = null, string? subjectCode = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["subjectCode"] = subjectCode ?? $"P-{Guid.NewGuid():N}"[..10],
            ["site"] = site,
            ["enrolledOn"] = enrolledOn,
            ["baseline"] = baseline ?? Baseline(),
        };
        if (arm is not null) body["arm"] = arm;
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Token("coordinator", site));
            s.Post.Json(body).ToUrl($"/api/studies/{studyId}/patients");
            s.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<IdResponse>())!.Id;
    }

    /// <summary>The patient's history as an auditor reads it: <c>events</c> (with each one's protocolVersion) and the derived <c>state</c>.</summary>
    public static async Task<JsonElement> HistoryAsync(this RegistryApp app, Guid patientId, string? asOf = null) =>
        await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url(asOf is null ? $"/api/patients/{patientId}/history" : $"/api/patients/{patientId}/history?asOf={Uri.EscapeDataString(asOf)}");
        })).JsonAsync();

    /// <summary>The study's protocol view (<c>version</c>, <c>protocol</c>, <c>versions</c>) as an investigator reads it.</summary>
    public static async Task<JsonElement> ProtocolAsync(this RegistryApp app, Guid studyId, string? asOf = null) =>
        await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url(asOf is null ? $"/api/studies/{studyId}/protocol" : $"/api/studies/{studyId}/protocol?asOf={Uri.EscapeDataString(asOf)}");
        })).JsonAsync();

    /// <summary>The field names of a 400 problem's <c>errors</c>.</summary>
    public static string[] ErrorFields(this JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

    private static JsonObject WithCode(string json, string code)
    {
        var protocol = JsonNode.Parse(json)!.AsObject();
        protocol["code"] = code;
        return protocol;
    }

    private const string BreastJson = """
        {
          "code": "BC-NEO-HER2",
          "title": "Neoadjuvant docetaxel, trastuzumab and pertuzumab with or without carboplatin in HER2-positive early breast cancer",
          "setting": "Stage II–III HER2-positive breast cancer before surgery, adolescents and adults; prospective cohort, regimen by the treating oncologist",
          "design": "non-randomized",
          "timeOrigin": "enrolment",
          "arms": [
            { "code": "TCHP", "name": "Docetaxel, carboplatin, trastuzumab, pertuzumab",
              "regimen": [ { "class": "chemotherapy", "agent": "docetaxel + carboplatin", "agents": 2 },
                           { "class": "other", "agent": "trastuzumab + pertuzumab (anti-HER2 antibodies)", "agents": 2 },
                           { "class": "surgery", "agent": "breast-conserving surgery or mastectomy" } ] },
            { "code": "THP", "name": "Docetaxel, trastuzumab, pertuzumab",
              "regimen": [ { "class": "chemotherapy", "agent": "docetaxel", "agents": 1 },
                           { "class": "other", "agent": "trastuzumab + pertuzumab (anti-HER2 antibodies)", "agents": 2 },
                           { "class": "surgery", "agent": "breast-conserving surgery or mastectomy" } ] }
          ],
          "variables": [
            { "key": "age", "label": "Age", "type": "integer", "unit": "years", "min": 0, "max": 120, "grouping": { "cutPoints": [40, 65] } },
            { "key": "erStatus", "label": "Oestrogen receptor status", "type": "category", "levels": ["positive", "negative"] },
            { "key": "menopausalStatus", "label": "Menopausal status", "type": "category", "levels": ["pre", "post"], "required": false, "missing": ["unknown"] },
            { "key": "ki67", "label": "Ki-67 index", "type": "decimal", "unit": "%", "min": 0, "max": 100, "required": false, "missing": ["notDone"],
              "grouping": { "cutPoints": [20], "labels": ["low (< 20%)", "high (≥ 20%)"] } },
            { "key": "clinicalNodes", "label": "Clinically node-positive", "type": "boolean" },
            { "key": "treatmentLine", "label": "Line of treatment (0 = neoadjuvant)", "type": "integer", "min": 0, "max": 10 },
            { "key": "diagnosedOn", "label": "Date of histological diagnosis", "type": "date" },
            { "key": "pathologyNote", "label": "Pathology remarks", "type": "text", "required": false }
          ],
          "eligibility": [
            { "variable": "age", "min": 16 },
            { "variable": "treatmentLine", "max": 0, "label": "No prior systemic therapy (neoadjuvant, line 0)" }
          ],
          "endpoints": ["efs", "dmfs", "lrrfs", "os"],
          "primaryEndpoint": "efs",
          "landmarks": [36, 60],
          "timeUnit": "months",
          "analysis": {
            "reference": "THP",
            "comparisons": [ { "arm": "TCHP", "reference": "THP" } ],
            "adjustFor": ["age", "erStatus", "clinicalNodes"],
            "subgroups": ["erStatus", "menopausalStatus", "ki67", "clinicalNodes", "age"]
          }
        }
        """;

    private const string RandomizedJson = """
        {
          "code": "NPC-LA-PD1",
          "title": "Anti-PD-1 antibody or placebo added to induction chemotherapy and concurrent chemoradiotherapy in locoregionally advanced NPC",
          "design": "randomized",
          "timeOrigin": "randomization",
          "arms": [
            { "code": "PD1", "name": "Anti-PD-1 + induction GP + concurrent cisplatin–IMRT",
              "regimen": [ { "class": "immune-checkpoint-inhibitor", "agent": "anti-PD-1 antibody" },
                           { "class": "chemotherapy", "agent": "gemcitabine + cisplatin", "agents": 2 },
                           { "class": "radiotherapy", "agent": "IMRT 70 Gy in 33 fractions" } ] },
            { "code": "PBO", "name": "Placebo + induction GP + concurrent cisplatin–IMRT",
              "regimen": [ { "class": "placebo", "agent": "matching placebo" },
                           { "class": "chemotherapy", "agent": "gemcitabine + cisplatin", "agents": 2 },
                           { "class": "radiotherapy", "agent": "IMRT 70 Gy in 33 fractions" } ] }
          ],
          "variables": [
            { "key": "age", "label": "Age", "type": "integer", "unit": "years", "min": 18, "max": 100, "grouping": { "cutPoints": [45] } },
            { "key": "sex", "label": "Sex", "type": "category", "levels": ["female", "male"] },
            { "key": "ecog", "label": "ECOG performance status", "type": "integer", "min": 0, "max": 5 },
            { "key": "overallStage", "label": "Overall stage (AJCC 8th)", "type": "category", "levels": ["I", "II", "III", "IVA", "IVB"] },
            { "key": "ebvDna", "label": "Pre-treatment plasma EBV DNA", "type": "decimal", "unit": "copies/mL", "min": 0,
              "grouping": { "cutPoints": [4000], "labels": ["< 4000", "≥ 4000"] } },
            { "key": "histology", "label": "WHO histological type", "type": "category",
              "levels": ["keratinizing", "non-keratinizing differentiated", "non-keratinizing undifferentiated"], "required": false, "missing": ["unknown"] }
          ],
          "eligibility": [
            { "variable": "overallStage", "levels": ["III", "IVA"] },
            { "variable": "age", "min": 18, "max": 65 },
            { "variable": "ecog", "max": 1 }
          ],
          "stratificationFactors": ["overallStage", "ebvDna"],
          "endpoints": ["efs", "os", "dmfs", "lrrfs", "ffs"],
          "primaryEndpoint": "efs",
          "landmarks": [12, 24, 36, 60],
          "analysis": {
            "reference": "PBO",
            "comparisons": [ { "arm": "PD1", "reference": "PBO" } ],
            "stratifyBy": ["overallStage", "ebvDna"],
            "subgroups": ["age", "sex", "overallStage", "ebvDna"]
          }
        }
        """;

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
