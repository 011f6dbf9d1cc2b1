using Alba;
using Microsoft.AspNetCore.Hosting;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Platform;

/// <summary>
/// The committed adapters (src/Registry.Api/Internal/Generated) are what the serving registry runs outside Development:
/// they must be exactly what the handlers and endpoints generate now, and a registry in Static mode must answer from them.
/// </summary>
public class GeneratedCodeTests
{
    [Fact]
    public void The_committed_adapters_are_what_codegen_write_produces_now()
    {
        var committed = Path.Combine(RepositoryRoot(), "src", "Registry.Api", GeneratedCode.Folder);
        var fresh = Path.Combine(Path.GetTempPath(), $"trial-registry-codegen-{Guid.NewGuid():N}");
        try
        {
            GeneratedCode.WriteForRegistry(fresh);
            var expected = Files(fresh);
            var actual = Files(committed);
            var stale = expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
                .Where(f => !expected.TryGetValue(f, out var e) || !actual.TryGetValue(f, out var a) || e != a).ToList();
            Assert.True(expected.Count > 40, $"only {expected.Count} adapters generated");
            Assert.True(stale.Count == 0,
                $"Internal/Generated is out of date ({string.Join(", ", stale)}): run `dotnet run --project src/Registry.Api -- codegen write` and commit the result.");
        }
        finally
        {
            if (Directory.Exists(fresh)) Directory.Delete(fresh, recursive: true);
        }
    }

    private static Dictionary<string, string> Files(string root) => Directory.Exists(root)
        ? Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => File.ReadAllText(f).ReplaceLineEndings("\n"))
        : [];

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "TrialRegistry.sln"))) return directory.FullName;
        throw new DirectoryNotFoundException("TrialRegistry.sln not found above the test assembly.");
    }
}

/// <summary>The registry as it serves outside Development: Wolverine loads the committed adapters and compiles nothing.</summary>
public sealed class StaticCodeApp : RegistryApp
{
    protected override void ConfigureHost(IWebHostBuilder builder) => builder.UseSetting(GeneratedCode.ModeSetting, "Static");
}

public class StaticGeneratedCodeTests(StaticCodeApp app) : IClassFixture<StaticCodeApp>
{
    [Fact]
    public async Task A_registry_in_static_mode_registers_a_study_enrols_a_patient_and_lists_them_from_the_committed_adapters()
    {
        var studyId = await app.RegisteredStudyAsync("STATIC-1");
        var patientId = await app.EnrolledPatientAsync(studyId, subjectCode: "S-0001");
        var history = await app.HistoryAsync(patientId);
        Assert.Equal("coordinator-user", history.GetProperty("events")[0].GetProperty("recordedBy").GetString());
        var list = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url("/api/studies");
            s.StatusCodeShouldBeOk();
        });
        Assert.Contains("STATIC-1", list.ReadAsText());
    }
}
