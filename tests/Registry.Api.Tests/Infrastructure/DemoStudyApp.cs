using Marten;
using Marten.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;
using Registry.Projections.Outcomes;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>The registry with the default demo study loaded through the real handlers, its outcome rows caught up.</summary>
public sealed class DemoStudyApp : RegistryApp
{
    public Guid StudyId { get; private set; }

    protected override async Task SeedAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:Registry", ConnectionString)]).Build();
        await using var database = await RegistryDatabase.OpenAsync(configuration, _ => { });
        StudyId = await DemoStudySeeding.SeedAsync(database, 1, StudySimulator.DefaultSeed, PublishedStudy.Code, TextWriter.Null, CancellationToken.None);
        await OutcomeRowsCaughtUpAsync(226);
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
