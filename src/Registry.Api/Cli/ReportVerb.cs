using System.CommandLine;
using Marten;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;
using Registry.Api.Reporting;
using Registry.Api.StudyViews;
using Registry.Domain.Studies;

namespace Registry.Api.Cli;

/// <summary><c>report [--study CODE] [--as-of T] [--data-cut D]</c>: the paper's tables with the registry's figures beside the published ones.</summary>
public static class ReportVerb
{
    public static Command Create()
    {
        var study = new Option<string>("--study") { Description = "Study code.", DefaultValueFactory = _ => PublishedStudy.Code };
        var asOf = new Option<string?>("--as-of") { Description = "Answer as the registry knew it at this ISO-8601 time." };
        var dataCut = new Option<string?>("--data-cut") { Description = "Censor follow-up at this clinical date (YYYY-MM-DD)." };
        var command = new Command("report", "Print Table 1, Table 2, Table 3 and the survival comparisons beside the published figures.") { study, asOf, dataCut };
        command.SetAction(async (parse, ct) =>
        {
            await using var database = await RegistryDatabase.OpenAsync(CliConfiguration.Load(), Console.Error.WriteLine);
            using var store = new DocumentStore(EventStoreConfiguration.Build(database.ConnectionString, asyncProjections: false));
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await using var session = store.QuerySession();
            var code = parse.GetValue(study)!;
            if (await session.Query<Study>().FirstOrDefaultAsync(s => s.Code == code, ct) is not { } found)
            {
                Console.Error.WriteLine($"No study with code '{code}' is registered (load the demo study with the seed verb).");
                return 2;
            }
            // Read-your-write: the report derives outcomes from the patient charts, not the async rows.
            var (scope, _) = await StudyViewLoader.LoadAsync(session, found.Id, parse.GetValue(asOf), parse.GetValue(dataCut), consistent: true, ct);
            if (scope is null)
            {
                Console.Error.WriteLine("--as-of must be an ISO-8601 time and --data-cut a date YYYY-MM-DD.");
                return 2;
            }
            Console.Out.Write(PaperComparisonReport.Render(scope));
            return 0;
        });
        return command;
    }
}
