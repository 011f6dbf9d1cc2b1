using Marten;
using Registry.Api.Datasets;
using Registry.Api.Infrastructure;
using Registry.Api.Studies;
using Registry.Interop.Datasets;

namespace Registry.Api.Cli;

/// <summary>
/// What the export verbs (<c>datasets</c>, <c>fhir</c>) start from: the study named by its code, read as the routes
/// read it at a moment and data cut; or, on stderr, why it cannot be (unknown code, a moment or cut refused).
/// </summary>
public static class StudyRecordsForExport
{
    public static async Task<AnalysisSource?> LoadAsync(IConfiguration configuration, string code, string? asOf, string? dataCut, TextWriter error, CancellationToken ct)
    {
        await using var database = await RegistryDatabase.OpenAsync(configuration, message => error.WriteLine(message));
        using var store = new DocumentStore(EventStoreConfiguration.Build(database.ConnectionString, asyncProjections: false));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var session = store.QuerySession();
        if (await session.LoadAsync<StudyCodeClaim>(code, ct) is not { } claim)
        {
            await error.WriteLineAsync($"error: no study with code '{code}' is registered.");
            return null;
        }
        var (source, refusal) = await AnalysisSources.LoadAsync(session, claim.StudyId, asOf, dataCut, ct);
        if (source is not null) return source;
        foreach (var (field, messages) in refusal!.Errors ?? [])
            await error.WriteLineAsync($"error: --{(field == "asOf" ? "as-of" : "data-cut")}: {string.Join(" ", messages)}");
        if (refusal.NotFound is { } notFound) await error.WriteLineAsync($"error: {notFound}");
        return null;
    }
}
