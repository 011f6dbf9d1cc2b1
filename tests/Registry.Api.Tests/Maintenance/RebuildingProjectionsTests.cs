using Marten;
using Marten.Events;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Registry.Api.Accounts;
using Registry.Api.Auth;
using Registry.Api.DemoStudy;
using Registry.Api.Patients;
using Registry.Audit;
using Registry.Domain.Patients;
using Registry.Api.Infrastructure;
using Registry.Api.Maintenance;
using Registry.Api.Tests.Infrastructure;
using Registry.Demo;
using Registry.Api.Tests.Patients;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.Maintenance;

/// <summary>The rebuild command's promise: replaying the event store reproduces every projected document exactly.</summary>
public sealed class RebuildingProjectionsTests
{
    [Fact]
    public async Task Rebuilt_views_equal_the_live_ones()
    {
        var connectionString = await TestCluster.NewDatabaseAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:Registry", connectionString)]).Build();
        var study = DemoStudies.Find("NPC-RM-2L")!.Generate(null, 1);
        await using (var database = await RegistryDatabase.OpenAsync(configuration, _ => { }))
            await DemoStudySeeding.SeedAsync(database, study, TextWriter.Null, CancellationToken.None);

        using var store = new DocumentStore(EventStoreConfiguration.Build(connectionString));
        var account = Guid.NewGuid();
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream(account, new UserAccountOpened(account, "coordinator-1", "Coordinator One", Roles.Coordinator, ["S1"], "hash-1", true),
                new PasswordChanged("hash-2", false), new PasswordRefused(1));
            await session.SaveChangesAsync();
        }
        using (var daemon = await store.BuildProjectionDaemonAsync())
        {
            await daemon.StartAllAsync();
            await store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(120));
            await daemon.StopAllAsync();
        }
        var live = await DocumentsAsync(connectionString);
        var liveRevisions = await ChartRevisionsAsync(connectionString);
        Assert.Single(live["mt_doc_study"]);
        Assert.Equal(226, live["mt_doc_patientchart"].Count);
        Assert.Equal(226, live["mt_doc_patientoutcomerow"].Count);
        Assert.Single(live["mt_doc_useraccount"]);
        // The seed's COPY writes each chart's study into its own column, as Marten's writes do.
        Assert.Equal(0L, await ChartsWithoutTheirStudyColumnAsync(connectionString));
        // The seed's COPY stored every chart's compact entries.
        Assert.Equal(226, await StoredCompactEntries.AssertEveryChartHoldsItsEntriesAsync(connectionString, store.Options.Serializer()));

        // Damage the views first, so only a real replay can make them equal to the live ones again: outcome rows gone,
        // every chart's arm wrong, the study document and the account altered, the async projection's position forgotten.
        await ExecuteAsync(connectionString, $"delete from {EventStoreConfiguration.Schema}.mt_doc_patientoutcomerow; " +
            $"update {EventStoreConfiguration.Schema}.mt_doc_patientchart set data = jsonb_set(data, '{{arm}}', '\"XX\"'), {CompactChartEntries.Column} = null; " +
            $"update {EventStoreConfiguration.Schema}.mt_doc_study set data = data || '{{\"damaged\": true}}'::jsonb; " +
            $"update {EventStoreConfiguration.Schema}.mt_doc_useraccount set data = jsonb_set(data, '{{failedSignIns}}', '7'); " +
            $"delete from {EventStoreConfiguration.Schema}.mt_event_progression");
        var damaged = await DocumentsAsync(connectionString);
        Assert.Empty(damaged["mt_doc_patientoutcomerow"]);
        Assert.NotEqual(live["mt_doc_patientchart"], damaged["mt_doc_patientchart"]);
        Assert.NotEqual(live["mt_doc_study"], damaged["mt_doc_study"]);
        Assert.NotEqual(live["mt_doc_useraccount"], damaged["mt_doc_useraccount"]);

        await RebuildingProjections.RunAsync(store, _ => { }, CancellationToken.None);

        var rebuilt = await DocumentsAsync(connectionString);
        foreach (var (table, documents) in live)
            Assert.True(documents.SequenceEqual(rebuilt[table]), $"{table} differs after the rebuild.");
        Assert.Equal(226, await StoredCompactEntries.AssertEveryChartHoldsItsEntriesAsync(connectionString, store.Options.Serializer()));
        // Each chart keeps the revision a write checks it against: its stream's version, as the inline projection left it.
        Assert.Equal(liveRevisions, await ChartRevisionsAsync(connectionString));
        // And its study in its own column, which reads of a study's charts filter on.
        Assert.Equal(0L, await ChartsWithoutTheirStudyColumnAsync(connectionString));

        // The async projection resumes after the events the rebuild projected: a new entry is projected, nothing twice.
        var patient = Guid.Parse(rebuilt["mt_doc_patientoutcomerow"][0][..36]);
        await using (var session = store.LightweightSession())
        {
            var (timeline, stored) = await PatientStream.LoadAsync(session, patient, null, CancellationToken.None);
            PatientStream.Append(session, "coordinator-1", timeline!, ChainLink.Of(stored[^1]), [new LastKnownAlive(new DateOnly(2030, 1, 1))], 1);
            await session.SaveChangesAsync();
        }
        var resuming = DateTimeOffset.UtcNow;
        using (var daemon = await store.BuildProjectionDaemonAsync())
        {
            await daemon.StartAllAsync();
            await store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
            await daemon.StopAllAsync();
        }
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var written = new NpgsqlCommand(
                $"select count(*) from {EventStoreConfiguration.Schema}.mt_doc_patientoutcomerow where mt_last_modified >= $1", connection)
            {
                Parameters = { new() { Value = resuming } },
            };
            Assert.Equal(1L, await written.ExecuteScalarAsync());
        }
        var resumed = (await DocumentsAsync(connectionString))["mt_doc_patientoutcomerow"];
        var changed = Assert.Single(resumed.Except(rebuilt["mt_doc_patientoutcomerow"]));
        Assert.StartsWith(patient.ToString(), changed);
        var before = rebuilt["mt_doc_patientoutcomerow"].Single(r => r.StartsWith(patient.ToString()));
        Assert.Equal(Version(before) + 1, Version(changed));
    }

    private static long Version(string row) => System.Text.Json.JsonDocument.Parse(row[37..]).RootElement.GetProperty("version").GetInt64();

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Charts whose study column is not the study their document names (null included).</summary>
    private static async Task<long> ChartsWithoutTheirStudyColumnAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select count(*) from {EventStoreConfiguration.Schema}.mt_doc_patientchart where study_id is distinct from CAST(data ->> 'studyId' as uuid)", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<(Guid, long)>> ChartRevisionsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select id, mt_version from {EventStoreConfiguration.Schema}.mt_doc_patientchart order by id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var revisions = new List<(Guid, long)>();
        while (await reader.ReadAsync()) revisions.Add((reader.GetGuid(0), reader.GetInt64(1)));
        return revisions;
    }

    /// <summary>Every projected document's JSON by table, ordered by id; jsonb normalises key order so equal documents compare equal.</summary>
    private static async Task<Dictionary<string, List<string>>> DocumentsAsync(string connectionString)
    {
        var documents = new Dictionary<string, List<string>>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var table in new[] { "mt_doc_study", "mt_doc_patientchart", "mt_doc_patientoutcomerow", "mt_doc_useraccount" })
        {
            await using var command = new NpgsqlCommand($"select id::text || ' ' || data::text from {EventStoreConfiguration.Schema}.{table} order by id", connection);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
            documents[table] = rows;
        }
        return documents;
    }
}
