using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Net.Http.Headers;
using Registry.Api.Infrastructure;
using Registry.Api.StudyViews;
using Registry.Domain.Studies;
using Wolverine.Http;

namespace Registry.Api.Export;

/// <summary>A study's records in the import's CSV layout: the files the import verb and page take back (docs/interop.md).</summary>
[Tags(ApiTags.Exports)]
public static class ExportingStudyEndpoint
{
    [WolverineGet("/api/studies/{studyId}/export/subjects.csv")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportSubjectsCsv"), EndpointSummary("The study's patients in the import layout (subjects.csv)")]
    [ProducesResponseType<string>(200, "text/csv")]
    public static Task<IResult> Subjects(Guid studyId, IQuerySession session, CancellationToken ct) =>
        CsvAsync(studyId, "subjects", StudyCsvExport.SubjectsAsync, session, ct);

    [WolverineGet("/api/studies/{studyId}/export/events.csv")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportEventsCsv"), EndpointSummary("The study's entries in the import layout (events.csv)")]
    [ProducesResponseType<string>(200, "text/csv")]
    public static Task<IResult> Events(Guid studyId, IQuerySession session, CancellationToken ct) =>
        CsvAsync(studyId, "events", StudyCsvExport.EventsAsync, session, ct);

    private static async Task<IResult> CsvAsync(Guid studyId, string name,
        Func<Domain.Protocols.Protocol, IReadOnlyList<Domain.Patients.PatientTimeline>, Stream, CancellationToken, Task> write, IQuerySession session, CancellationToken ct)
    {
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study) return Problems.NotFound($"No study {studyId} is registered.");
        var patients = await StudyRecords.LoadAsync(session, studyId, ct);
        return new CsvFile($"{study.Code}-{name}.csv", body => write(study.Protocol, patients, body, ct));
    }

    private sealed class CsvFile(string fileName, Func<Stream, Task> write) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers[HeaderNames.ContentDisposition] = new ContentDispositionHeaderValue("attachment") { FileNameStar = fileName }.ToString();
            await write(http.Response.Body);
        }
    }
}
