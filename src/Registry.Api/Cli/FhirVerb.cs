using System.CommandLine;
using Registry.Api.Datasets;
using Registry.Interop.Fhir;

namespace Registry.Api.Cli;

/// <summary><c>fhir --study CODE --out FILE [--as-of T]</c>: the study as the FHIR R4 Bundle the route answers, into one file.</summary>
public static class FhirVerb
{
    public static Command Create(Func<IConfiguration> configuration)
    {
        var study = new Option<string>("--study") { Description = "Study code.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "File to write the Bundle to (replaced if present).", Required = true };
        var asOf = new Option<string?>("--as-of") { Description = "As the registry knew it at this ISO-8601 time." };
        var command = new Command("fhir", "Write a study as a FHIR R4 Bundle (ResearchStudy, patients, subjects, responses, adverse events) in JSON.")
        {
            study, output, asOf,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (stdout, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var source = await StudyRecordsForExport.LoadAsync(configuration(), parse.GetValue(study)!, parse.GetValue(asOf), null, error, ct);
            if (source is null) return RegistryCli.UsageError;

            var bundle = FhirStudyBundle.Build(source, DateTimeOffset.UtcNow);
            var file = parse.GetValue(output)!;
            await using (var body = file.Create()) await FhirStudyBundle.WriteAsync(bundle, body, ct);
            var counts = bundle.Entry.GroupBy(e => e.Resource!.TypeName).Select(g => $"{g.Count()} {g.Key}");
            await stdout.WriteLineAsync($"{file.FullName} ({string.Join(", ", counts)})");
            return 0;
        });
        return command;
    }
}
