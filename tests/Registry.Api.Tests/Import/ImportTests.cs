using System.Text.Json;
using Alba;
using Marten;
using Registry.Projections.Patients;
using Registry.Api.Tests.Cli;
using Registry.Api.Tests.Infrastructure;
using Registry.Api.Tests.Patients;
using Registry.Interop.Import;
using static Registry.Api.Tests.Import.ImportFiles;

namespace Registry.Api.Tests.Import;

public sealed class ImportTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task A_dry_run_lists_every_problem_at_its_file_row_and_column_and_records_nothing()
    {
        var studyId = await app.RegisteredStudyAsync();
        var before = await app.EventStoreMarkAsync();
        var subjects = File("subjects.csv", Lines(SubjectsHeader,
            "P-001,S1,ITC,2021-01-04,45,Male,90,true,positive",
            "P-002,S1,C,2021-01-11,forty,Female,80,false,negative",
            "P-003,S1,C,2021-02-01,55,Male,50,false,negative",
            "P-004,S2,C,2021-02-30,55,Male,90,true,negative",
            "P-005,S2,C,2021-02-03,55,Other,90,maybe,negative",
            "P-001,S1,C,2021-03-01,50,Male,90,false,negative"));
        var events = File("events.csv", Lines(EventsHeader,
            "P-001,treatmentStarted,2021-01-06,,,,,,,,,,,,,,,,,",
            "P-001,scan,2021-02-01,,,,,,,,,,,,,,,,,",
            "P-001,adverseEventRecorded,2021-02-10,,,,,,,,Rash,7,false,Possible,,,,,,",
            "P-999,lastKnownAlive,2021-03-01,,,,,,,,,,,,,,,,,",
            "P-001,diseaseProgressed,2020-12-01,,,,,,,,,,,,,Radiological,,,,",
            "P-001,lastKnownAlive,2021-03-01,,,,,,,,,,,,,Clinical,,,,",
            "P-002,lastKnownAlive,2021-03-01,,,,,,,,,,,,,,,,,",
            "P-001,adverseEventRecorded,2999-01-01,,,,,,,,Rash,2,false,Possible,,,,,,"));

        var outcome = await app.ImportAsync(studyId, subjects, events, dryRun: true);

        Assert.False(outcome.Succeeded);
        var found = outcome.Problems.Select(p => (p.File, p.Row, p.Column)).ToList();
        Assert.Contains(("subjects.csv", 3, "age"), found);
        Assert.Contains(("subjects.csv", 4, "kps"), found);
        Assert.Contains(("subjects.csv", 5, "enrolledOn"), found);
        Assert.Contains(("subjects.csv", 6, "sex"), found);
        Assert.Contains(("subjects.csv", 6, "liverMetastasis"), found);
        Assert.Contains(("subjects.csv", 7, "subjectCode"), found);
        Assert.Contains(("events.csv", 3, "kind"), found);
        Assert.Contains(("events.csv", 4, "grade"), found);
        Assert.Contains(("events.csv", 5, "subjectCode"), found);
        Assert.Contains(("events.csv", 6, (string?)null), found);
        Assert.Contains(("events.csv", 7, "basis"), found);
        Assert.Contains(outcome.Problems, p => p is { Row: 4, Column: "kps" } && p.Message.StartsWith("Not eligible"));
        Assert.Contains(outcome.Problems, p => p is { File: "events.csv", Row: 6 } && p.Message.Contains("before enrolment on 2021-01-04"));
        Assert.Contains(outcome.Problems, p => p is { Row: 7, Column: "subjectCode" } && p.Message.Contains("already enrolled"));
        Assert.Contains(outcome.Problems, p => p is { File: "events.csv", Row: 8, Column: "subjectCode" }
            && p.Message == "Patient 'P-002' is not enrolled: the enrolment at subjects.csv row 3 was refused.");
        // The API's message in the file's words: the column is "date" where the route's field is onsetOn.
        Assert.Contains(outcome.Problems, p => p is { File: "events.csv", Row: 9, Column: "date" } && p.Message == "date '2999-01-01' is in the future.");
        // Every row the files get right is not named.
        Assert.DoesNotContain(outcome.Problems, p => p.Row == 2);
        Assert.Equal(before, await app.EventStoreMarkAsync());
    }

    [Fact]
    public async Task A_rule_broken_on_one_row_of_the_events_file_refuses_the_whole_file()
    {
        var studyId = await app.RegisteredStudyAsync();
        var before = await app.EventStoreMarkAsync();
        var events = File("events.csv", Lines(EventsHeader,
            "P-001,treatmentStarted,2021-01-06,,,,,,,,,,,,,,,,,",
            "P-002,treatmentStarted,2021-01-12,,,,,,,,,,,,,,,,,",
            "P-003,lastKnownAlive,2021-05-01,,,,,,,,,,,,,,,,,",
            "P-002,diseaseProgressed,2020-11-30,,,,,,,,,,,,,Radiological,,,,",
            "P-001,lastKnownAlive,2021-05-01,,,,,,,,,,,,,,,,,"));

        var outcome = await app.ImportAsync(studyId, File("subjects.csv", Subjects), events);

        Assert.All(outcome.Problems, problem => Assert.Equal(("events.csv", 5, (string?)null), (problem.File, problem.Row, problem.Column)));
        Assert.Contains(outcome.Problems, p => p.Message == "progression dated 2020-11-30 is before enrolment on 2021-01-11.");
        Assert.Equal([true, false], outcome.Files.Select(f => f.Recorded));
        // The subjects file is recorded (three enrolments); not one row of the events file is.
        Assert.Equal(before.Count + 3, (await app.EventStoreMarkAsync()).Count);
    }

    [Fact]
    public async Task Both_files_at_once_leave_the_charts_streams_and_export_that_recording_them_one_after_the_other_leaves()
    {
        // The events file adds only to the subjects file's patients, so both are recorded in one transaction.
        var together = await app.RegisteredStudyAsync();
        var both = await app.ImportAsync(together, File("subjects.csv", Subjects), File("events.csv", Events));
        Assert.Equal([true, true], both.Files.Select(f => f.Recorded));
        // One import a file: the events file then adds to patients already stored, moving their streams and charts on.
        var apart = await app.RegisteredStudyAsync();
        Assert.True((await app.ImportAsync(apart, File("subjects.csv", Subjects), null)).Succeeded);
        Assert.True((await app.ImportAsync(apart, null, File("events.csv", Events))).Succeeded);

        foreach (var studyId in new[] { together, apart })
        {
            await using var session = app.Store.QuerySession();
            var charts = await session.Query<PatientChart>().Where(c => c.StudyId == studyId).ToListAsync();
            Assert.Equal(3, charts.Count);
            var serializer = ((StoreOptions)app.Store.Options).Serializer();
            foreach (var chart in charts)
            {
                // Each stored chart is the one the inline projection folds from the stream's events, at the stream's version.
                var stream = await session.Events.FetchStreamAsync(chart.Id);
                PatientChart? folded = null;
                foreach (var e in stream) folded = new PatientChartProjection().Evolve(folded, chart.Id, e);
                Assert.Equal(serializer.ToJson(folded!), serializer.ToJson(chart));
                await StoredCompactEntries.AssertHoldsAsync(app.ConnectionString, chart.Id, folded!.Entries);
                Assert.Equal(stream.Count, chart.Version);
                Assert.Equal(stream.Count, (await session.Events.FetchStreamStateAsync(chart.Id))!.Version);
            }
        }
        Assert.Equal(await ExportAsync(apart), await ExportAsync(together));
    }

    /// <summary>
    /// Patients enough for several of the recording's batches (1 000 patients each), each treated and followed, the events
    /// file by date as an EDC writes it (every patient's treatment, then every follow-up), then <paramref name="lastRow"/>.
    /// </summary>
    private static (string Subjects, string Events) ManyPatients(int count, string? lastRow = null)
    {
        var codes = Enumerable.Range(1, count).Select(i => $"P-{i:D4}").ToList();
        var subjects = codes.Select((c, i) => $"{c},S{1 + i % 2},C,2021-01-04,{40 + i % 30},Male,90,false,negative");
        var events = codes.Select(c => $"{c},treatmentStarted,2021-01-06,,,,,,,,,,,,,,,,,")
            .Concat(codes.Select(c => $"{c},lastKnownAlive,2021-05-01,,,,,,,,,,,,,,,,,"))
            .Concat(lastRow is null ? [] : [lastRow]);
        return (Lines([SubjectsHeader, .. subjects]), Lines([EventsHeader, .. events]));
    }

    [Fact]
    public async Task An_events_file_recorded_while_its_batches_are_judged_leaves_what_recording_the_files_one_after_the_other_leaves()
    {
        var (subjects, events) = ManyPatients(2_100);
        var together = await app.RegisteredStudyAsync();
        var both = await app.ImportAsync(together, File("subjects.csv", subjects), File("events.csv", events));
        Assert.True(both.Succeeded, string.Join("\n", both.Problems));
        Assert.Equal([true, true], both.Files.Select(f => f.Recorded));
        var apart = await app.RegisteredStudyAsync();
        Assert.True((await app.ImportAsync(apart, File("subjects.csv", subjects), null)).Succeeded);
        Assert.True((await app.ImportAsync(apart, null, File("events.csv", events))).Succeeded);

        foreach (var studyId in new[] { together, apart })
        {
            var (charts, types, streams) = await RecordedAsync(studyId);
            Assert.Equal(2_100, charts.Count);
            // Every stream and its chart at the stream's last event; a chart as the inline projection folds it.
            Assert.All(charts, c => Assert.Equal(3, c.Version));
            Assert.Equal(Enumerable.Repeat(3L, 2_100), streams);
            // In the order the files name them: every enrolment first, then each patient's entries in the events file's order of patients.
            Assert.Equal(Enumerable.Repeat("patient_enrolled", 2_100), types.Take(2_100).Select(t => t.Type));
            Assert.Equal(charts.OrderBy(c => c.SubjectCode, StringComparer.Ordinal).SelectMany(c => new[] { (c.Id, "treatment_started"), (c.Id, "last_known_alive") }),
                types.Skip(2_100));
        }
        Assert.Equal(await ExportAsync(apart), await ExportAsync(together));
    }

    [Fact]
    public async Task An_events_file_refused_on_a_row_of_its_last_batch_records_none_of_it_and_the_subjects_file_alone()
    {
        var (subjects, events) = ManyPatients(2_100, lastRow: "P-2100,diseaseProgressed,2020-11-30,,,,,,,,,,,,,Radiological,,,,");
        var studyId = await app.RegisteredStudyAsync();
        var before = await app.EventStoreMarkAsync();

        var outcome = await app.ImportAsync(studyId, File("subjects.csv", subjects), File("events.csv", events));

        Assert.NotEmpty(outcome.Problems);
        Assert.All(outcome.Problems, problem => Assert.Equal(("events.csv", 2 + 2 * 2_100, (string?)null), (problem.File, problem.Row, problem.Column)));
        Assert.Equal([true, false], outcome.Files.Select(f => f.Recorded));
        var after = await app.EventStoreMarkAsync();
        Assert.Equal(before.Count + 2_100, after.Count);
        var (charts, types, streams) = await RecordedAsync(studyId);
        // Each patient enrolled, its stream and chart at its enrolment, as the subjects file alone leaves them.
        Assert.Equal(2_100, charts.Count);
        Assert.All(charts, c => Assert.Equal(1, c.Version));
        Assert.Equal(Enumerable.Repeat(1L, 2_100), streams);
        Assert.Equal(Enumerable.Repeat("patient_enrolled", 2_100), types.Select(t => t.Type));
        // The attempt rolled back had taken sequence numbers below the subjects file's recorded alone: the async daemon
        // passes that gap (after Marten's stale-sequence threshold) and derives every enrolled patient's outcome row.
        Assert.True(after.LastSequence - before.LastSequence > 2_100, $"no sequence gap: {before.LastSequence} -> {after.LastSequence}");
        await app.HighWaterCaughtUpAsync();
        foreach (var chart in charts) await app.OutcomeRowAsync(chart.Id, 1);
    }

    /// <summary>A study's charts, its patients' events in the store's order, and its streams' versions.</summary>
    private async Task<(IReadOnlyList<PatientChart> Charts, IReadOnlyList<(Guid Stream, string Type)> Events, IReadOnlyList<long> Streams)> RecordedAsync(Guid studyId)
    {
        await using var session = app.Store.QuerySession();
        var charts = await session.Query<PatientChart>().Where(c => c.StudyId == studyId).ToListAsync();
        var ids = charts.Select(c => c.Id).ToArray();
        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        var schema = Registry.Api.Infrastructure.EventStoreConfiguration.Schema;
        var events = new List<(Guid, string)>();
        await using (var command = new Npgsql.NpgsqlCommand($"select stream_id, type from {schema}.mt_events where stream_id = any($1) order by seq_id", connection))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = ids });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) events.Add((reader.GetGuid(0), reader.GetString(1)));
        }
        var streams = new List<long>();
        await using (var command = new Npgsql.NpgsqlCommand($"select version from {schema}.mt_streams where id = any($1)", connection))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = ids });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) streams.Add(reader.GetInt64(0));
        }
        return (charts, events, streams);
    }

    private async Task<string> ExportAsync(Guid studyId) =>
        await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Get.Url($"/api/studies/{studyId}/export/events.csv");
        })).ReadAsTextAsync();

    [Fact]
    public async Task The_command_line_imports_with_exit_code_0_and_refuses_with_2_listing_each_problem_and_the_chains_verify()
    {
        var code = $"IMP-{Guid.NewGuid():N}"[..12];
        var studyId = await app.RegisteredStudyAsync(code);
        var directory = Directory.CreateTempSubdirectory("trial-registry-import-");
        try
        {
            var subjects = Path.Combine(directory.FullName, "subjects.csv");
            var events = Path.Combine(directory.FullName, "events.csv");
            var bad = Path.Combine(directory.FullName, "events-bad.csv");
            await System.IO.File.WriteAllTextAsync(subjects, Subjects);
            await System.IO.File.WriteAllTextAsync(events, Events);
            await System.IO.File.WriteAllTextAsync(bad, Lines(EventsHeader, "P-001,adverseEventRecorded,2021-02-10,,,,,,,,Rash,7,false,Possible,,,,,,"));
            var before = await app.EventStoreMarkAsync();

            var dry = await CliRun.InvokeAsync(["import", "--study", code, "--subjects", subjects, "--events", events, "--dry-run"], app.ConnectionString);
            Assert.Equal(0, dry.ExitCode);
            Assert.Contains("Dry run: 0 problem(s); nothing was recorded.", dry.Stdout);
            Assert.Equal(before, await app.EventStoreMarkAsync());

            var run = await CliRun.InvokeAsync(["import", "--study", code, "--subjects", subjects, "--events", events], app.ConnectionString);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Contains($"Imported into {code}: 15 events recorded", run.Stdout);
            Assert.Matches(@"\[#+\] recorded 3/3 patients", run.Stderr);
            Assert.Equal(before.Count + 3 + 12, (await app.EventStoreMarkAsync()).Count);

            var refused = await CliRun.InvokeAsync(["import", "--study", code, "--events", bad], app.ConnectionString);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("error: events-bad.csv: row 2, column \"grade\": grade is a CTCAE grade from 1 to 5.", refused.Stderr);
            Assert.Equal(2, (await CliRun.InvokeAsync(["import", "--study", "NO-SUCH-STUDY", "--events", bad], app.ConnectionString)).ExitCode);

            var verified = await (await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.Auditor);
                s.Get.Url($"/api/audit/verify?studyId={studyId}");
            })).JsonAsync();
            Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());

            var trail = await (await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.Auditor);
                s.Get.Url($"/api/studies/{studyId}/audit-trail.json?patient=P-001");
            })).JsonAsync();
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await System.IO.File.ReadAllBytesAsync(events)));
            var rows = trail.EnumerateArray().ToList();
            Assert.All(rows, r => Assert.StartsWith("cli:", r.GetProperty("recordedBy").GetString()));
            Assert.StartsWith("imported from subjects.csv (sha256 ", rows[0].GetProperty("reason").GetString());
            Assert.All(rows.Skip(1), r => Assert.Equal($"imported from events.csv (sha256 {sha})", r.GetProperty("reason").GetString()));
            Assert.Equal(["patient_enrolled", "treatment_started", "imaging_assessed", "adverse_event_recorded", "disease_progressed", "adverse_event_recorded", "patient_died"],
                rows.Select(r => r.GetProperty("type").GetString()));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_randomized_study_takes_the_randomization_and_strata_beside_the_enrolment_or_as_an_event()
    {
        var protocol = Scenarios.RandomizedProtocol();
        var studyId = await app.RegisteredStudyAsync(protocol);
        const string header = "subjectCode,site,arm,enrolledOn,randomizedOn,age,sex,ecog,overallStage,ebvDna,histology,strata.overallStage,strata.ebvDna";
        var events = File("events.csv", Lines("subjectCode,kind,date,arm,strata.overallStage,strata.ebvDna,type",
            "R-002,randomized,2022-03-06,PBO,IVA,< 4000,",
            "R-001,relapsed,2023-01-01,,,,Distant"));
        string Subjects(string thirdStratum) => Lines(header,
            "R-001,S1,PD1,2022-03-01,2022-03-03,47,male,0,III,5200,missing:unknown,III,≥ 4000",
            "R-002,S1,,2022-03-05,,50,female,1,IVA,1200,non-keratinizing differentiated,,",
            $"R-003,S1,PBO,2022-03-07,2022-03-08,40,male,0,III,100,missing:unknown,III,{thirdStratum}");

        var dry = await app.ImportAsync(studyId, File("subjects.csv", Subjects("")), events, dryRun: true);
        var problem = Assert.Single(dry.Problems);
        Assert.Equal(("subjects.csv", 4, "strata.ebvDna"), (problem.File, problem.Row, problem.Column));
        Assert.Equal("The stratification factor ebvDna is required at randomization.", problem.Message);

        var outcome = await app.ImportAsync(studyId, File("subjects.csv", Subjects("< 4000")), events);
        Assert.True(outcome.Succeeded, string.Join("\n", outcome.Problems));
        // Each randomized patient: enrolment then randomization; R-002 randomized from the events file.
        Assert.Equal([5, 2], outcome.Files.Select(f => (int)f.Events));
        var trail = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/studies/{studyId}/audit-trail.json?patient=R-001");
        })).JsonAsync();
        Assert.Equal(["patient_enrolled", "patient_randomized", "disease_relapsed"], trail.EnumerateArray().Select(r => r.GetProperty("type").GetString()));
        Assert.Equal("≥ 4000", trail[1].GetProperty("data").GetProperty("strata").GetProperty("ebvDna").GetString());
    }

    [Fact]
    public async Task The_command_line_refuses_CSV_files_and_an_ODM_file_together_or_a_missing_file_with_exit_code_2()
    {
        var code = $"IMP-{Guid.NewGuid():N}"[..12];
        await app.RegisteredStudyAsync(code);
        var path = Path.GetTempFileName();
        try
        {
            var both = await CliRun.InvokeAsync(["import", "--study", code, "--subjects", path, "--odm", path], app.ConnectionString);
            Assert.Equal(2, both.ExitCode);
            Assert.Contains("error: give --subjects and/or --events (the CSV layout), or --odm, not both.", both.Stderr);
            var missing = await CliRun.InvokeAsync(["import", "--study", code, "--odm", path + ".absent"], app.ConnectionString);
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("no such file", missing.Stderr);
            var unreadable = await CliRun.InvokeAsync(["import", "--study", code, "--odm", path], app.ConnectionString);
            Assert.Equal(2, unreadable.ExitCode);
            Assert.Contains("is not well-formed XML", unreadable.Stderr);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public async Task A_randomized_study_entered_through_the_API_exports_and_imports_into_a_copy_that_exports_the_same()
    {
        var protocol = Scenarios.RandomizedProtocol();
        var studyId = await app.RegisteredStudyAsync(protocol);
        var randomized = await app.EnrolledPatientAsync(studyId, enrolledOn: "2024-03-01", arm: null, baseline: Scenarios.RandomizedBaseline(), subjectCode: "LA-001");
        await app.RecordAsync(randomized, "randomizations", new { randomizedOn = "2024-03-02", arm = "PD1", strata = new { overallStage = "III", ebvDna = "≥ 4000" } });
        await app.RecordAsync(randomized, "treatment-starts", new { startedOn = "2024-03-05", agents = new[] { "toripalimab", "gemcitabine" } });
        await app.RecordAsync(randomized, "relapses", new { relapsedOn = "2024-09-01", type = "Distant" });
        await app.RecordAsync(randomized, "corrections", new { entryVersion = 4, reason = "Re-read", replacement = new { kind = "relapsed", relapsedOn = "2024-09-10", type = "Both" } });
        await app.EnrolledPatientAsync(studyId, enrolledOn: "2024-03-04", arm: null, baseline: Scenarios.RandomizedBaseline(52), subjectCode: "LA-002");

        async Task<string> Export(Guid study, string file) => await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Get.Url($"/api/studies/{study}/export/{file}");
        })).ReadAsTextAsync();
        var subjects = await Export(studyId, "subjects.csv");
        Assert.StartsWith("subjectCode,site,enrolledOn,age,sex,ecog,overallStage,ebvDna,histology,randomizedOn,arm,strata.overallStage,strata.ebvDna", subjects);
        Assert.Contains("LA-001,S1,2024-03-01,47,male,0,III,5200,missing:unknown,2024-03-02,PD1,III,≥ 4000", subjects);
        Assert.Contains("LA-002,S1,2024-03-04,52,male,0,III,5200,missing:unknown,,,,", subjects);
        var events = await Export(studyId, "events.csv");
        Assert.Contains("LA-001,treatmentStarted,2024-03-05,", events);
        Assert.Contains("toripalimab;gemcitabine", events);

        protocol["code"] = $"LC-{Guid.NewGuid():N}"[..12];
        var copyId = await app.RegisteredStudyAsync(protocol);
        var outcome = await app.ImportAsync(copyId, File("subjects.csv", subjects), File("events.csv", events));
        Assert.True(outcome.Succeeded, string.Join("\n", outcome.Problems));
        Assert.Equal(subjects, await Export(copyId, "subjects.csv"));
        Assert.Equal(events, await Export(copyId, "events.csv"));
    }
}
