using System.Reflection;
using Alba;
using Marten;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Registry.Api.Cli;
using Registry.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registry.Api.Tests.Audit;

/// <summary>
/// Lost write races leave Marten's tombstone rows in the store; verify must report nothing for them, and still
/// report a forged row dressed as one. Its own database, so the whole store is what these tests recorded.
/// </summary>
public sealed class RaceVerificationTests(RegistryApp app, ITestOutputHelper output) : IClassFixture<RegistryApp>
{
    private const int Racers = 8;

    private static Task<int[]> RaceAsync(Func<int, Task<int>> write) => Task.WhenAll(Enumerable.Range(0, Racers).Select(write));

    private async Task<int> PostAsync(string url, object body, string token) => (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(token);
        s.Post.Json(body).ToUrl(url);
        s.IgnoreStatusCode();
    })).Context.Response.StatusCode;

    private async Task<System.Text.Json.JsonElement> VerifyAsync() => await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Auditor);
        s.Get.Url("/api/audit/verify");
    })).JsonAsync();

    /// <summary>
    /// Marten writes a failed save's tombstones after answering it; its own test hook (internal, hence reflection)
    /// waits for them, so the counts below are final. A Marten upgrade that drops it fails here, not by chance.
    /// </summary>
    private async Task TombstonesWrittenAsync()
    {
        object events = ((StoreOptions)app.Store.Options).Events;
        var wait = events.GetType().GetMethod("WaitForPendingTombstonesAsync", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.NotNull(wait);
        await (Task)wait.Invoke(events, null)!;
    }

    private async Task<long> SequenceGapsAsync()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select (select last_value from registry.mt_events_sequence) - (select count(*) from registry.mt_events)", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> TombstoneRowsAsync()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from registry.mt_events where type = 'tombstone'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<(int Exit, string Output)> VerbAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Registry"] = app.ConnectionString })
            .Build();
        var text = new StringWriter();
        var exit = await VerifyVerb.RunAsync(configuration, null, text, CancellationToken.None);
        return (exit, text.ToString().Trim());
    }

    /// <summary>Races: duplicate enrolments of one subject code, entries to one patient, amendments to one study.</summary>
    private async Task<(Guid StudyId, Guid PatientId)> RacedStudyAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        for (var round = 1; round <= 3; round++)
        {
            var code = $"RACE-{round}-{Guid.NewGuid():N}"[..16];
            var enrolment = new Dictionary<string, object?>
            {
                ["subjectCode"] = code, ["arm"] = "ITC", ["site"] = "S1", ["enrolledOn"] = "2020-01-05", ["baseline"] = Scenarios.Baseline(),
            };
            var statuses = await RaceAsync(_ => PostAsync($"/api/studies/{studyId}/patients", enrolment, app.Coordinator));
            output.WriteLine($"enrolments of {code}: {string.Join(",", statuses)}");
            Assert.Equal(1, statuses.Count(s => s == 201));
            Assert.Equal(Racers - 1, statuses.Count(s => s == 409));
        }

        var patientId = await app.EnrolledPatientAsync(studyId);
        var followUps = await RaceAsync(i => PostAsync($"/api/patients/{patientId}/follow-ups",
            new { lastKnownAliveOn = $"2020-02-{i + 1:00}" }, app.Coordinator));
        output.WriteLine($"follow-ups to one patient: {string.Join(",", followUps)}");
        Assert.Contains(201, followUps);

        var arms = await RaceAsync(i => PostAsync($"/api/studies/{studyId}/arms",
            new { code = $"A{i}", name = $"Arm {i}", reason = "Arm opened by amendment" }, app.Admin));
        output.WriteLine($"amendments adding an arm: {string.Join(",", arms)}");
        Assert.Contains(201, arms);
        await TombstonesWrittenAsync();
        return (studyId, patientId);
    }

    [Fact]
    public async Task Concurrent_duplicate_enrolments_entries_and_amendments_verify_clean_by_route_and_verb()
    {
        var (studyId, _) = await RacedStudyAsync();

        var tombstones = await TombstoneRowsAsync();
        output.WriteLine($"tombstone rows after the races: {tombstones}; sequence numbers drawn but unused: {await SequenceGapsAsync()}");
        Assert.True(tombstones > 0, "the races left no tombstone, so this test proves nothing");

        var report = await VerifyAsync();
        Assert.Equal("[]", report.GetProperty("breaks").GetRawText());
        Assert.True(report.GetProperty("intact").GetBoolean());
        Assert.Equal(tombstones, report.GetProperty("tombstones").GetInt64());
        Assert.Equal((await app.EventStoreMarkAsync()).Count, report.GetProperty("events").GetInt64());

        var study = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/audit/verify?studyId={studyId}");
        })).JsonAsync();
        Assert.True(study.GetProperty("intact").GetBoolean());

        var (exit, text) = await VerbAsync();
        Assert.Equal(0, exit);
        Assert.Matches(@$"^Intact: \d+ events in \d+ streams verify \({tombstones} Marten tombstones of failed appends skipped\)\.$", text);
    }

    [Fact]
    public async Task A_forged_row_dressed_as_a_tombstone_in_a_real_stream_is_reported()
    {
        // The clean test shares this class's database; a forgery there would break it, so this one gets its own.
        var forged = new RegistryApp();
        await forged.InitializeAsync();
        try
        {
            await ForgeAndVerifyAsync(forged);
        }
        finally
        {
            await forged.DisposeAsync();
        }
    }

    private async Task ForgeAndVerifyAsync(RegistryApp forged)
    {
        var races = new RaceVerificationTests(forged, output);
        var (studyId, patientId) = await races.RacedStudyAsync();
        await using (var connection = new NpgsqlConnection(forged.ConnectionString))
        {
            await connection.OpenAsync();
            foreach (var target in new[] { studyId, patientId })
            {
                // Marten's tombstone exactly (its version its sequence number), but in a study's or patient's stream.
                await using var command = new NpgsqlCommand("""
                    insert into registry.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
                    select nextval('registry.mt_events_sequence'), gen_random_uuid(), $1, currval('registry.mt_events_sequence'), '{}', 'tombstone', now(), '*DEFAULT*', 'JasperFx.Events.Tombstone, JasperFx.Events', false
                    """, connection) { Parameters = { new() { Value = target } } };
                Assert.Equal(1, await command.ExecuteNonQueryAsync());
            }
        }

        var breaks = (await races.VerifyAsync()).GetProperty("breaks").EnumerateArray().Select(b => b.GetProperty("streamId").GetGuid()).ToArray();
        Assert.Equal(new[] { studyId, patientId }.Order(), breaks.Distinct().Order());
        var (exit, text) = await races.VerbAsync();
        Assert.Equal(1, exit);
        Assert.Contains($"BROKEN stream {patientId} version ", text);
        Assert.Contains($"BROKEN stream {studyId} version ", text);
    }
}
