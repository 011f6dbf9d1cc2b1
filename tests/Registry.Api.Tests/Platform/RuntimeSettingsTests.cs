using System.Text.Json.Nodes;

namespace Registry.Api.Tests.Platform;

/// <summary>The .NET runtime settings the registry is built with (Registry.Api.csproj), read from the runtimeconfig.json it runs with.</summary>
public class RuntimeSettingsTests
{
    [Fact]
    public void The_registry_runs_the_workstation_garbage_collector_with_background_collections()
    {
        // The MSBuild property is ServerGarbageCollection: a misspelt one is ignored, and the web SDK's default (server GC) stays.
        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Registry.Api.runtimeconfig.json")))!["runtimeOptions"]!["configProperties"]!;
        Assert.False(settings["System.GC.Server"]!.GetValue<bool>());
        Assert.True(settings["System.GC.Concurrent"]!.GetValue<bool>());
    }

    [Fact]
    public void Arrays_of_a_hundred_thousand_patients_values_start_in_the_youngest_generation()
    {
        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Registry.Api.runtimeconfig.json")))!["runtimeOptions"]!["configProperties"]!;
        Assert.Equal(2 * 1024 * 1024, settings["System.GC.LOHThreshold"]!.GetValue<int>());
    }
}
