using Registry.Demo;

namespace Registry.Api.Tests.DemoStudy;

/// <summary>
/// R's reference values for the motivating demo study (Fixtures/demo-study-r.json, written by R/demo_study.R) are
/// computed from Fixtures/demo-study-outcomes.csv; that file must be exactly the rows the simulation derives.
/// To regenerate after a change to the simulator or the derivation:
/// <code>
/// REGISTRY_WRITE_FIXTURES=1 dotnet test tests/Registry.Api.Tests --filter "FullyQualifiedName~DemoStudyFixtureTests"
/// Rscript tests/Registry.Api.Tests/R/demo_study.R
/// </code>
/// </summary>
public sealed class DemoStudyFixtureTests
{
    private const string CsvFile = "demo-study-outcomes.csv";

    [Fact]
    public void The_rows_R_was_given_are_the_rows_the_simulation_derives()
    {
        var derived = DemoOutcomes.ToCsv(DemoOutcomes.Derive(MotivatingStudy.Generate()));
        if (Environment.GetEnvironmentVariable("REGISTRY_WRITE_FIXTURES") == "1")
            File.WriteAllText(DemoOutcomes.SourcePath("Fixtures", CsvFile), derived);

        var committed = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", CsvFile));
        Assert.True(committed == derived || Environment.GetEnvironmentVariable("REGISTRY_WRITE_FIXTURES") == "1",
            $"Fixtures/{CsvFile} is not what the simulation derives: regenerate it and R's values (see this class's summary).");
        Assert.Equal(227, derived.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void The_simulation_and_its_derivation_are_reproducible()
    {
        Assert.Equal(DemoOutcomes.ToCsv(DemoOutcomes.Derive(MotivatingStudy.Generate())), DemoOutcomes.ToCsv(DemoOutcomes.Derive(MotivatingStudy.Generate())));
        Assert.Equal(DemoStudies.Find("NPC-RM-2L")!.Generate(null, 1).Entries.Count, MotivatingStudy.Generate().Entries.Count);
    }
}
