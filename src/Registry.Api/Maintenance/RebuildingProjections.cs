using Marten;
using Registry.Api.Infrastructure;

namespace Registry.Api.Maintenance;

/// <summary>
/// Rebuilds every projection from the event store, in dependency order. Run it with the registry stopped:
/// a running node's daemon would otherwise race the rebuild for the same projection.
/// </summary>
public static class RebuildingProjections
{
    public static async Task RunAsync(IDocumentStore store, Action<string> progress, CancellationToken ct)
    {
        using var daemon = await store.BuildProjectionDaemonAsync();
        foreach (var name in ProjectionNames.All)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            progress($"Rebuilding {name}...");
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(30), ct);
            progress($"Rebuilt {name} in {started.Elapsed.TotalSeconds:F1} s.");
        }
    }
}
