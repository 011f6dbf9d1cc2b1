using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Cli;

/// <summary>
/// The <c>datasets</c> verb's refusals: exit code 2 and one <c>error:</c> line naming what to change, no file written.
/// (Its files on the demo studies are checked against the routes in Datasets/AdtteAgainstRTests.)
/// </summary>
public sealed class DatasetsVerbTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Theory]
    [InlineData(null, "--data-cut", "2020-02-30", "error: --data-cut: '2020-02-30' is not a date in the form YYYY-MM-DD.")]
    [InlineData(null, "--as-of", "last week", "error: --as-of: 'last week' is not a moment in ISO-8601 form")]
    [InlineData(null, "--as-of", "2001-01-01", "was not yet registered at 2001-01-01")]
    [InlineData("NO-SUCH-STUDY", "--data-cut", "2020-06-30", "error: no study with code 'NO-SUCH-STUDY' is registered.")]
    public async Task A_refused_export_exits_with_code_2_and_writes_nothing(string? study, string option, string value, string error)
    {
        var code = study ?? $"DS-{Guid.NewGuid():N}"[..10];
        if (study is null) await app.RegisteredStudyAsync(Scenarios.Protocol(code));
        var directory = Path.Combine(Path.GetTempPath(), $"trial-registry-datasets-{Guid.NewGuid():N}");

        var run = await CliRun.InvokeAsync(["datasets", "--study", code, "--out", directory, option, value], app.ConnectionString);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(error, run.Stderr);
        Assert.False(Directory.Exists(directory));
    }
}
