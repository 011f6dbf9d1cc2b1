using System.CommandLine;
using Marten;
using Registry.Audit;
using Registry.Api.Infrastructure;

namespace Registry.Api.Cli;

/// <summary><c>verify [--study id]</c>: recomputes the events' hash chains; exit code 1 when any chain breaks.</summary>
public static class VerifyVerb
{
    public static Command Create()
    {
        var study = new Option<Guid?>("--study") { Description = "Verify only this study's streams (its own and its patients')." };
        var command = new Command("verify", "Recompute every event's chained hash and list each stream and version where the chain breaks.")
        {
            study
        };
        command.SetAction((parse, ct) => RunAsync(CliConfiguration.Load(), parse.GetValue(study), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(IConfiguration configuration, Guid? study, TextWriter output, CancellationToken ct)
    {
        await using var database = await RegistryDatabase.OpenAsync(configuration, Console.Error.WriteLine);
        // Read only: verifying must not migrate the database it audits.
        using var store = new DocumentStore(EventStoreConfiguration.Build(database.ConnectionString, asyncProjections: false));
        var report = await ChainVerification.VerifyAsync(store, study, ct);
        foreach (var broken in report.Breaks)
            await output.WriteLineAsync($"BROKEN stream {broken.StreamId} version {broken.Version}: {broken.Problem}");
        await output.WriteLineAsync(report.Intact
            ? $"Intact: {report.Events} events in {report.Streams} streams verify{(report.Tombstones > 0 ? $" ({report.Tombstones} Marten tombstones of failed appends skipped)" : "")}."
            : $"{report.Breaks.Count} break(s) in {report.Events} events of {report.Streams} streams.");
        return report.Intact ? 0 : 1;
    }
}
