using Marten;
using Marten.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;
using Registry.Demo;
using Registry.Projections.Outcomes;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>The registry with the motivating demo study loaded through the real handlers, its outcome rows caught up.</summary>
public sealed class DemoStudyApp : RegistryApp
{
    public Guid StudyId { get; private set; }

    /// <summary>The motivating study as simulated (seeded), so tests can derive the same patients directly.</summary>
    public SimulatedStudy Simulated { get; private set; } = null!;

    protected override async Task SeedAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:Registry", ConnectionString)]).Build();
        await using var database = await RegistryDatabase.OpenAsync(configuration, _ => { });
        Simulated = DemoStudies.Find("NPC-RM-2L")!.Generate(null, 1);
        StudyId = await DemoStudySeeding.SeedAsync(database, Simulated, TextWriter.Null, CancellationToken.None);
        await OutcomeRowsCaughtUpAsync(Simulated.Patients);
    }

    /// <summary>Waits for the async daemon to project every patient, bounded so a stuck daemon fails the fixture.</summary>
    public async Task OutcomeRowsCaughtUpAsync(int patients)
    {
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            await using var session = store.QuerySession();
            if (await session.Query<PatientOutcomeRow>().CountAsync(r => r.StudyId == StudyId) >= patients)
            {
                await store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));
                return;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("The async daemon did not project the demo study's outcome rows within 60 s.");
    }
}
