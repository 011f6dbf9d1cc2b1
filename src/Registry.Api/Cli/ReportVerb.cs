using System.CommandLine;
using Marten;
using Registry.Api.Infrastructure;
using Registry.Api.Studies;
using Registry.Projections.StudyViews;

namespace Registry.Api.Cli;

/// <summary><c>report --study CODE [--as-of T] [--data-cut D]</c>: the study's tables and survival, as its protocol defines them.</summary>
public static class ReportVerb
{
    public static Command Create()
    {
        var study = new Option<string>("--study") { Description = "Study code.", Required = true };
        var asOf = new Option<string?>("--as-of") { Description = "Answer as the registry knew it at this ISO-8601 time." };
        var dataCut = new Option<string?>("--data-cut") { Description = "Censor follow-up at this clinical date (YYYY-MM-DD)." };
        var command = new Command("report", "Print Tables 1–3, every time-to-event endpoint and the planned comparisons of a study, as Markdown.") { study, asOf, dataCut };
        command.SetAction(async (parse, ct) =>
        {
            await using var database = await RegistryDatabase.OpenAsync(CliConfiguration.Load(), Console.Error.WriteLine);
            using var store = new DocumentStore(EventStoreConfiguration.Build(database.ConnectionString, asyncProjections: false));
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await using var session = store.QuerySession();
            var code = parse.GetValue(study)!;
            if (await session.LoadAsync<StudyCodeClaim>(code, ct) is not { } claim)
            {
                Console.Error.WriteLine($"No study with code '{code}' is registered (load a demo study with the seed verb).");
                return 2;
            }
            // Read-your-write: the report derives outcomes from the patient charts, not the async rows.
            var (scope, refusal) = await StudyViewLoader.LoadAsync(session, claim.StudyId, parse.GetValue(asOf), parse.GetValue(dataCut), consistent: true, ct);
            if (scope is null)
            {
                Console.Error.WriteLine(refusal!.NotFound ?? "--as-of must be an ISO-8601 time and --data-cut a date YYYY-MM-DD.");
                return 2;
            }
            Console.Out.Write(StudyReport.Render(scope));
            return 0;
        });
        return command;
    }
}
