using System.Text.Json.Nodes;
using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Studies;

public sealed class AmendingProtocolTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    /// <summary>The breast cancer protocol as amendment 2 has it: a third arm and an optional HER2-low variable.</summary>
    private static JsonObject Amended(JsonObject protocol)
    {
        var amended = protocol.DeepClone().AsObject();
        amended["arms"]!.AsArray().Add(new JsonObject
        {
            ["code"] = "TDXD",
            ["name"] = "Trastuzumab deruxtecan",
            ["regimen"] = new JsonArray(new JsonObject { ["class"] = "antibody-drug-conjugate", ["agent"] = "trastuzumab deruxtecan" }),
        });
        amended["variables"]!.AsArray().Add(new JsonObject
        {
            ["key"] = "her2Low", ["label"] = "HER2-low on re-biopsy", ["type"] = "boolean", ["required"] = false,
        });
        return amended;
    }

    private Task<IScenarioResult> AmendAsync(Guid studyId, object body, int status = 201) => app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Admin);
        s.Post.Json(body).ToUrl($"/api/studies/{studyId}/amendments");
        s.StatusCodeShouldBe(status);
    });

    [Fact]
    public async Task An_amendment_is_version_2_with_its_reason_and_asOf_between_the_versions_reads_version_1()
    {
        var original = Scenarios.BreastProtocol();
        var studyId = await app.RegisteredStudyAsync(original);
        var registeredAt = (await app.ProtocolAsync(studyId)).GetProperty("recordedAt").GetDateTimeOffset();
        await Task.Delay(50);

        var created = await (await AmendAsync(studyId, new { protocol = Amended(original), reason = "Amendment 2: T-DXd arm for HER2-low disease", expectedVersion = 1 })).JsonAsync();
        Assert.Equal(2, created.GetProperty("version").GetInt32());
        Assert.Equal(studyId, created.GetProperty("studyId").GetGuid());

        var now = await app.ProtocolAsync(studyId);
        Assert.Equal(2, now.GetProperty("version").GetInt32());
        Assert.Equal("Amendment 2: T-DXd arm for HER2-low disease", now.GetProperty("reason").GetString());
        Assert.Equal(["TCHP", "THP", "TDXD"], now.GetProperty("protocol").GetProperty("arms").EnumerateArray().Select(a => a.GetProperty("code").GetString()));
        Assert.Equal([(1, (string?)null), (2, "Amendment 2: T-DXd arm for HER2-low disease")],
            now.GetProperty("versions").EnumerateArray().Select(v => (v.GetProperty("version").GetInt32(), v.GetProperty("reason").GetString())));

        var between = await app.ProtocolAsync(studyId, registeredAt.AddMilliseconds(1).ToString("O"));
        Assert.Equal(1, between.GetProperty("version").GetInt32());
        Assert.Equal(["TCHP", "THP"], between.GetProperty("protocol").GetProperty("arms").EnumerateArray().Select(a => a.GetProperty("code").GetString()));
        Assert.Equal(1, between.GetProperty("versions").GetArrayLength());

        // Before registration there was no protocol at all.
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{studyId}/protocol?asOf=2001-01-01T00:00:00Z");
            s.StatusCodeShouldBe(404);
        });
        var malformed = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{studyId}/protocol?asOf=last-week");
            s.StatusCodeShouldBe(400);
        })).ProblemAsync();
        Assert.Equal(["asOf"], malformed.ErrorFields());
    }

    public static TheoryData<string, Func<JsonObject, JsonObject>, string> ForbiddenAmendments() => new()
    {
        { "removes an arm", p => { p["arms"]!.AsArray().RemoveAt(1); p["analysis"] = null; return p; }, "cannot remove arm 'THP'" },
        { "removes a variable", p => { p["variables"]!.AsArray().RemoveAt(3); p["analysis"]!["subgroups"] = new JsonArray("erStatus", "clinicalNodes"); return p; }, "cannot remove variable 'ki67'" },
        { "changes the code", p => { p["code"] = "BC-RENAMED"; return p; }, "cannot change the study code" },
        { "changes the design", p => { p["design"] = "single-arm"; p["arms"]!.AsArray().RemoveAt(1); p["analysis"] = null; return p; }, "cannot change the design" },
        { "drops a level", p => { p["variables"]![1]!["levels"] = new JsonArray("positive"); return p; }, "cannot remove levels of 'erStatus'" },
    };

    [Theory]
    [MemberData(nameof(ForbiddenAmendments))]
    public async Task An_amendment_that_would_strand_recorded_data_is_a_conflict(string what, Func<JsonObject, JsonObject> change, string violation)
    {
        var original = Scenarios.BreastProtocol();
        var studyId = await app.RegisteredStudyAsync(original);

        var problem = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { protocol = change(original.DeepClone().AsObject()), reason = $"Amendment that {what}" }).ToUrl($"/api/studies/{studyId}/amendments");
        })).ProblemAsync();

        Assert.Contains(violation, problem.GetProperty("detail").GetString());
        Assert.Equal(1, (await app.ProtocolAsync(studyId)).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task An_amendment_written_against_a_superseded_version_is_a_conflict()
    {
        var original = Scenarios.BreastProtocol();
        var studyId = await app.RegisteredStudyAsync(original);
        await AmendAsync(studyId, new { protocol = Amended(original), reason = "Amendment 2", expectedVersion = 1 });

        // A second admin, still looking at version 1, amends the title.
        var stale = original.DeepClone().AsObject();
        stale["title"] = "Neoadjuvant anti-HER2 therapy in early breast cancer";
        var problem = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { protocol = stale, reason = "Shorter title", expectedVersion = 1 }).ToUrl($"/api/studies/{studyId}/amendments");
        })).ProblemAsync();

        Assert.Contains("at version 2, not the expected 1", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_amendment_needs_a_reason_and_a_protocol_that_passes_the_same_rules_as_registration()
    {
        var original = Scenarios.BreastProtocol();
        var studyId = await app.RegisteredStudyAsync(original);
        var broken = Amended(original);
        broken["primaryEndpoint"] = "orr";

        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { protocol = broken, reason = "" }).ToUrl($"/api/studies/{studyId}/amendments");
        })).ProblemAsync();

        Assert.Equal(["protocol.primaryEndpoint", "reason"], problem.ErrorFields());
        await app.RefusedAsync(404, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { protocol = Amended(original), reason = "Amendment 2" }).ToUrl($"/api/studies/{Guid.NewGuid()}/amendments");
        });
    }

    [Fact]
    public async Task Each_patient_event_records_the_protocol_version_in_force_when_it_was_recorded()
    {
        var original = Scenarios.BreastProtocol();
        var studyId = await app.RegisteredStudyAsync(original);
        var first = await app.EnrolledPatientAsync(studyId, "2025-04-02", arm: "THP", baseline: Scenarios.BreastBaseline());
        await app.RecordAsync(first, "treatment-starts", new { startedOn = "2025-04-10", agents = new[] { "docetaxel", "trastuzumab", "pertuzumab" }, line = 0 });

        await AmendAsync(studyId, new { protocol = Amended(original), reason = "Amendment 2", expectedVersion = 1 });

        await app.RecordAsync(first, "follow-ups", new { lastKnownAliveOn = "2025-09-01" });
        // Amendment 2's arm and variable are there for patients enrolled under it.
        var baseline = Scenarios.BreastBaseline(age: 52);
        baseline["her2Low"] = true;
        var second = await app.EnrolledPatientAsync(studyId, "2025-09-03", arm: "TDXD", baseline: baseline);

        var firstEvents = (await app.HistoryAsync(first)).GetProperty("events");
        Assert.Equal([(1L, 1), (2L, 1), (3L, 2)],
            firstEvents.EnumerateArray().Select(e => (e.GetProperty("version").GetInt64(), e.GetProperty("protocolVersion").GetInt32())));
        var secondEnrolment = (await app.HistoryAsync(second)).GetProperty("events")[0];
        Assert.Equal(2, secondEnrolment.GetProperty("protocolVersion").GetInt32());
        Assert.True(secondEnrolment.GetProperty("data").GetProperty("baseline").GetProperty("her2Low").GetBoolean());
    }

    [Fact]
    public async Task A_write_after_an_amendment_is_judged_on_the_amended_protocol_though_the_one_before_was_kept_in_memory()
    {
        var original = Scenarios.BreastProtocol();
        var studyId = await app.RegisteredStudyAsync(original);
        var patientId = await app.EnrolledPatientAsync(studyId, "2025-04-02", arm: "THP", baseline: Scenarios.BreastBaseline());
        var subjectCode = (await app.HistoryAsync(patientId)).GetProperty("state").GetProperty("subjectCode").GetString();
        object ToDeruxtecan(Dictionary<string, object?> baseline) => new
        {
            entryVersion = 1, reason = "Allocated to the wrong arm",
            replacement = new { kind = "enrolled", subjectCode, arm = "TDXD", site = "S1", enrolledOn = "2025-04-02", baseline },
        };
        // Version 1 has no TDXD arm: refused, and the study stays in memory at version 1 for this patient's next write.
        await app.RecordAsync(patientId, "corrections", ToDeruxtecan(Scenarios.BreastBaseline()), status: 422);

        await AmendAsync(studyId, new { protocol = Amended(original), reason = "Amendment 2", expectedVersion = 1 });

        // Amendment 2 requires its HER2-low variable to be given: a refusal only the amended protocol makes.
        var refused = await app.RecordAsync(patientId, "corrections", ToDeruxtecan(Scenarios.BreastBaseline()), status: 400);
        Assert.Contains("replacement.baseline.her2Low", (await refused.ProblemAsync()).ErrorFields());
        var baseline = Scenarios.BreastBaseline();
        baseline["her2Low"] = true;
        await app.RecordAsync(patientId, "corrections", ToDeruxtecan(baseline));
        var history = await app.HistoryAsync(patientId);
        Assert.Equal("TDXD", history.GetProperty("state").GetProperty("arm").GetString());
        Assert.Equal(2, history.GetProperty("events")[1].GetProperty("protocolVersion").GetInt32());
    }

    [Theory]
    [InlineData("coordinator", 403)]
    [InlineData("investigator", 403)]
    [InlineData("auditor", 403)]
    [InlineData(null, 401)]
    public async Task Only_an_admin_amends_a_protocol(string? role, int status)
    {
        var original = Scenarios.BreastProtocol();
        var studyId = await app.RegisteredStudyAsync(original);
        await app.RefusedAsync(status, s =>
        {
            if (role is not null) s.WithBearerToken(app.Token(role, "S1"));
            s.Post.Json(new { protocol = Amended(original), reason = "Amendment 2" }).ToUrl($"/api/studies/{studyId}/amendments");
        });
    }
}
