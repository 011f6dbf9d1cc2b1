using System.Text.Json;
using System.Xml.Linq;
using Alba;
using CsvHelper;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Audit;

public sealed class AuditTrailExportTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static readonly XNamespace Odm = "http://www.cdisc.org/ns/odm/v1.3";

    /// <summary>
    /// A study with an added arm; a patient of S1 enrolled (v1), treated (v2), progressed (v3), the progression
    /// corrected by carol (v4) then voided by dan (v5); and a patient of S2 with a follow-up.
    /// </summary>
    private async Task<(Guid StudyId, Guid First, Guid Second)> RecordedStudyAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Json(new { code = "IT", name = "ICI + targeted", reason = "Arm opened by amendment" }).ToUrl($"/api/studies/{studyId}/arms");
            s.StatusCodeShouldBe(201);
        });
        var first = await app.EnrolledPatientAsync(studyId, site: "S1");
        await app.RecordAsync(first, "treatment-starts", new { startedOn = "2020-01-10", agents = new[] { "camrelizumab", "apatinib" } });
        await app.RecordAsync(first, "progressions", new { progressedOn = "2020-06-01", basis = "Radiological" });
        await app.RecordAsync(first, "corrections", new
        {
            entryVersion = 3, reason = "Scan re-read", replacement = new { kind = "diseaseProgressed", progressedOn = "2020-06-15", basis = "Clinical" },
        }, token: app.Tokens.Mint("carol", ["coordinator"], ["S1"], TimeSpan.FromHours(1)));
        await app.RecordAsync(first, "voids", new { entryVersion = 3, reason = "Pseudo-progression" },
            token: app.Tokens.Mint("dan", ["coordinator"], ["S1"], TimeSpan.FromHours(1)));
        var second = await app.EnrolledPatientAsync(studyId, site: "S2");
        await app.RecordAsync(second, "follow-ups", new { lastKnownAliveOn = "2020-03-01" }, token: app.Token("coordinator", "S2"));
        return (studyId, first, second);
    }

    private Task<IScenarioResult> ExportAsync(Guid studyId, string accept, int status = 200) => app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Auditor);
        s.Get.Url($"/api/studies/{studyId}/audit-trail");
        s.WithRequestHeader("Accept", accept);
        s.StatusCodeShouldBe(status);
    });

    private async Task<JsonElement> HistoryAsync(Guid patientId) => (await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Auditor);
        s.Get.Url($"/api/patients/{patientId}/history");
    })).JsonAsync()).GetProperty("events");

    [Fact]
    public async Task The_JSON_export_lists_every_event_of_the_study_in_stream_order_with_its_audit_fields()
    {
        var (studyId, first, second) = await RecordedStudyAsync();
        await RecordedStudyAsync();

        var result = await ExportAsync(studyId, "application/json");
        Assert.StartsWith("application/json", result.Context.Response.ContentType);
        var rows = (await result.JsonAsync()).EnumerateArray().ToArray();

        var patients = new[] { first, second }.Order().ToArray();
        Assert.Equal(
            [(studyId, 1L), (studyId, 2L), .. patients.SelectMany(p => Enumerable.Range(1, p == first ? 5 : 2).Select(v => (p, (long)v)))],
            rows.Select(r => (r.GetProperty("stream").GetGuid(), r.GetProperty("version").GetInt64())));

        var history = await HistoryAsync(first);
        var correction = rows.Single(r => r.GetProperty("stream").GetGuid() == first && r.GetProperty("version").GetInt64() == 4);
        Assert.Equal("entry_corrected", correction.GetProperty("type").GetString());
        Assert.Equal("2020-06-15", correction.GetProperty("clinicalDate").GetString());
        Assert.Equal("carol", correction.GetProperty("recordedBy").GetString());
        Assert.Equal("Scan re-read", correction.GetProperty("reason").GetString());
        Assert.Equal(history[3].GetProperty("hash").GetString(), correction.GetProperty("hash").GetString());
        Assert.Equal(history[3].GetProperty("recordedAt").GetDateTimeOffset(), correction.GetProperty("recordedAt").GetDateTimeOffset());
        Assert.Equal(3, correction.GetProperty("data").GetProperty("entryVersion").GetInt64());
        var registered = rows[0];
        Assert.Equal(JsonValueKind.Null, registered.GetProperty("clinicalDate").ValueKind);
        Assert.Equal("admin-user", registered.GetProperty("recordedBy").GetString());

        // Every row names whom it concerns: the study's code; a patient's row also its subject code and site.
        var study = (await app.Host.Scenario(s => { s.WithBearerToken(app.Auditor); s.Get.Url($"/api/studies/{studyId}"); }));
        var studyCode = (await study.JsonAsync()).GetProperty("code").GetString();
        Assert.All(rows, r => Assert.Equal(studyCode, r.GetProperty("study").GetString()));
        Assert.All(rows.Where(r => r.GetProperty("stream").GetGuid() == studyId), r =>
        {
            Assert.Equal(JsonValueKind.Null, r.GetProperty("subjectCode").ValueKind);
            Assert.Equal(JsonValueKind.Null, r.GetProperty("site").ValueKind);
        });
        foreach (var (patient, site) in new[] { (first, "S1"), (second, "S2") })
        {
            var subjectCode = (await app.HistoryAsync(patient)).GetProperty("state").GetProperty("subjectCode").GetString();
            Assert.All(rows.Where(r => r.GetProperty("stream").GetGuid() == patient), r =>
                Assert.Equal((subjectCode, site), (r.GetProperty("subjectCode").GetString(), r.GetProperty("site").GetString())));
        }
    }

    [Fact]
    public async Task The_CSV_export_holds_the_same_rows_as_the_JSON_export()
    {
        var (studyId, _, _) = await RecordedStudyAsync();
        var json = (await (await ExportAsync(studyId, "application/json")).JsonAsync()).EnumerateArray().ToArray();

        var result = await ExportAsync(studyId, "text/csv");
        Assert.StartsWith("text/csv", result.Context.Response.ContentType);
        Assert.Contains($"audit-trail-", result.Context.Response.Headers.ContentDisposition.ToString());
        var text = await result.ReadAsTextAsync();
        Assert.StartsWith("stream,study,subjectCode,site,version,sequence,type,clinicalDate,recordedAt,recordedBy,reason,hash,data\r\n", text);

        using var csv = CsvReader.FromText(text);
        var rows = new List<string[]>();
        while (csv.Read())
            rows.Add(new[] { "stream", "study", "subjectCode", "site", "version", "type", "clinicalDate", "recordedAt", "recordedBy", "reason", "hash", "data" }.Select(csv.GetString).ToArray());
        Assert.Equal(json.Length, rows.Count);
        Assert.Equal(
            json.Select(r => new[]
            {
                r.GetProperty("stream").GetString(), r.GetProperty("study").GetString(), r.GetProperty("subjectCode").GetString() ?? "",
                r.GetProperty("site").GetString() ?? "", r.GetProperty("version").GetRawText(), r.GetProperty("type").GetString(),
                r.GetProperty("clinicalDate").GetString() ?? "", r.GetProperty("recordedAt").GetString(), r.GetProperty("recordedBy").GetString(),
                r.GetProperty("reason").GetString() ?? "", r.GetProperty("hash").GetString(), r.GetProperty("data").GetRawText(),
            }),
            rows);
    }

    [Fact]
    public async Task The_ODM_export_records_each_item_change_with_its_audit_record()
    {
        var (studyId, first, _) = await RecordedStudyAsync();
        var history = await HistoryAsync(first);
        var subjectCode = (await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/patients/{first}/history");
        })).JsonAsync()).GetProperty("state").GetProperty("subjectCode").GetString();

        var result = await ExportAsync(studyId, "application/xml");
        Assert.StartsWith("application/xml", result.Context.Response.ContentType);
        var odm = XDocument.Parse(await result.ReadAsTextAsync()).Root!;

        Assert.Equal(Odm + "ODM", odm.Name);
        Assert.Equal("Transactional", (string?)odm.Attribute("FileType"));
        Assert.Equal("1.3.2", (string?)odm.Attribute("ODMVersion"));
        Assert.Equal([Odm + "Study", Odm + "AdminData", Odm + "ClinicalData"], odm.Elements().Select(e => e.Name));
        Import.OdmChecks.EveryReferenceIsDefined(odm);
        Import.OdmChecks.ChildrenInSchemaOrder(odm);
        var admin = odm.Element(Odm + "AdminData")!;
        Assert.Equal(["USR.carol", "USR.coordinator-user", "USR.dan"],
            admin.Elements(Odm + "User").Select(u => (string)u.Attribute("OID")!).Where(u => u != "USR.admin-user"));
        Assert.Equal(["LOC.S1", "LOC.S2"], admin.Elements(Odm + "Location").Select(l => (string)l.Attribute("OID")!));

        // Every reference resolves, and each AuditRecord has ODM's children in ODM's order.
        var records = odm.Descendants(Odm + "AuditRecord").ToList();
        Assert.All(records, r =>
        {
            var names = r.Elements().Select(e => e.Name.LocalName).ToArray();
            Assert.True(names is ["UserRef", "LocationRef", "DateTimeStamp", "SourceID"] or ["UserRef", "LocationRef", "DateTimeStamp", "ReasonForChange", "SourceID"],
                string.Join(",", names));
            Assert.Contains(admin.Elements(Odm + "User"), u => (string?)u.Attribute("OID") == (string?)r.Element(Odm + "UserRef")!.Attribute("UserOID"));
            Assert.Contains(admin.Elements(Odm + "Location"), l => (string?)l.Attribute("OID") == (string?)r.Element(Odm + "LocationRef")!.Attribute("LocationOID"));
        });

        var subject = odm.Descendants(Odm + "SubjectData").Single(s => (string?)s.Attribute("SubjectKey") == subjectCode);
        Assert.Equal("LOC.S1", (string?)subject.Element(Odm + "SiteRef")!.Attribute("LocationOID"));
        var progression = subject.Descendants(Odm + "FormData")
            .Where(f => (string?)f.Attribute("FormOID") == "F.disease_progressed" && (string?)f.Attribute("FormRepeatKey") == "3").ToArray();
        Assert.Equal(3, progression.Length);

        var inserted = progression[0].Descendants(Odm + "ItemData").ToDictionary(i => (string)i.Attribute("ItemOID")!);
        Assert.Equal(["IT.disease_progressed.basis", "IT.disease_progressed.progressedOn"], inserted.Keys.Order());
        Assert.Equal("2020-06-01", (string?)inserted["IT.disease_progressed.progressedOn"].Attribute("Value"));
        Assert.Equal("Insert", (string?)inserted["IT.disease_progressed.progressedOn"].Attribute("TransactionType"));
        var insertRecord = inserted["IT.disease_progressed.progressedOn"].Element(Odm + "AuditRecord")!;
        Assert.Equal("USR.coordinator-user", (string?)insertRecord.Element(Odm + "UserRef")!.Attribute("UserOID"));
        Assert.Equal(history[2].GetProperty("recordedAt").GetDateTimeOffset(), DateTimeOffset.Parse(insertRecord.Element(Odm + "DateTimeStamp")!.Value));
        Assert.Equal($"{first}/3 sha256:{history[2].GetProperty("hash").GetString()}", insertRecord.Element(Odm + "SourceID")!.Value);

        var updated = progression[1].Descendants(Odm + "ItemData").ToArray();
        Assert.Equal([("IT.disease_progressed.basis", "Update", "Clinical"), ("IT.disease_progressed.progressedOn", "Update", "2020-06-15")],
            updated.Select(i => ((string)i.Attribute("ItemOID")!, (string)i.Attribute("TransactionType")!, (string)i.Attribute("Value")!)));
        Assert.All(updated, i =>
        {
            Assert.Equal("USR.carol", (string?)i.Element(Odm + "AuditRecord")!.Element(Odm + "UserRef")!.Attribute("UserOID"));
            Assert.Equal("Scan re-read", i.Element(Odm + "AuditRecord")!.Element(Odm + "ReasonForChange")!.Value);
        });

        Assert.Equal("Remove", (string?)progression[2].Attribute("TransactionType"));
        Assert.Empty(progression[2].Elements(Odm + "ItemGroupData"));
        Assert.Equal("USR.dan", (string?)progression[2].Element(Odm + "AuditRecord")!.Element(Odm + "UserRef")!.Attribute("UserOID"));
        Assert.Equal("Pseudo-progression", progression[2].Element(Odm + "AuditRecord")!.Element(Odm + "ReasonForChange")!.Value);

        var agents = subject.Descendants(Odm + "ItemData").Where(i => ((string)i.Attribute("ItemOID")!).StartsWith("IT.treatment_started.agents."));
        Assert.Equal(["camrelizumab", "apatinib"], agents.Select(i => (string)i.Attribute("Value")!));
    }

    [Fact]
    public async Task A_study_larger_than_one_read_batch_is_exported_whole_and_in_order()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patients = new List<Guid>();
        for (var i = 0; i < 130; i++) patients.Add(await app.EnrolledPatientAsync(studyId));

        var rows = (await (await ExportAsync(studyId, "*/*")).JsonAsync()).EnumerateArray().Select(r => r.GetProperty("stream").GetGuid()).ToArray();

        Assert.Equal([studyId, .. patients.Order()], rows);
    }

    [Fact]
    public async Task An_unknown_study_is_not_found_and_an_unsupported_format_not_acceptable()
    {
        var (studyId, _, _) = await RecordedStudyAsync();
        await ExportAsync(Guid.NewGuid(), "text/csv", 404);
        var problem = await (await ExportAsync(studyId, "image/png", 406)).ProblemAsync();
        Assert.Contains("text/csv", problem.GetProperty("detail").GetString());
        Assert.Equal(200, (await ExportAsync(studyId, "image/png, text/csv;q=0.5")).Context.Response.StatusCode);
    }
}
