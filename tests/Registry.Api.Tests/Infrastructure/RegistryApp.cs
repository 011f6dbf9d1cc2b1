using Alba;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.StudyViews;
using Registry.Projections.Outcomes;

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
        await BeforeStartAsync();
        Host = await AlbaHost.For<Program>(builder =>
        {
            UseTestSettings(builder, ConnectionString, _dataDirectory);
            ConfigureHost(builder);
        });
        await SeedAsync();
    }

    /// <summary>What every test host of the registry is given: its database, the test signing key, a scratch data directory.</summary>
    public static void UseTestSettings(IWebHostBuilder builder, string connectionString, string dataDirectory)
    {
        builder.UseSetting("ConnectionStrings:Registry", connectionString);
        builder.UseSetting("Auth:SigningKey", Convert.ToBase64String(SigningKey));
        builder.UseSetting("Registry:DataDirectory", dataDirectory);
        builder.UseSetting("Registry:DemoStudy:LoadOnFirstRun", "false");
        builder.UseSetting("Registry:FirstAdmin", "false");
        // Tests count and compare kept view sets: none is read ahead behind their back.
        builder.UseSetting(WarmingStudyViews.Setting, "false");
        // Pages under test show maturity however loaded the machine; the dashboard's bounded wait has its own test.
        builder.UseSetting(MaturityRuns.WaitSetting, "600");
        // A test class asks one user's views far faster than a person could; the limits have their own tests (RateLimitTests).
        builder.UseSetting("Registry:RateLimits:Burst", "100000");
        builder.UseSetting("Registry:RateLimits:PerMinute", "100000");
    }

    /// <summary>Settings or services a fixture adds to the host (an external token provider, say); none by default.</summary>
    protected virtual void ConfigureHost(IWebHostBuilder builder) { }

    /// <summary>What a fixture does to its database before the registry starts on it (an older store, say); nothing by default.</summary>
    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

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

    /// <summary>
    /// How many facts the store holds and the last one's sequence number: equal before and after means nothing was
    /// recorded. Marten's tombstones are left out: one fills, in the background, the sequence numbers a save that failed
    /// had taken (a write whose study was amended meanwhile, judged again), so it can land after the answer of a later request.
    /// </summary>
    public async Task<(long Count, long LastSequence)> EventStoreMarkAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select count(*), coalesce(max(seq_id), 0) from {EventStoreConfiguration.Schema}.mt_events where type <> 'tombstone'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Waits (bounded) until the daemon's high-water mark has reached the last event: answers computed from the charts are kept from then on.</summary>
    public async Task HighWaterCaughtUpAsync()
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var session = Store.QuerySession();
            var behind = (await session.AdvancedSql.QueryAsync<long>(
                "select (select coalesce(max(seq_id), 0) from registry.mt_events) - " +
                "coalesce((select last_seq_id from registry.mt_event_progression where name = 'HighWaterMark'), 0)", CancellationToken.None)).Single();
            if (behind == 0) return;
            if (waited.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"The daemon's high-water mark stayed {behind} events behind.");
            await Task.Delay(50);
        }
    }

    /// <summary>The document store the registry under test writes to (for tests that play a legacy writer or read a projection).</summary>
    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();

    /// <summary>
    /// Waits for the async daemon to derive the patient's outcome row from at least stream version
    /// <paramref name="version"/>, bounded so a stuck or failing projection fails the test instead of hanging it.
    /// </summary>
    public async Task<PatientOutcomeRow> OutcomeRowAsync(Guid patientId, long version, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            await using (var session = Store.QuerySession())
                if (await session.LoadAsync<PatientOutcomeRow>(patientId) is { } row && row.Version >= version) return row;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Patient {patientId}'s outcome row did not reach version {version} within {within ?? TimeSpan.FromSeconds(30)}.");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the outcome projection to set the patient aside; null if it has not within <paramref name="within"/>.</summary>
    public async Task<ProjectionFault?> ProjectionFaultAsync(Guid patientId, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow <= deadline)
        {
            await using (var session = Store.QuerySession())
                if (await session.LoadAsync<ProjectionFault>(patientId) is { } fault) return fault;
            await Task.Delay(100);
        }
        return null;
    }
}
