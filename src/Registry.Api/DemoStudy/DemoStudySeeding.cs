using System.Diagnostics;
using Marten;
using Registry.Api.Infrastructure;
using Registry.Demo;
using Registry.Domain.Studies;

namespace Registry.Api.DemoStudy;

/// <summary>Loads the simulated demo studies into a registry database, with a progress display.</summary>
public static class DemoStudySeeding
{
    /// <summary>Loads every demo study unless the registry already holds any study; returns whether it loaded.</summary>
    public static async Task<bool> SeedIfEmptyAsync(RegistryDatabase database, TextWriter output, CancellationToken ct)
    {
        using (var probe = new DocumentStore(EventStoreConfiguration.Build(database.ConnectionString, asyncProjections: false)))
        {
            await probe.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await using var session = probe.QuerySession();
            if (await session.Query<Study>().AnyAsync(ct)) return false;
        }
        output.WriteLine($"The registry is empty: loading the {DemoStudies.All.Count} demo studies ({string.Join(", ", DemoStudies.All.Select(s => s.Code))}).");
        foreach (var demo in DemoStudies.All) await SeedAsync(database, demo.Generate(null, 1), output, ct);
        return true;
    }

    public static Task<Guid> SeedAsync(RegistryDatabase database, SimulatedStudy study, TextWriter output, CancellationToken ct) =>
        SeedAsync(database, Task.FromResult(study), output, ct);

    /// <summary>Loads a study still being simulated: the store and its schema are made ready meanwhile.</summary>
    public static async Task<Guid> SeedAsync(RegistryDatabase database, Task<SimulatedStudy> simulating, TextWriter output, CancellationToken ct)
    {
        var clock = new SimulatedClock();
        using var store = new DocumentStore(EventStoreConfiguration.Build(database.ConnectionString, clock, asyncProjections: false));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var study = await simulating;

        var started = Stopwatch.StartNew();
        var interactive = !Console.IsOutputRedirected && ReferenceEquals(output, Console.Out);
        var lastShown = -1;
        var gate = new object();
        void Progress(int done, int total)
        {
            var percent = done * 100 / total;
            lock (gate)
            {
                // A log gets a line at each tenth passed (batches seldom end exactly on one), a terminal every percent.
                if (percent == lastShown || (!interactive && percent / 10 == lastShown / 10 && done != total)) return;
                lastShown = percent;
                var rate = done / Math.Max(0.001, started.Elapsed.TotalSeconds);
                var line = $"  {study.Protocol.Code}: {done,7}/{total} entries ({percent,3}%) for {study.Patients} patients, {rate:F0} entries/s, " +
                           $"{started.Elapsed.TotalSeconds:F0} s elapsed, ~{(total - done) / Math.Max(1, rate):F0} s left";
                if (interactive) output.Write($"\r{line}"); else output.WriteLine(line);
            }
        }

        var studyId = await DemoStudyLoader.LoadAsync(store, clock, study, Progress, ct);
        if (interactive) output.WriteLine();
        output.WriteLine($"Loaded {study.Protocol.Code} ({studyId}): {study.Patients} patients, {study.Entries.Count} entries, data cut {study.DataCut:yyyy-MM-dd}, in {started.Elapsed.TotalSeconds:F1} s.");
        return studyId;
    }
}
