using System.Text.Json;
using System.Text.Json.Nodes;
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
        Assert.Equal("non-randomized", study.GetProperty("design").GetString());
        Assert.Equal(1, study.GetProperty("protocolVersion").GetInt32());
        Assert.Equal(["ITC", "C"], study.GetProperty("arms").EnumerateArray().Select(a => a.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task The_registered_protocol_reads_back_as_version_1_exactly_as_sent()
    {
        var sent = Scenarios.BreastProtocol();
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(sent).ToUrl("/api/studies");
            s.StatusCodeShouldBe(201);
        });
        var id = (await result.JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal($"/api/studies/{id}", result.Context.Response.Headers.Location.ToString());

        var view = await app.ProtocolAsync(id);

        Assert.Equal(1, view.GetProperty("version").GetInt32());
        Assert.Equal("admin-user", view.GetProperty("recordedBy").GetString());
        Assert.Equal([1], view.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        AssertSameProtocol(sent, view.GetProperty("protocol"), "");
    }

    [Fact]
    public async Task A_malformed_protocol_is_refused_naming_the_json_path_of_each_problem()
    {
        var protocol = Scenarios.Protocol();
        protocol["design"] = "crossover";
        protocol["endpoints"] = new[] { "banana", "os" };
        protocol["primaryEndpoint"] = "pfs";
        protocol["variables"] = new object[]
        {
            new { key = "age", label = "Age", type = "integer", min = 0, max = 120 },
            new { key = "stage", label = "Overall stage", type = "category" },
        };
        protocol["eligibility"] = new object[] { new { variable = "age", min = 18 } };
        protocol["analysis"] = null;

        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(protocol).ToUrl("/api/studies");
        })).ProblemAsync();

        Assert.Equal(["design", "endpoints[0]", "primaryEndpoint", "variables[1].levels"], problem.ErrorFields());
        var errors = problem.GetProperty("errors");
        Assert.Contains("'banana' is not in the endpoint catalogue", errors.GetProperty("endpoints[0]")[0].GetString());
        Assert.Equal("A category needs its levels.", errors.GetProperty("variables[1].levels")[0].GetString());
    }

    [Fact]
    public async Task A_protocol_without_its_required_fields_lists_each_and_nothing_is_appended()
    {
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { arms = new[] { new { code = "I T" } } }).ToUrl("/api/studies");
        })).ProblemAsync();

        var fields = problem.ErrorFields();
        foreach (var field in new[] { "code", "title", "design", "timeOrigin", "arms[0].code", "arms[0].name", "endpoints" })
            Assert.Contains(field, fields);
    }

    [Fact]
    public async Task A_misspelt_protocol_field_is_refused_never_ignored()
    {
        // "primaryEndpont" silently dropped would register a study without its primary endpoint.
        var protocol = Scenarios.Protocol();
        protocol.Remove("primaryEndpoint");
        protocol["primaryEndpont"] = "pfs";

        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(protocol).ToUrl("/api/studies");
        })).ProblemAsync();
        Assert.Contains("'primaryEndpont'", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_duplicate_study_code_is_a_conflict()
    {
        await app.RegisteredStudyAsync("NPC-DUP");
        var problem = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(Scenarios.BreastProtocol("NPC-DUP")).ToUrl("/api/studies");
        })).ProblemAsync();
        Assert.Contains("'NPC-DUP' is already registered", problem.GetProperty("detail").GetString());
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
            s.Post.Json(Scenarios.Protocol()).ToUrl("/api/studies");
        });
    }

    [Fact]
    public async Task The_protocol_schema_is_served_to_anyone_as_a_json_schema()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url("/api/protocol-schema");
            s.StatusCodeShouldBe(200);
        });

        Assert.StartsWith("application/schema+json", result.Context.Response.ContentType);
        var schema = await result.JsonAsync();
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.GetProperty("$schema").GetString());
        var required = schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ToArray();
        foreach (var field in new[] { "code", "title", "design", "timeOrigin", "arms", "variables", "endpoints" })
            Assert.Contains(field, required);
        // The schema lists what the registry refuses, so an editor flags a misspelt field before the registry does.
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public async Task An_arm_added_later_is_an_amendment_and_is_enrollable_and_a_repeated_arm_code_conflicts()
    {
        var studyId = await app.RegisteredStudyAsync();
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT", name = "ICI + targeted", regimen = new[] { new { @class = "immune-checkpoint-inhibitor", agent = "toripalimab" } }, reason = "Arm opened by amendment 2" })
                .ToUrl($"/api/studies/{studyId}/arms");
            s.StatusCodeShouldBe(201);
        });
        var protocol = await app.ProtocolAsync(studyId);
        Assert.Equal(2, protocol.GetProperty("version").GetInt32());
        Assert.Equal("Arm opened by amendment 2", protocol.GetProperty("reason").GetString());
        var added = protocol.GetProperty("protocol").GetProperty("arms")[2];
        Assert.Equal("IT", added.GetProperty("code").GetString());
        Assert.Equal("toripalimab", added.GetProperty("regimen")[0].GetProperty("agent").GetString());

        await app.EnrolledPatientAsync(studyId, arm: "IT");

        var problem = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT", name = "again", reason = "duplicate" }).ToUrl($"/api/studies/{studyId}/arms");
        })).ProblemAsync();
        Assert.Contains("already has an arm 'IT'", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_arm_is_added_only_with_a_code_a_name_and_a_reason()
    {
        var studyId = await app.RegisteredStudyAsync();
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "", reason = " " }).ToUrl($"/api/studies/{studyId}/arms");
        })).ProblemAsync();
        Assert.Equal(["code", "name", "reason"], problem.ErrorFields());

        // An arm code with '+' would be read as two pooled arms in every query.
        var plus = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT+C", name = "Pooled?", reason = "typo" }).ToUrl($"/api/studies/{studyId}/arms");
        })).ProblemAsync();
        Assert.Equal(["arms[2].code"], plus.ErrorFields());
    }

    [Fact]
    public async Task Adding_an_arm_to_an_unknown_study_is_not_found()
    {
        await app.RefusedAsync(404, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT", name = "ICI + targeted", reason = "Arm opened" }).ToUrl($"/api/studies/{Guid.NewGuid()}/arms");
        });
    }

    /// <summary>
    /// The protocol read back says what was sent: every property sent has the same value; a property the registry
    /// shows that was not sent is null (docs/protocol.md: "fields that were not given read null"), or for a
    /// variable's <c>required</c> its documented default, true.
    /// </summary>
    private static void AssertSameProtocol(JsonNode? sent, JsonElement read, string path)
    {
        switch (sent)
        {
            case null:
                Assert.True(read.ValueKind == JsonValueKind.Null, $"{path} was not sent but reads {read}");
                break;
            case JsonObject o:
                Assert.True(read.ValueKind == JsonValueKind.Object, $"{path} reads {read}");
                foreach (var (name, value) in o) AssertSameProtocol(value, read.TryGetProperty(name, out var r) ? r : default, $"{path}.{name}");
                foreach (var extra in read.EnumerateObject().Where(p => !o.ContainsKey(p.Name)))
                    Assert.True(extra.Value.ValueKind == JsonValueKind.Null || (extra.Name == "required" && extra.Value.ValueKind == JsonValueKind.True),
                        $"{path}.{extra.Name} was not sent but reads {extra.Value}");
                break;
            case JsonArray a:
                Assert.True(read.ValueKind == JsonValueKind.Array && read.GetArrayLength() == a.Count, $"{path} reads {read}");
                for (var i = 0; i < a.Count; i++) AssertSameProtocol(a[i], read[i], $"{path}[{i}]");
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                Assert.True(read.ValueKind == JsonValueKind.Number && read.GetDouble() == v.GetValue<double>(), $"{path}: sent {v}, reads {read}");
                break;
            default:
                Assert.True(JsonNode.DeepEquals(sent, JsonNode.Parse(read.GetRawText())), $"{path}: sent {sent.ToJsonString()}, reads {read}");
                break;
        }
    }
}
