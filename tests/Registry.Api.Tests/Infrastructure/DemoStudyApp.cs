using Marten;
using Marten.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;
using Registry.Demo;
using Registry.Projections.Outcomes;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>The registry with the motivating demo study (NPC-RM-2L) loaded through the real handlers, its outcome rows caught up.</summary>
public sealed class DemoStudyApp : RegistryApp
{
    public const string Code = "NPC-RM-2L";

    public Guid StudyId { get; private set; }

    /// <summary>The motivating study as simulated (seeded), so tests can derive the same patients directly.</summary>
    public SimulatedStudy Simulated { get; private set; } = null!;

    protected override async Task SeedAsync()
    {
        Simulated = DemoStudies.Find(Code)!.Generate(null, 1);
        StudyId = await SeedAsync(this, Simulated);
        await OutcomeRowsCaughtUpAsync(this, StudyId, Simulated.Patients);
    }

    /// <summary>Loads a simulated study into the app's database as the registry's own demo loader does.</summary>
    public static async Task<Guid> SeedAsync(RegistryApp app, SimulatedStudy study)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:Registry", app.ConnectionString)]).Build();
        await using var database = await RegistryDatabase.OpenAsync(configuration, _ => { });
        return await DemoStudySeeding.SeedAsync(database, study, TextWriter.Null, CancellationToken.None);
    }

    /// <summary>Waits for the async daemon to project every patient of a study, bounded so a stuck daemon fails the fixture.</summary>
    public static async Task OutcomeRowsCaughtUpAsync(RegistryApp app, Guid studyId, int patients)
    {
        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            await using var session = store.QuerySession();
            if (await session.Query<PatientOutcomeRow>().CountAsync(r => r.StudyId == studyId) >= patients)
            {
                await store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
                return;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The async daemon did not project study {studyId}'s {patients} outcome rows within 120 s.");
    }
}

/// <summary>The motivating demo study, loaded once and shared by every test class that reads it.</summary>
[CollectionDefinition(Name)]
public sealed class DemoStudyCollection : ICollectionFixture<DemoStudyApp>
{
    public const string Name = "NPC-RM-2L demo study";
}
