using System.CommandLine;
using System.Text.Json;
using Marten;
using Registry.Api.Import;
using Registry.Api.Infrastructure;
using Registry.Api.Studies;
using Registry.Domain.Studies;

namespace Registry.Api.Cli;

/// <summary>
/// <c>import --study CODE --subjects FILE --events FILE [--dry-run]</c> (or <c>--odm FILE</c>): a study's patients and
/// their history from the CSV layout or an ODM 1.3.2 file (docs/interop.md), every row held to the rules a
/// coordinator's entry meets, recorded as <c>cli:&lt;operating-system user&gt;</c>. Exit code 0 when everything was
/// recorded (or, dry, would be), 2 with the problem list on stderr otherwise.
/// </summary>
public static class ImportVerb
{
    public static Command Create(Func<IConfiguration> configuration)
    {
        var study = new Option<string>("--study") { Description = "Code of the registered study to import into.", Required = true };
        var subjects = new Option<FileInfo?>("--subjects") { Description = "CSV of subjects: one row per patient (subject code, site, arm, enrolment date, dictionary variables)." };
        var events = new Option<FileInfo?>("--events") { Description = "CSV of events: one row per clinical entry (subject code, kind, date, the kind's columns)." };
        var odm = new Option<FileInfo?>("--odm") { Description = "Instead of the CSV files: a CDISC ODM 1.3.2 file's ClinicalData." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every row and list every problem; record nothing." };
        var command = new Command("import", "Import a study's patients and history from CSV files or ODM, checked as entries are; all or nothing per file.")
        {
            study, subjects, events, odm, dryRun,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            var files = new[] { parse.GetValue(subjects), parse.GetValue(events), parse.GetValue(odm) };
            if (files.All(f => f is null) || (files[2] is not null && (files[0] ?? files[1]) is not null))
                return Refuse(error, "give --subjects and/or --events (the CSV layout), or --odm, not both.");
            if (files.FirstOrDefault(f => f is { Exists: false }) is { } missing)
                return Refuse(error, $"{missing.FullName}: no such file.");

            // The CSV files are read into cells while the database opens and the store is built, and read into writes
            // against the study's forms while its schema is checked: each takes about a second, and none needs the other.
            var reading = Task.Run(() => (Csv(files[0]), Csv(files[1]), files[2] is { } o ? new ImportFile(o.Name, File.ReadAllBytes(o.FullName)) : null), ct);
            await using var database = await RegistryDatabase.OpenAsync(configuration(), message => error.WriteLine(message));
            using var store = new DocumentStore(EventStoreConfiguration.Build(database.ConnectionString, asyncProjections: false));
            Study? registered;
            await using (var session = store.QuerySession())
            {
                // Looked up before the schema is applied: the store creates what the lookup reads when it is missing.
                var code = parse.GetValue(study)!;
                registered = await session.LoadAsync<StudyCodeClaim>(code, ct) is { } claim ? await session.LoadAsync<Study>(claim.StudyId, ct) : null;
                if (registered is null)
                {
                    await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
                    return Refuse(error, $"no study with code '{code}' is registered.");
                }
            }
            var schema = store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            IReadOnlyList<ImportPlanFile> plan;
            try
            {
                var (subjectsRead, eventsRead, odmRead) = await reading;
                plan = StudyImports.Plan(registered, subjectsRead, eventsRead, odmRead);
            }
            finally
            {
                await schema;
            }
            var interactive = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
            var outcome = await StudyImport.RunAsync(store, registered, UserVerb.RecordedBy, plan, parse.GetValue(dryRun), Json,
                new ImportProgressBar(error, interactive), ct);

            foreach (var problem in outcome.Problems) await error.WriteLineAsync($"error: {problem}");
            foreach (var file in outcome.Files)
                await output.WriteLineAsync($"{file.File} (sha256 {file.Sha256}): {file.Rows} rows, {file.NewPatients} new patients, {file.Events} events for {file.Patients} patients — " +
                    (file.Recorded ? "recorded." : outcome.DryRun ? (outcome.Problems.Any(p => p.File == file.File) ? "would be refused." : "would be recorded.") : "nothing recorded."));
            await output.WriteLineAsync(outcome.DryRun
                ? $"Dry run: {outcome.Problems.Count} problem(s); nothing was recorded."
                : $"{(outcome.Succeeded ? "Imported" : "Import refused")} into {registered.Code}: {outcome.Files.Where(f => f.Recorded).Sum(f => f.Events)} events recorded in {outcome.Recording.TotalSeconds:F1} s ({outcome.EventsPerSecond:F0} events/s), {outcome.Problems.Count} problem(s).");
            return outcome.Succeeded ? 0 : RegistryCli.UsageError;
        });
        return command;
    }

    private static CsvImportFile? Csv(FileInfo? file) => file is null ? null : CsvImportFile.Read(new ImportFile(file.Name, File.ReadAllBytes(file.FullName)));

    /// <summary>The request bodies' reading, as the host configures it, for rows read as the API reads requests.</summary>
    private static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        RegistryHost.ConfigureJson(options);
        return options;
    }

    private static int Refuse(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        return RegistryCli.UsageError;
    }
}
