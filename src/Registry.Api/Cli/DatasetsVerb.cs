using System.CommandLine;
using Registry.Api.Datasets;
using Registry.Interop.Datasets;

namespace Registry.Api.Cli;

/// <summary>
/// <c>datasets --study CODE --out DIR [--as-of T] [--data-cut D]</c>: the study's analysis datasets (ADSL, ADTTE,
/// ADRS, ADAE) as CSV and Dataset-JSON, and their define.json, built as the routes build them, into one directory.
/// </summary>
public static class DatasetsVerb
{
    public static Command Create(Func<IConfiguration> configuration)
    {
        var study = new Option<string>("--study") { Description = "Study code.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory to write the files into (created if absent; files of the same names are replaced).", Required = true };
        var asOf = new Option<string?>("--as-of") { Description = "As the registry knew it at this ISO-8601 time." };
        var dataCut = new Option<string?>("--data-cut") { Description = "Censor follow-up at this clinical date (YYYY-MM-DD)." };
        var command = new Command("datasets", "Write a study's ADaM-shaped analysis datasets (ADSL, ADTTE, ADRS, ADAE) as CSV and Dataset-JSON, with define.json.")
        {
            study, output, asOf, dataCut,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (stdout, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var source = await StudyRecordsForExport.LoadAsync(configuration(), parse.GetValue(study)!, parse.GetValue(asOf), parse.GetValue(dataCut), error, ct);
            if (source is null) return RegistryCli.UsageError;

            var directory = parse.GetValue(output)!;
            directory.Create();
            var createdAt = DateTimeOffset.UtcNow;
            var datasets = AnalysisDatasets.All.Select(d => d.Build(source)).ToList();
            foreach (var dataset in datasets)
            {
                await WriteAsync(directory, GettingDatasetsEndpoint.FileName(source, dataset.Name, "csv"), body => DatasetCsv.WriteAsync(dataset, body, ct), stdout,
                    $"{dataset.Rows.Count} records");
                await WriteAsync(directory, GettingDatasetsEndpoint.FileName(source, dataset.Name, "json"), body => DatasetJson.WriteAsync(dataset, source, createdAt, body, ct),
                    stdout, "Dataset-JSON");
            }
            await WriteAsync(directory, $"{source.StudyCode}-define.json", body => DataDefinition.Of(source, datasets).WriteAsync(body, ct), stdout, "data definition");
            return 0;
        });
        return command;
    }

    private static async Task WriteAsync(DirectoryInfo directory, string name, Func<Stream, Task> write, TextWriter stdout, string what)
    {
        var path = Path.Combine(directory.FullName, name);
        await using (var file = File.Create(path)) await write(file);
        await stdout.WriteLineAsync($"{path} ({what})");
    }
}
