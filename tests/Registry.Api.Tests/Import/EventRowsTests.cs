using Registry.Api.Import;
using Registry.Demo;

namespace Registry.Api.Tests.Import;

/// <summary>
/// The events file's rows are read into entries on every core, a range of rows each; what comes out is still in the
/// file's order, as one thread reading row by row gives it: each row's entry, and each problem at its row.
/// </summary>
public sealed class EventRowsTests
{
    [Fact]
    public void A_long_events_file_gives_its_entries_and_problems_in_the_files_order()
    {
        var shapes = new ImportShapes(DemoProtocols.Load(MotivatingStudy.ProtocolFile));
        var lines = new List<string> { "subjectCode,kind,date,grade" };
        var (entries, problems) = (new List<(int Row, string Subject)>(), new List<(int? Row, string? Column)>());
        for (var i = 0; i < 20_000; i++)
        {
            // The file's first line is its header, so its data rows are numbered from 2, as a spreadsheet shows them.
            var (row, subject) = (i + 2, $"P-{i:D5}");
            switch (i % 7 == 3 ? "no kind" : i % 11 == 5 ? "no subject" : i % 13 == 8 ? "stray" : "entry")
            {
                case "no kind":
                    lines.Add($"{subject},notAKind,2021-09-30,");
                    problems.Add((row, "kind"));
                    break;
                case "no subject":
                    lines.Add(",lastKnownAlive,2021-09-30,");
                    problems.Add((row, "subjectCode"));
                    break;
                case "stray":
                    lines.Add($"{subject},lastKnownAlive,2021-09-30,3");
                    problems.Add((row, "grade"));
                    entries.Add((row, subject));
                    break;
                default:
                    lines.Add($"{subject},lastKnownAlive,2021-09-30,");
                    entries.Add((row, subject));
                    break;
            }
        }

        var plan = CsvImportFiles.Events(CsvImportFile.Read(ImportFiles.File("events.csv", ImportFiles.Lines([.. lines]))), shapes);

        Assert.Equal(20_000, plan.Rows);
        Assert.Equal(entries, plan.Writes.Select(w => (w.Row, w.SubjectCode)));
        Assert.All(plan.Writes, w => Assert.Equal("2021-09-30", w.Entries.Single().Values["lastKnownAliveOn"]));
        Assert.Equal(problems, plan.Problems.Select(p => (p.Row, p.Column)));
    }
}
