using Marten;
using Npgsql;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Infrastructure;
using Registry.Projections.Patients;
using static Registry.Api.Tests.Import.ImportFiles;

namespace Registry.Api.Tests.Patients;

/// <summary>
/// A chart's study is a column of its own (Marten's duplicated field), which maturity's pass and every query of a study's
/// charts filter on: a chart left without it would be missing from its study. Charts written inline (an enrolment, then
/// an entry extending the stored chart) and imported in bulk (the import's COPY) have it, and a query of a study's
/// charts filters on it; the seed's and rebuild's COPYs are checked in <see cref="Maintenance.RebuildingProjectionsTests"/>.
/// </summary>
public sealed class ChartStudyColumnTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task A_chart_written_inline_has_its_study_in_its_column()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        Assert.Equal([(patientId, studyId)], await ChartStudiesAsync(app.ConnectionString, studyId));

        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2020-01-06" });
        Assert.Equal([(patientId, studyId)], await ChartStudiesAsync(app.ConnectionString, studyId));
    }

    [Fact]
    public async Task Charts_imported_in_bulk_have_their_study_in_their_column()
    {
        var studyId = await app.RegisteredStudyAsync();
        var outcome = await app.ImportAsync(studyId, File("subjects.csv", Subjects), File("events.csv", Events));
        Assert.True(outcome.Succeeded);

        var charts = await ChartStudiesAsync(app.ConnectionString, studyId);
        Assert.Equal(3, charts.Count);
        Assert.All(charts, c => Assert.Equal(studyId, c.Study));
    }

    [Fact]
    public void A_query_of_a_studys_charts_filters_on_the_column_not_the_document()
    {
        using var session = app.Store.QuerySession();
        var sql = session.Query<PatientChart>().Where(c => c.StudyId == Guid.NewGuid()).ToCommand().CommandText;
        Assert.Contains("d.study_id = ", sql);
        Assert.DoesNotContain("studyId", sql);
    }

    /// <summary>The charts whose document names <paramref name="studyId"/>, each with the study its column holds (null if none).</summary>
    public static async Task<List<(Guid Chart, Guid? Study)>> ChartStudiesAsync(string connectionString, Guid studyId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select id, study_id from {EventStoreConfiguration.Schema}.mt_doc_patientchart where data ->> 'studyId' = $1 order by id", connection)
        {
            Parameters = { new() { Value = studyId.ToString() } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        var charts = new List<(Guid, Guid?)>();
        while (await reader.ReadAsync()) charts.Add((reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1)));
        return charts;
    }
}
