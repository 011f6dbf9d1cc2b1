using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Alba;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Registry.Api.Cli;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Audit;

public sealed class TamperEvidenceTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    /// <summary>A study with an added arm and two patients; the first at v1 enrolled, v2 treatment, v3 progression, v4 its correction, v5 follow-up.</summary>
    private async Task<(Guid StudyId, Guid PatientId, Guid OtherPatientId)> RecordedStudyAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT", name = "ICI + targeted", reason = "Arm opened by amendment" }).ToUrl($"/api/studies/{studyId}/arms");
            s.StatusCodeShouldBe(201);
        });
        var patientId = await app.EnrolledPatientAsync(studyId);
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(patientId, "progressions", new { progressedOn = "2020-06-01", basis = "Radiological" });
        await app.RecordAsync(patientId, "corrections", new
        {
            entryVersion = 3, reason = "Scan re-read", replacement = new { kind = "diseaseProgressed", progressedOn = "2020-06-15", basis = "Radiological" },
        });
        await app.RecordAsync(patientId, "follow-ups", new { lastKnownAliveOn = "2020-09-01" });
        var otherPatientId = await app.EnrolledPatientAsync(studyId);
        await app.RecordAsync(otherPatientId, "follow-ups", new { lastKnownAliveOn = "2020-03-01" });
        return (studyId, patientId, otherPatientId);
    }

    private async Task<JsonElement> VerifyAsync(Guid studyId) =>
        await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/audit/verify?studyId={studyId}");
        })).JsonAsync();

    private async Task ExecuteAsync(string sql, Guid streamId, long version)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("mt_events", "registry.mt_events") + " where stream_id = $1 and version = $2", connection)
        {
            Parameters = { new() { Value = streamId }, new() { Value = version } }
        };
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static (Guid StreamId, long Version, string Problem)[] Breaks(JsonElement report) => report.GetProperty("breaks").EnumerateArray()
        .Select(b => (b.GetProperty("streamId").GetGuid(), b.GetProperty("version").GetInt64(), b.GetProperty("problem").GetString()!))
        .ToArray();

    [Fact]
    public async Task An_untouched_study_verifies_clean()
    {
        var (studyId, _, _) = await RecordedStudyAsync();

        var report = await VerifyAsync(studyId);

        Assert.True(report.GetProperty("intact").GetBoolean());
        Assert.Empty(Breaks(report));
        Assert.Equal(3, report.GetProperty("streams").GetInt32());
        Assert.Equal(2 + 5 + 2, report.GetProperty("events").GetInt64());
    }

    [Theory]
    [InlineData("payload", 3, "update mt_events set data = jsonb_set(data, '{progressedOn}', '\"2020-05-01\"')")]
    [InlineData("recorded-at", 2, "update mt_events set timestamp = timestamp - interval '1 microsecond'")]
    [InlineData("user", 5, "update mt_events set user_name = 'mallory'")]
    [InlineData("reason", 4, "update mt_events set data = jsonb_set(data, '{reason}', '\"Typo\"')")]
    [InlineData("type", 5, "update mt_events set type = 'patient_died'")]
    public async Task Editing_one_stored_event_is_reported_at_exactly_its_stream_and_version(string field, long version, string edit)
    {
        var (studyId, patientId, _) = await RecordedStudyAsync();

        await ExecuteAsync(edit, patientId, version);

        var report = await VerifyAsync(studyId);
        Assert.False(report.GetProperty("intact").GetBoolean(), $"an edited {field} went unnoticed");
        var broken = Assert.Single(Breaks(report));
        Assert.Equal((patientId, version), (broken.StreamId, broken.Version));
    }

    [Fact]
    public async Task An_edit_whose_hash_is_recomputed_breaks_the_next_link()
    {
        var (studyId, patientId, _) = await RecordedStudyAsync();
        await ExecuteAsync("update mt_events set data = jsonb_set(data, '{startedOn}', '\"2020-01-11\"')", patientId, 2);
        var rehashed = (await VerifyAsync(studyId)).GetProperty("breaks")[0];
        Assert.Equal(2, rehashed.GetProperty("version").GetInt64());

        // The forger recomputes version 2's hash as the registry would; version 3 was chained to the old one.
        var history = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/patients/{patientId}/history");
        })).JsonAsync();
        var forged = ForgedTreatmentStartHash(history, patientId);
        await ExecuteAsync($"update mt_events set headers = jsonb_set(headers, '{{hash}}', to_jsonb('{forged}'::text))", patientId, 2);

        var broken = Assert.Single(Breaks(await VerifyAsync(studyId)));
        Assert.Equal((patientId, 3L), (broken.StreamId, broken.Version));
    }

    [Fact]
    public async Task A_removed_event_is_reported_where_the_gap_or_the_cut_tail_is()
    {
        var (studyId, patientId, otherPatientId) = await RecordedStudyAsync();

        await ExecuteAsync("delete from mt_events", patientId, 2);
        await ExecuteAsync("delete from mt_events", otherPatientId, 2);

        var breaks = Breaks(await VerifyAsync(studyId));
        Assert.Equal([(patientId, 3L), (otherPatientId, 2L)], breaks.Select(b => (b.StreamId, b.Version)).Order());
        Assert.Contains(breaks, b => b.Problem.Contains("records version 2 but its last stored event is version 1"));
    }

    [Fact]
    public async Task Each_events_hash_is_the_documented_SHA_256_of_its_canonical_form_chained_to_the_previous()
    {
        var (_, patientId, _) = await RecordedStudyAsync();
        var events = (await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/patients/{patientId}/history");
        })).JsonAsync()).GetProperty("events");

        // v5 is a follow-up: {"lastKnownAliveOn": "2020-09-01"}, chained to v4's hash.
        var followUp = events[4];
        var canonical =
            $"{{\"clinicalDate\":\"2020-09-01\",\"data\":{{\"lastKnownAliveOn\":\"2020-09-01\"}}," +
            $"\"previousHash\":\"{events[3].GetProperty("hash").GetString()}\",\"reason\":null," +
            $"\"recordedAt\":\"{followUp.GetProperty("recordedAt").GetDateTimeOffset().UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}\"," +
            $"\"recordedBy\":\"coordinator-user\",\"stream\":\"{patientId}\",\"type\":\"last_known_alive\",\"version\":5}}";
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), followUp.GetProperty("hash").GetString());
        Assert.All(events.EnumerateArray(), e => Assert.Matches("^[0-9a-f]{64}$", e.GetProperty("hash").GetString()));
    }

    [Fact]
    public async Task The_verify_verb_lists_each_break_and_exits_non_zero()
    {
        var (studyId, patientId, _) = await RecordedStudyAsync();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Registry"] = app.ConnectionString })
            .Build();
        var clean = new StringWriter();
        Assert.Equal(0, await VerifyVerb.RunAsync(configuration, studyId, clean, CancellationToken.None));
        Assert.Equal("Intact: 9 events in 3 streams verify.", clean.ToString().Trim());

        await ExecuteAsync("update mt_events set user_name = 'mallory'", patientId, 3);

        var broken = new StringWriter();
        Assert.Equal(1, await VerifyVerb.RunAsync(configuration, studyId, broken, CancellationToken.None));
        Assert.StartsWith($"BROKEN stream {patientId} version 3:", broken.ToString());
    }

    /// <summary>The hash a forger would compute for the edited treatment start (v2), chained to v1 as docs/audit.md says.</summary>
    private static string ForgedTreatmentStartHash(JsonElement history, Guid patientId)
    {
        var previous = history.GetProperty("events")[0].GetProperty("hash").GetString();
        var e = history.GetProperty("events")[1];
        var canonical =
            $"{{\"clinicalDate\":\"2020-01-11\",\"data\":{{\"agents\":null,\"line\":null,\"startedOn\":\"2020-01-11\"}}," +
            $"\"previousHash\":\"{previous}\",\"reason\":null," +
            $"\"recordedAt\":\"{e.GetProperty("recordedAt").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)}\"," +
            $"\"recordedBy\":\"{e.GetProperty("recordedBy").GetString()}\",\"stream\":\"{patientId}\",\"type\":\"treatment_started\",\"version\":2}}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
