using System.Text.Json;
using Alba;
using CsvHelper;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Audit;

public sealed class AuditTrailFilterTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private sealed record Recorded(Guid StudyId, Guid AtS1, string AtS1Code, Guid AtS2, Guid Moved);

    /// <summary>A patient of S1 with two entries, one of S2, and one enrolled at S1 whose enrolment a correction moves to S2 before a follow-up.</summary>
    private async Task<Recorded> RecordedStudyAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        var code = $"P-{Guid.NewGuid():N}"[..10];
        var atS1 = await app.EnrolledPatientAsync(studyId, site: "S1", subjectCode: code);
        await app.RecordAsync(atS1, "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(atS1, "follow-ups", new { lastKnownAliveOn = "2020-03-01" });
        var atS2 = await app.EnrolledPatientAsync(studyId, site: "S2");
        var moved = await app.EnrolledPatientAsync(studyId, site: "S1");
        var both = app.Token("coordinator", "S1", "S2");
        await app.RecordAsync(moved, "corrections", new
        {
            entryVersion = 1, reason = "Enrolled at the wrong site",
            replacement = new
            {
                kind = "enrolled", arm = "ITC", site = "S2", enrolledOn = "2020-01-05", baseline = Scenarios.Baseline(),
                subjectCode = (await app.HistoryAsync(moved)).GetProperty("state").GetProperty("subjectCode").GetString(),
            },
        }, token: both);
        await app.RecordAsync(moved, "follow-ups", new { lastKnownAliveOn = "2020-04-01" }, token: both);
        return new Recorded(studyId, atS1, code, atS2, moved);
    }

    private async Task<IScenarioResult> ExportAsync(Guid studyId, string query, string accept = "application/json", int status = 200) =>
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/studies/{studyId}/audit-trail{query}");
            s.WithRequestHeader("Accept", accept);
            s.StatusCodeShouldBe(status);
        });

    private async Task<(Guid Stream, long Version, string? Site, DateTimeOffset RecordedAt)[]> RowsAsync(Guid studyId, string query = "") =>
        (await (await ExportAsync(studyId, query)).JsonAsync()).EnumerateArray()
        .Select(r => (r.GetProperty("stream").GetGuid(), r.GetProperty("version").GetInt64(), r.GetProperty("site").GetString(), r.GetProperty("recordedAt").GetDateTimeOffset()))
        .ToArray();

    [Fact]
    public async Task A_patient_is_picked_by_id_or_subject_code_without_the_studys_rows()
    {
        var study = await RecordedStudyAsync();

        var byId = await RowsAsync(study.StudyId, $"?patient={study.AtS1}");
        var byCode = await RowsAsync(study.StudyId, $"?patient={study.AtS1Code}");

        Assert.Equal([(study.AtS1, 1L), (study.AtS1, 2L), (study.AtS1, 3L)], byId.Select(r => (r.Stream, r.Version)));
        Assert.Equal(byId, byCode);
        Assert.Empty(await RowsAsync(study.StudyId, "?patient=NOT-ENROLLED"));
    }

    [Fact]
    public async Task A_site_picks_the_rows_recorded_while_the_patient_was_at_that_site()
    {
        var study = await RecordedStudyAsync();

        var s1 = await RowsAsync(study.StudyId, "?site=S1");
        var s2 = await RowsAsync(study.StudyId, "?site=S2");

        // The correction that moved the patient was recorded at S1; the follow-up after it at S2.
        Assert.Equal(
            new[] { (study.AtS1, 1L), (study.AtS1, 2L), (study.AtS1, 3L), (study.Moved, 1L), (study.Moved, 2L) }.Order(),
            s1.Select(r => (r.Stream, r.Version)).Order());
        Assert.Equal(new[] { (study.AtS2, 1L), (study.Moved, 3L) }.Order(), s2.Select(r => (r.Stream, r.Version)).Order());
        Assert.All(s1, r => Assert.Equal("S1", r.Site));
        Assert.All(s2, r => Assert.Equal("S2", r.Site));
        Assert.Empty(await RowsAsync(study.StudyId, $"?site=S2&patient={study.AtS1}"));
    }

    [Fact]
    public async Task A_recorded_at_window_includes_from_and_excludes_to_for_study_and_patient_rows_alike()
    {
        var study = await RecordedStudyAsync();
        var all = await RowsAsync(study.StudyId);
        var from = all[1].RecordedAt;
        var to = all[^2].RecordedAt;

        var window = await RowsAsync(study.StudyId, $"?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}");

        Assert.Equal(all.Where(r => r.RecordedAt >= from && r.RecordedAt < to), window);
        Assert.Contains(window, r => r == all[1]);
        Assert.DoesNotContain(window, r => r == all[^2]);
        Assert.DoesNotContain(window, r => r.Stream == study.StudyId);
        var before = await RowsAsync(study.StudyId, $"?to={Uri.EscapeDataString(from.ToString("O"))}");
        Assert.Equal(all.Where(r => r.RecordedAt < from), before);
        Assert.Contains(before, r => r.Stream == study.StudyId);
        Assert.Empty(await RowsAsync(study.StudyId, "?to=2000-01-01"));
    }

    [Fact]
    public async Task The_CSV_export_is_filtered_exactly_as_the_JSON_export()
    {
        var study = await RecordedStudyAsync();
        var query = "?site=S2";
        var json = await RowsAsync(study.StudyId, query);

        using var csv = CsvReader.FromText(await (await ExportAsync(study.StudyId, query, "text/csv")).ReadAsTextAsync());
        var rows = new List<(Guid, long, string?, DateTimeOffset)>();
        while (csv.Read())
            rows.Add((Guid.Parse(csv.GetString("stream")), long.Parse(csv.GetString("version")), csv.GetString("site"), DateTimeOffset.Parse(csv.GetString("recordedAt"))));

        Assert.Equal(json, rows);
    }

    [Theory]
    [InlineData("?patient=two%20words", "patient")]
    [InlineData("?patient=%3D2%2B2", "patient")]
    [InlineData("?site=", "site")]
    [InlineData("?site=S-0123456789012345678901234567890123456789", "site")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?to=2024-13-01", "to")]
    [InlineData("?from=2024-05-02&to=2024-05-01", "to")]
    [InlineData("?from=2024-05-01&to=2024-05-01", "to")]
    public async Task A_bad_filter_is_refused_naming_its_parameter(string query, string parameter)
    {
        var study = await app.RegisteredStudyAsync();
        var before = await app.EventStoreMarkAsync();

        var problem = await (await ExportAsync(study, query, status: 400)).JsonAsync();

        Assert.Equal([parameter], problem.ErrorFields());
        Assert.DoesNotContain("Exception", problem.GetRawText());
        Assert.Equal(before, await app.EventStoreMarkAsync());
    }

    [Fact]
    public async Task The_ODM_file_is_always_the_whole_study()
    {
        var study = await app.RegisteredStudyAsync();
        var before = await app.EventStoreMarkAsync();

        var problem = await (await ExportAsync(study, "?site=S1", "application/xml", 400)).JsonAsync();

        Assert.Equal(["site"], problem.ErrorFields());
        Assert.Contains("whole study", problem.GetProperty("errors").GetProperty("site")[0].GetString());
        Assert.Equal(before, await app.EventStoreMarkAsync());
    }
}
