using Registry.Demo;

namespace Registry.Api.Tests.Infrastructure;

/// <summary>One demo study as loaded: its registry id and the simulation it was loaded from.</summary>
public sealed record LoadedDemoStudy(string Code, Guid StudyId, SimulatedStudy Simulated);

/// <summary>
/// The registry with every demo study of <see cref="DemoStudies.All"/> loaded through the real handlers (the
/// motivating study, the randomized LA-NPC trial, the single-arm trial), their outcome rows caught up.
/// </summary>
public sealed class AllDemoStudiesApp : RegistryApp
{
    public IReadOnlyDictionary<string, LoadedDemoStudy> Studies { get; private set; } = null!;

    public LoadedDemoStudy this[string code] => Studies[code];

    protected override async Task SeedAsync()
    {
        var loaded = new Dictionary<string, LoadedDemoStudy>();
        foreach (var demo in DemoStudies.All)
        {
            var simulated = demo.Generate(null, 1);
            loaded[demo.Code] = new LoadedDemoStudy(demo.Code, await DemoStudyApp.SeedAsync(this, simulated), simulated);
        }
        foreach (var study in loaded.Values) await DemoStudyApp.OutcomeRowsCaughtUpAsync(this, study.StudyId, study.Simulated.Patients);
        Studies = loaded;
    }
}

/// <summary>The three demo studies, loaded once and shared by every test class that reads them.</summary>
[CollectionDefinition(Name)]
public sealed class AllDemoStudiesCollection : ICollectionFixture<AllDemoStudiesApp>
{
    public const string Name = "All demo studies";
}
