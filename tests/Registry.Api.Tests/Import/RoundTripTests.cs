using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using Registry.Api.Import;
using Registry.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registry.Api.Tests.Import;

/// <summary>The motivating demo study exported in the import's CSV layout and imported into a fresh study reads the same in every view.</summary>
public sealed class RoundTripTests(DemoStudyApp app, ITestOutputHelper output) : IClassFixture<DemoStudyApp>
{
    private static readonly string[] Datasets = ["adsl.csv", "adtte.csv", "adrs.csv", "adae.csv"];

    private static readonly string[] Views =
    [
        "survival?endpoint=pfs", "survival?endpoint=os", "comparisons", "response", "safety", "baseline",
    ];

    [Fact]
    public async Task The_demo_study_exported_as_CSV_imports_into_a_fresh_study_and_every_view_is_equal()
    {
        var subjects = ImportFiles.File("subjects.csv", await GetAsync($"/api/studies/{app.StudyId}/export/subjects.csv"));
        var events = ImportFiles.File("events.csv", await GetAsync($"/api/studies/{app.StudyId}/export/events.csv"));
        var protocol = JsonNode.Parse(await GetAsync($"/api/studies/{app.StudyId}/protocol.json"))!.AsObject();
        var code = $"RT-{Guid.NewGuid():N}"[..12];
        protocol["code"] = code;
        var copyId = await app.RegisteredStudyAsync(protocol);

        var clock = Stopwatch.StartNew();
        var outcome = await app.ImportAsync(copyId, subjects, events);
        Assert.True(outcome.Succeeded, string.Join("\n", outcome.Problems.Take(20)));
        output.WriteLine($"{outcome.Events} events for {outcome.Files[0].NewPatients} patients: checked and recorded in {clock.Elapsed.TotalSeconds:F1} s, " +
                         $"recorded at {outcome.EventsPerSecond:F0} events/s ({subjects.Content.Length + events.Content.Length} bytes of CSV).");
        Assert.Equal(app.Simulated.Patients, outcome.Files[0].NewPatients);

        // The CSV layout carries what is in force, not the history, so an entry's version in the record (SRCSEQ) may differ.
        await AssertViewsEqualAsync(copyId, code, sameVersions: false);
        // And the copy exports exactly as the original does.
        Assert.Equal(await GetAsync($"/api/studies/{app.StudyId}/export/events.csv"), await GetAsync($"/api/studies/{copyId}/export/events.csv"));
    }

    [Fact]
    public async Task The_demo_study_exported_as_ODM_imports_into_a_fresh_study_with_its_corrections_and_voids_and_every_view_is_equal()
    {
        var odm = ImportFiles.File("demo.odm.xml", await GetAsync($"/api/studies/{app.StudyId}/audit-trail.odm.xml", app.Auditor));
        var protocol = JsonNode.Parse(await GetAsync($"/api/studies/{app.StudyId}/protocol.json"))!.AsObject();
        var code = $"RO-{Guid.NewGuid():N}"[..12];
        protocol["code"] = code;
        var copyId = await app.RegisteredStudyAsync(protocol);

        var outcome = await app.ImportAsync(copyId, null, null, odm: odm);
        Assert.True(outcome.Succeeded, string.Join("\n", outcome.Problems.Take(20)));
        output.WriteLine($"{outcome.Events} events from {odm.Content.Length} bytes of ODM, recorded at {outcome.EventsPerSecond:F0} events/s.");

        await AssertViewsEqualAsync(copyId, code, sameVersions: true);
        // The history came along: as many corrections and voids, each with its reason, as the original has.
        var types = async (Guid study) => (await GetAsync($"/api/studies/{study}/audit-trail.csv", app.Auditor)).Split('\n')
            .Count(l => l.Contains(",entry_corrected,") || l.Contains(",entry_voided,"));
        Assert.Equal(await types(app.StudyId), await types(copyId));
        Assert.True(await types(copyId) > 0);
        var verified = JsonDocument.Parse(await GetAsync($"/api/audit/verify?studyId={copyId}", app.Auditor)).RootElement;
        Assert.True(verified.GetProperty("intact").GetBoolean());
    }

    /// <summary>Every view of the copy, as of now with its writes read (consistent=true), and every analysis dataset, equals the original's.</summary>
    private async Task AssertViewsEqualAsync(Guid copyId, string code, bool sameVersions)
    {
        foreach (var view in Views)
        {
            var separator = view.Contains('?') ? '&' : '?';
            var original = await GetAsync($"/api/studies/{app.StudyId}/{view}{separator}consistent=true", app.Investigator);
            var copy = await GetAsync($"/api/studies/{copyId}/{view}{separator}consistent=true", app.Investigator);
            Assert.Equal(Normalized(original, app.StudyId, DemoStudyApp.Code), Normalized(copy, copyId, code));
        }
        foreach (var dataset in Datasets)
        {
            var original = await GetAsync($"/api/studies/{app.StudyId}/datasets/{dataset}", app.Investigator);
            var copy = await GetAsync($"/api/studies/{copyId}/datasets/{dataset}", app.Investigator);
            if (sameVersions) Assert.Equal(original.Replace(DemoStudyApp.Code, "CODE"), copy.Replace(code, "CODE"));
            else Assert.Equal(Rows(original.Replace(DemoStudyApp.Code, "CODE")), Rows(copy.Replace(code, "CODE")));
        }
    }

    [Fact]
    public async Task The_ODM_export_defines_the_study_its_forms_items_and_code_lists_and_every_OID_it_refers_to()
    {
        var odm = System.Xml.Linq.XDocument.Parse(await GetAsync($"/api/studies/{app.StudyId}/audit-trail.odm.xml", app.Auditor)).Root!;

        OdmChecks.EveryReferenceIsDefined(odm);
        OdmChecks.ChildrenInSchemaOrder(odm);
        var o = OdmChecks.Odm;
        var study = odm.Element(o + "Study")!;
        Assert.Equal(DemoStudyApp.Code, (string?)study.Attribute("OID"));
        Assert.Equal(DemoStudyApp.Code, study.Element(o + "GlobalVariables")!.Element(o + "StudyName")!.Value);
        // The data dictionary: each variable an ItemDef with its type, unit, range and levels.
        var items = study.Descendants(o + "ItemDef").ToDictionary(d => (string)d.Attribute("OID")!);
        var protocol = JsonDocument.Parse(await GetAsync($"/api/studies/{app.StudyId}/protocol.json")).RootElement;
        foreach (var variable in protocol.GetProperty("variables").EnumerateArray())
        {
            var item = items[$"IT.patient_enrolled.baseline.{variable.GetProperty("key").GetString()}"];
            Assert.Equal(variable.GetProperty("label").GetString(), item.Element(o + "Question")!.Value);
            var type = variable.GetProperty("type").GetString();
            Assert.Equal(type switch { "integer" => "integer", "decimal" => "float", "boolean" => "boolean", "date" => "date", _ => "text" }, (string?)item.Attribute("DataType"));
            if (variable.TryGetProperty("min", out var min))
                Assert.Contains(item.Elements(o + "RangeCheck"), r => (string?)r.Attribute("Comparator") == "GE" && r.Element(o + "CheckValue")!.Value == min.GetRawText());
            if (type == "category")
            {
                var list = study.Descendants(o + "CodeList").Single(c => (string?)c.Attribute("OID") == (string?)item.Element(o + "CodeListRef")!.Attribute("CodeListOID"));
                Assert.Equal(variable.GetProperty("levels").EnumerateArray().Select(l => l.GetString()), list.Elements(o + "CodeListItem").Select(i => (string?)i.Attribute("CodedValue")));
            }
        }
        Assert.Equal(["CR", "PR", "SD", "PD", "NE"], study.Descendants(o + "CodeList").Single(c => (string?)c.Attribute("OID") == "CL.response")
            .Elements(o + "CodeListItem").Select(i => (string?)i.Attribute("CodedValue")));
        // Every change has its audit record; the demo's corrections carry their reasons as updates.
        Assert.All(odm.Descendants(o + "ItemData"), i => Assert.NotNull(i.Element(o + "AuditRecord")));
        Assert.Contains(odm.Descendants(o + "ItemData"), i => (string?)i.Attribute("TransactionType") == "Update" && i.Element(o + "AuditRecord")!.Element(o + "ReasonForChange") is not null);
    }

    private async Task<string> GetAsync(string url, string? token = null) =>
        await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(token ?? app.Admin);
            s.Get.Url(url);
        })).ReadAsTextAsync();

    /// <summary>A dataset's rows without SRCSEQ, in order, each as its cells.</summary>
    private static List<string> Rows(string csv) =>
        Registry.Interop.Import.CsvTable.Read("dataset.csv", new StringReader(csv)).Rows
            .Select(r => string.Join("|", r.Cells.Where(c => c.Key != "SRCSEQ").OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}")))
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>The view with the study's own id and code taken out: what must be equal is everything else.</summary>
    private static string Normalized(string json, Guid studyId, string code) =>
        JsonNode.Parse(json.Replace(studyId.ToString(), "STUDY").Replace(code, "CODE"))!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
