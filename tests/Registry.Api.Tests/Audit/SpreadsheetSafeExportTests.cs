using System.Text.Json;
using Alba;
using CsvHelper;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Audit;

/// <summary>
/// Free text that a spreadsheet would run as a formula — in a site, a user name, a reason, an adverse-event term —
/// comes out of the CSV export as text: quoted, with a leading <c>'</c>, and otherwise exactly as recorded.
/// </summary>
public sealed class SpreadsheetSafeExportTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    // OWASP's formula starts, plus line feed and the fullwidth forms.
    private static readonly string[] Formulas =
        ["=HYPERLINK(\"http://evil.example/\")", "+SUM(1,2)", "@SUM(1,2)", "-2+3", "=2+2", "\t=1+1", "\r=1+1", "\n=1+1", "＝1+1", "＋1", "－1", "＠SUM(1)"];

    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠'];

    private static string Neutralised(string text) => text.Length > 0 && FormulaStarts.Contains(text[0]) ? "'" + text : text;

    /// <summary>For each formula: a patient enrolled at a site of that name by a user of that name, an adverse event of that term, its correction and void for that reason.</summary>
    private async Task<Guid> StudyFullOfFormulasAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        foreach (var formula in Formulas)
        {
            var token = app.Tokens.Mint(formula, ["coordinator"], [formula], TimeSpan.FromHours(1));
            var enrolled = await app.Host.Scenario(s =>
            {
                s.WithBearerToken(token);
                s.Post.Json(new Dictionary<string, object?>
                {
                    ["subjectCode"] = $"P-{Guid.NewGuid():N}"[..10], ["arm"] = "ITC", ["site"] = formula, ["enrolledOn"] = "2020-01-05", ["baseline"] = Scenarios.Baseline(),
                }).ToUrl($"/api/studies/{studyId}/patients");
                s.StatusCodeShouldBe(201);
            });
            var patientId = (await enrolled.JsonAsync()).GetProperty("id").GetGuid();
            await app.RecordAsync(patientId, "adverse-events", new { term = formula, grade = 2, onsetOn = "2020-02-01", serious = false, attribution = "Possible" }, token: token);
            await app.RecordAsync(patientId, "corrections", new
            {
                entryVersion = 2, reason = formula, replacement = new { kind = "adverseEventRecorded", term = formula, grade = 3, onsetOn = "2020-02-01", serious = false, attribution = "Possible" },
            }, token: token);
            await app.RecordAsync(patientId, "voids", new { entryVersion = 2, reason = formula }, token: token);
        }
        return studyId;
    }

    private async Task<IScenarioResult> ExportAsync(Guid studyId, string accept) => await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Auditor);
        s.Get.Url($"/api/studies/{studyId}/audit-trail");
        s.WithRequestHeader("Accept", accept);
    });

    [Fact]
    public async Task Every_cell_starting_like_a_formula_is_quoted_text_and_reads_back_as_recorded()
    {
        var studyId = await StudyFullOfFormulasAsync();
        var json = (await (await ExportAsync(studyId, "application/json")).JsonAsync()).EnumerateArray().ToArray();
        var text = await (await ExportAsync(studyId, "text/csv")).ReadAsTextAsync();

        using var csv = CsvReader.FromText(text);
        var columns = csv.Headers.ToArray();
        var rows = new List<string[]>();
        while (csv.Read()) rows.Add(columns.Select(csv.GetString).ToArray());

        // No cell a spreadsheet would evaluate; each is the JSON export's value, a formula's with the leading '.
        Assert.Equal(json.Length, rows.Count);
        Assert.All(rows.SelectMany(r => r), cell => Assert.False(cell.Length > 0 && FormulaStarts.Contains(cell[0]), $"formula cell: {cell}"));
        var expected = json.Select(r => columns.Select(c => r.GetProperty(c) switch
        {
            { ValueKind: JsonValueKind.Null } => "",
            { ValueKind: JsonValueKind.String } value => Neutralised(value.GetString()!),
            var value => value.GetRawText(),
        }).ToArray());
        Assert.Equal(expected, rows);

        // Each formula reached the export as a site, a user, a reason and (in the payload) a term: none was lost.
        foreach (var formula in Formulas)
        {
            var trimmed = formula.Trim();
            Assert.Contains(rows, r => r[Array.IndexOf(columns, "site")] == Neutralised(formula));
            Assert.Contains(rows, r => r[Array.IndexOf(columns, "recordedBy")] == Neutralised(formula));
            Assert.Contains(rows, r => r[Array.IndexOf(columns, "reason")] == Neutralised(trimmed));
            Assert.Contains(rows, r => JsonDocument.Parse(r[Array.IndexOf(columns, "data")]).RootElement is var data
                && data.TryGetProperty("term", out var term) && term.GetString() == trimmed);
        }
        // Quoted as well as marked, and quotes inside doubled: "'=HYPERLINK(""http://evil.example/"")".
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example/\"\")\"", text);
        Assert.Contains("\"'-2+3\"", text);
        Assert.Contains("\"'＝1+1\"", text);
    }

    [Fact]
    public async Task A_subject_code_cannot_start_like_a_formula_so_never_reaches_an_export()
    {
        var studyId = await app.RegisteredStudyAsync();
        var before = await app.EventStoreMarkAsync();
        foreach (var formula in Formulas)
        {
            var problem = await (await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.Coordinator);
                s.Post.Json(new Dictionary<string, object?>
                {
                    ["subjectCode"] = formula, ["arm"] = "ITC", ["site"] = "S1", ["enrolledOn"] = "2020-01-05", ["baseline"] = Scenarios.Baseline(),
                }).ToUrl($"/api/studies/{studyId}/patients");
                s.StatusCodeShouldBe(400);
            })).JsonAsync();
            Assert.Equal(["subjectCode"], problem.ErrorFields());
        }
        Assert.Equal(before, await app.EventStoreMarkAsync());
    }
}
