using Marten;
using Marten.Events;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;
using Registry.Api.Maintenance;
using Registry.Api.Tests.Infrastructure;
using Registry.Demo;

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
        using (var daemon = await store.BuildProjectionDaemonAsync())
        {
            await daemon.StartAllAsync();
            await store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(120));
            await daemon.StopAllAsync();
        }
        var live = await DocumentsAsync(connectionString);
        Assert.Single(live["mt_doc_study"]);
        Assert.Equal(226, live["mt_doc_patientchart"].Count);
        Assert.Equal(226, live["mt_doc_patientoutcomerow"].Count);

        // Damage the views first, so only a real replay can make them equal to the live ones again: outcome rows gone,
        // every chart's arm wrong, the study document altered.
        await ExecuteAsync(connectionString, $"delete from {EventStoreConfiguration.Schema}.mt_doc_patientoutcomerow; " +
            $"update {EventStoreConfiguration.Schema}.mt_doc_patientchart set data = jsonb_set(data, '{{arm}}', '\"XX\"'); " +
            $"update {EventStoreConfiguration.Schema}.mt_doc_study set data = data || '{{\"damaged\": true}}'::jsonb");
        var damaged = await DocumentsAsync(connectionString);
        Assert.Empty(damaged["mt_doc_patientoutcomerow"]);
        Assert.NotEqual(live["mt_doc_patientchart"], damaged["mt_doc_patientchart"]);
        Assert.NotEqual(live["mt_doc_study"], damaged["mt_doc_study"]);

        await RebuildingProjections.RunAsync(store, _ => { }, CancellationToken.None);

        var rebuilt = await DocumentsAsync(connectionString);
        foreach (var (table, documents) in live)
            Assert.True(documents.SequenceEqual(rebuilt[table]), $"{table} differs after the rebuild.");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every projected document's JSON by table, ordered by id; jsonb normalises key order so equal documents compare equal.</summary>
    private static async Task<Dictionary<string, List<string>>> DocumentsAsync(string connectionString)
    {
        var documents = new Dictionary<string, List<string>>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var table in new[] { "mt_doc_study", "mt_doc_patientchart", "mt_doc_patientoutcomerow" })
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
