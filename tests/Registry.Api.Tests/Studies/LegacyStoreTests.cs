using System.Text.Json;
using Alba;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Registry.Api.Infrastructure;
using Registry.Api.Maintenance;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Studies;

/// <summary>
/// A store the first registry schema wrote, before protocols: <c>study_registered</c> with fixed regimen roles, an
/// <c>arm_added</c>, and a patient whose baseline is the old nested object. The events go in with SQL, as that
/// registry left them; the operator runs the documented <c>rebuild</c> with the registry stopped, then starts it.
/// </summary>
public sealed class LegacyStoreApp : RegistryApp
{
    public static readonly Guid StudyId = Guid.Parse("0189a1f0-0000-7000-8000-000000002019");
    public static readonly Guid PatientId = Guid.Parse("0189a1f0-0000-7000-8000-00000000a001");

    protected override async Task BeforeStartAsync()
    {
        using var store = new DocumentStore(EventStoreConfiguration.Build(ConnectionString));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        await InsertStreamAsync(StudyId,
            ("study_registered", "2023-03-01T09:00:00Z", "admin-2023", new
            {
                studyId = StudyId, code = "NPC-RM-2019", title = "Previously treated recurrent/metastatic NPC, four regimens",
                setting = "R/M NPC after platinum", primaryEndpoint = "PFS",
                arms = new object[]
                {
                    new { code = "ITC", name = "ICI + targeted + chemo", regimen = new { immuneCheckpointInhibitor = "camrelizumab", antiAngiogenicAgent = "apatinib", chemotherapyAgents = new[] { "gemcitabine", "cisplatin" } } },
                    new { code = "C", name = "Chemotherapy", regimen = new { chemotherapyAgents = new[] { "gemcitabine", "cisplatin" } } },
                },
                responseRules = new { stableDiseaseMinimumDays = 42, requireConfirmation = false, confirmationMinimumDays = 28 },
            }),
            ("arm_added", "2023-06-01T09:00:00Z", "admin-2023", new
            {
                studyId = StudyId,
                arm = new { code = "IT", name = "ICI + targeted", regimen = new { immuneCheckpointInhibitor = "toripalimab", antiAngiogenicAgent = "anlotinib", egfrInhibitor = (string?)null } },
            }));
        await InsertStreamAsync(PatientId,
            ("patient_enrolled", "2023-03-10T10:00:00Z", "coordinator-2023", new
            {
                patientId = PatientId, studyId = StudyId, arm = "ITC", site = "S1", subjectCode = "NPC-0007", enrolledOn = "2023-03-08",
                baseline = new
                {
                    age = 54, sex = "Male", karnofskyScore = 80, bodyMassIndex = 21.3, npcFamilyHistory = false, diseaseStatus = "Metastatic",
                    treatmentLine = 2, metastaticSites = new { count = 2, liver = true, lung = false, bone = true, other = false }, ebvDna = "Positive",
                },
            }),
            ("treatment_started", "2023-03-15T10:00:00Z", "coordinator-2023", new { startedOn = "2023-03-14", agents = new[] { "camrelizumab", "apatinib", "gemcitabine", "cisplatin" }, line = 2 }),
            ("last_known_alive", "2023-09-01T10:00:00Z", "coordinator-2023", new { lastKnownAliveOn = "2023-08-30" }));

        await RebuildingProjections.RunAsync(store, _ => { }, CancellationToken.None);
    }

    /// <summary>Writes a stream's rows as Marten laid them out, without Marten: no inline projection runs.</summary>
    private async Task InsertStreamAsync(Guid streamId, params (string Type, string RecordedAt, string User, object Data)[] events)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        var schema = EventStoreConfiguration.Schema;
        await using (var stream = new NpgsqlCommand(
            $"insert into {schema}.mt_streams (id, version, timestamp, created) values ($1, $2, $3, $3)", connection))
        {
            stream.Parameters.Add(new() { Value = streamId });
            stream.Parameters.Add(new() { Value = (long)events.Length });
            stream.Parameters.Add(new() { Value = DateTimeOffset.Parse(events[0].RecordedAt).UtcDateTime });
            await stream.ExecuteNonQueryAsync();
        }
        var version = 0L;
        foreach (var (type, recordedAt, user, data) in events)
        {
            await using var insert = new NpgsqlCommand(
                $"insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, user_name) " +
                $"values (nextval('{schema}.mt_events_sequence'), $1, $2, $3, $4, $5, $6, $7)", connection);
            insert.Parameters.Add(new() { Value = Guid.NewGuid() });
            insert.Parameters.Add(new() { Value = streamId });
            insert.Parameters.Add(new() { Value = ++version });
            insert.Parameters.Add(new() { Value = JsonSerializer.Serialize(data, new JsonSerializerOptions(JsonSerializerDefaults.Web)), NpgsqlDbType = NpgsqlDbType.Jsonb });
            insert.Parameters.Add(new() { Value = type });
            insert.Parameters.Add(new() { Value = DateTimeOffset.Parse(recordedAt).UtcDateTime });
            insert.Parameters.Add(new() { Value = user });
            await insert.ExecuteNonQueryAsync();
        }
    }
}

public sealed class LegacyStoreTests(LegacyStoreApp app) : IClassFixture<LegacyStoreApp>
{
    [Fact]
    public async Task A_first_schema_study_reads_as_a_non_randomized_protocol_with_regimen_components()
    {
        // As it stood at the end of 2023, whatever later tests amend: the first schema's events keep their recorded times.
        var view = await app.ProtocolAsync(LegacyStoreApp.StudyId, "2023-12-31T00:00:00Z");

        // study_registered is version 1; the arm_added of June 2023 reads as amendment 2.
        Assert.Equal(2, view.GetProperty("version").GetInt32());
        Assert.Equal([(1, "admin-2023", (string?)null), (2, "admin-2023", "Arm added")], view.GetProperty("versions").EnumerateArray()
            .Select(v => (v.GetProperty("version").GetInt32(), v.GetProperty("recordedBy").GetString(), v.GetProperty("reason").GetString())));
        var protocol = view.GetProperty("protocol");
        Assert.Equal("NPC-RM-2019", protocol.GetProperty("code").GetString());
        Assert.Equal("non-randomized", protocol.GetProperty("design").GetString());
        Assert.Equal("treatmentStart", protocol.GetProperty("timeOrigin").GetString());
        Assert.Equal("pfs", protocol.GetProperty("primaryEndpoint").GetString());

        var arms = protocol.GetProperty("arms").EnumerateArray().ToDictionary(a => a.GetProperty("code").GetString()!,
            a => a.GetProperty("regimen").EnumerateArray().Select(c => (c.GetProperty("class").GetString(), c.GetProperty("agent").GetString())).ToArray());
        Assert.Equal(["ITC", "C", "IT"], arms.Keys);
        Assert.Equal([("immune-checkpoint-inhibitor", "camrelizumab"), ("anti-angiogenic", "apatinib"), ("chemotherapy", "gemcitabine + cisplatin")], arms["ITC"]);
        Assert.Equal([("chemotherapy", "gemcitabine + cisplatin")], arms["C"]);
        Assert.Equal([("immune-checkpoint-inhibitor", "toripalimab"), ("anti-angiogenic", "anlotinib")], arms["IT"]);
        Assert.Equal(2, protocol.GetProperty("arms")[0].GetProperty("regimen")[2].GetProperty("agents").GetInt32());

        // The first schema's fixed baseline fields are its data dictionary.
        var keys = protocol.GetProperty("variables").EnumerateArray().Select(v => v.GetProperty("key").GetString()).ToArray();
        Assert.Contains("karnofskyScore", keys);
        Assert.Contains("metastaticSites.count", keys);
        Assert.Contains("metastaticSites.liver", keys);
    }

    [Fact]
    public async Task A_first_schema_patients_nested_baseline_reads_back_under_dotted_keys()
    {
        var history = await app.HistoryAsync(LegacyStoreApp.PatientId);

        var enrolled = history.GetProperty("events")[0];
        Assert.Equal("patient_enrolled", enrolled.GetProperty("type").GetString());
        Assert.Equal("coordinator-2023", enrolled.GetProperty("recordedBy").GetString());
        // Recorded before protocols were versioned.
        Assert.Equal(JsonValueKind.Null, enrolled.GetProperty("protocolVersion").ValueKind);
        var baseline = enrolled.GetProperty("data").GetProperty("baseline");
        Assert.Equal(2, baseline.GetProperty("metastaticSites.count").GetInt32());
        Assert.True(baseline.GetProperty("metastaticSites.liver").GetBoolean());
        Assert.False(baseline.GetProperty("metastaticSites.lung").GetBoolean());
        Assert.True(baseline.GetProperty("metastaticSites.bone").GetBoolean());
        Assert.Equal(80, baseline.GetProperty("karnofskyScore").GetInt32());
        Assert.Equal(21.3, baseline.GetProperty("bodyMassIndex").GetDouble());
        Assert.False(baseline.TryGetProperty("metastaticSites", out _));

        var state = history.GetProperty("state");
        Assert.Equal("OnTreatment", state.GetProperty("status").GetString());
        Assert.Equal("ITC", state.GetProperty("arm").GetString());
        Assert.Equal("2023-03-14", state.GetProperty("treatmentStartedOn").GetString());
    }

    [Fact]
    public async Task A_first_schema_patient_is_derived_for_the_study_views_and_keeps_taking_follow_up()
    {
        var row = await app.OutcomeRowAsync(LegacyStoreApp.PatientId, 3);
        Assert.Equal(LegacyStoreApp.StudyId, row.StudyId);
        Assert.Equal("ITC", row.Outcome.Arm);
        Assert.Equal(new DateOnly(2023, 3, 14), row.Outcome.OriginOn);
        Assert.Equal(2, row.Outcome.Baseline.Number("metastaticSites.count"));

        var inForce = (await app.ProtocolAsync(LegacyStoreApp.StudyId)).GetProperty("version").GetInt32();
        await app.RecordAsync(LegacyStoreApp.PatientId, "follow-ups", new { lastKnownAliveOn = "2024-01-15" });
        var events = (await app.HistoryAsync(LegacyStoreApp.PatientId)).GetProperty("events");
        Assert.Equal(4, events.GetArrayLength());
        // A new entry records the (upcast) protocol version in force; the first schema's entries record none.
        Assert.Equal(inForce, events[3].GetProperty("protocolVersion").GetInt32());
        Assert.True(inForce >= 2);
    }

    [Fact]
    public async Task A_client_still_sending_the_first_schemas_nested_baseline_enrols_under_the_legacy_dictionary()
    {
        var patientId = await app.EnrolledPatientAsync(LegacyStoreApp.StudyId, "2024-02-01", arm: "IT", baseline: new
        {
            age = 61, sex = "Female", karnofskyScore = 90, bodyMassIndex = 19.8, npcFamilyHistory = true, diseaseStatus = "Recurrent",
            treatmentLine = 3, metastaticSites = new { count = 0, liver = false, lung = false, bone = false, other = false }, ebvDna = "Negative",
            pdL1Cps = (double?)null,
        });

        var baseline = (await app.HistoryAsync(patientId)).GetProperty("events")[0].GetProperty("data").GetProperty("baseline");
        Assert.Equal(0, baseline.GetProperty("metastaticSites.count").GetInt32());
        Assert.Equal("unknown", baseline.GetProperty("pdL1Cps").GetProperty("missing").GetString());
    }

    [Fact]
    public async Task A_first_schema_study_is_amended_like_any_other()
    {
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IC", name = "ICI + chemo", regimen = new object[] { new { @class = "immune-checkpoint-inhibitor", agent = "tislelizumab" }, new { @class = "chemotherapy", agent = "gemcitabine + cisplatin", agents = 2 } }, reason = "Fourth arm, amendment 3" })
                .ToUrl($"/api/studies/{LegacyStoreApp.StudyId}/arms");
            s.StatusCodeShouldBe(201);
        });

        var view = await app.ProtocolAsync(LegacyStoreApp.StudyId);
        Assert.Equal(3, view.GetProperty("version").GetInt32());
        Assert.Equal(["Arm added", "Fourth arm, amendment 3"], view.GetProperty("versions").EnumerateArray().Skip(1).Select(v => v.GetProperty("reason").GetString()));
        Assert.Equal("Fourth arm, amendment 3", view.GetProperty("reason").GetString());
        Assert.Equal(["ITC", "C", "IT", "IC"], view.GetProperty("protocol").GetProperty("arms").EnumerateArray().Select(a => a.GetProperty("code").GetString()));
    }
}
