using Alba;
using Microsoft.AspNetCore.Hosting;
using Npgsql;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>The registry host under test, on its own database; one per test class (xunit class fixture).</summary>
public class RegistryApp : IAsyncLifetime
{
    // A fixed key for tests only; the application generates its own into the data directory.
    public static readonly byte[] SigningKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"trial-registry-test-data-{Guid.NewGuid():N}");

    public IAlbaHost Host { get; private set; } = null!;
    public string ConnectionString { get; private set; } = null!;
    public TokenIssuer Tokens { get; } = new(SigningKey);

    public async Task InitializeAsync()
    {
        ConnectionString = await TestCluster.NewDatabaseAsync();
        Host = await AlbaHost.For<Program>(builder => UseTestSettings(builder, ConnectionString, _dataDirectory));
        await SeedAsync();
    }

    /// <summary>What every test host of the registry is given: its database, the test signing key, a scratch data directory.</summary>
    public static void UseTestSettings(IWebHostBuilder builder, string connectionString, string dataDirectory)
    {
        builder.UseSetting("ConnectionStrings:Registry", connectionString);
        builder.UseSetting("Auth:SigningKey", Convert.ToBase64String(SigningKey));
        builder.UseSetting("Registry:DataDirectory", dataDirectory);
        builder.UseSetting("Registry:DemoStudy:LoadOnFirstRun", "false");
    }

    /// <summary>State a fixture needs before its tests run; none by default.</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    public string Token(string role, params string[] sites) => Tokens.Mint($"{role}-user", [role], sites, TimeSpan.FromHours(1));
    public string Admin => Token(Roles.Admin);
    public string Coordinator => Token(Roles.Coordinator, "S1");
    public string Investigator => Token(Roles.Investigator);
    public string Auditor => Token(Roles.Auditor);

    /// <summary>How many events the store holds and the last sequence number: equal before and after means nothing was appended.</summary>
    public async Task<(long Count, long LastSequence)> EventStoreMarkAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select count(*), coalesce(max(seq_id), 0) from {EventStoreConfiguration.Schema}.mt_events", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
