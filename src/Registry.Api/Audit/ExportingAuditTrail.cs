using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Net.Http.Headers;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Domain.Studies;
using Registry.Projections.StudyViews;
using Wolverine.Http;

using Registry.Audit;
using Registry.Interop.Odm;

namespace Registry.Api.Audit;

public enum AuditTrailFormat { Json, Csv, Odm }

[Tags(ApiTags.Audit)]
public static class ExportingAuditTrailEndpoint
{
    /// <summary>
    /// Every event of a study — its own stream, then each patient's — as JSON, CSV or CDISC ODM 1.3.2 (Accept
    /// header), streamed from the event store as it is read. JSON and CSV can be narrowed to one patient (id or
    /// subject code), one site and a recorded-at window [from, to).
    /// </summary>
    [WolverineGet("/api/studies/{studyId}/audit-trail")]
    [Authorize(Roles = Roles.Auditor)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportAuditTrail"), EndpointSummary("Export a study's audit trail as JSON, CSV or CDISC ODM, by the Accept header")]
    [ProducesResponseType<IReadOnlyList<AuditTrailEntry>>(200, "application/json")]
    [ProducesResponseType<string>(200, "text/csv")]
    [ProducesResponseType<string>(200, "application/xml")]
    [Refuses(406, "The Accept header names none of application/json, text/csv, application/xml.")]
    public static Task<IResult> Get(Guid studyId, string? patient, string? site, string? from, string? to,
        HttpContext http, IDocumentStore store, IQuerySession session, CancellationToken ct) =>
        Negotiate(http.Request) is { } format
            ? ExportAsync(format, studyId, patient, site, from, to, store, session, ct)
            : Task.FromResult(Problems.NotAcceptable("The audit trail is available as application/json, text/csv or application/xml (CDISC ODM 1.3.2)."));

    /// <summary>The audit trail as JSON whatever the Accept header says: for a link or a browser's download.</summary>
    [WolverineGet("/api/studies/{studyId}/audit-trail.json")]
    [Authorize(Roles = Roles.Auditor)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportAuditTrailJson"), EndpointSummary("Export a study's audit trail as JSON")]
    [ProducesResponseType<IReadOnlyList<AuditTrailEntry>>(200, "application/json")]
    public static Task<IResult> GetJson(Guid studyId, string? patient, string? site, string? from, string? to,
        IDocumentStore store, IQuerySession session, CancellationToken ct) =>
        ExportAsync(AuditTrailFormat.Json, studyId, patient, site, from, to, store, session, ct);

    [WolverineGet("/api/studies/{studyId}/audit-trail.csv")]
    [Authorize(Roles = Roles.Auditor)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportAuditTrailCsv"), EndpointSummary("Export a study's audit trail as CSV")]
    [ProducesResponseType<string>(200, "text/csv")]
    public static Task<IResult> GetCsv(Guid studyId, string? patient, string? site, string? from, string? to,
        IDocumentStore store, IQuerySession session, CancellationToken ct) =>
        ExportAsync(AuditTrailFormat.Csv, studyId, patient, site, from, to, store, session, ct);

    /// <summary>The CDISC ODM 1.3.2 file; the whole study, so it takes no filter.</summary>
    [WolverineGet("/api/studies/{studyId}/audit-trail.odm.xml")]
    [Authorize(Roles = Roles.Auditor)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportAuditTrailOdm"), EndpointSummary("Export a study's audit trail as CDISC ODM 1.3.2 XML")]
    [ProducesResponseType<string>(200, "application/xml")]
    public static Task<IResult> GetOdm(Guid studyId, IDocumentStore store, IQuerySession session, CancellationToken ct) =>
        ExportAsync(AuditTrailFormat.Odm, studyId, null, null, null, null, store, session, ct);

    private static async Task<IResult> ExportAsync(AuditTrailFormat format, Guid studyId, string? patient, string? site, string? from, string? to,
        IDocumentStore store, IQuerySession session, CancellationToken ct)
    {
        var (filter, errors) = ReadFilter(format, patient, site, from, to);
        if (errors.Count > 0) return RequestValidation.QueryProblem(errors);
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study)
            return Problems.NotFound($"No study {studyId} is registered.");
        return new AuditTrailResult(store, study, format, filter);
    }

    /// <summary>The export's filter as the routes and the auditor's page read it; field errors by parameter name.</summary>
    public static (AuditTrailFilter Filter, Dictionary<string, string[]> Errors) ReadFilter(AuditTrailFormat format, string? patient, string? site,
        string? from, string? to)
    {
        var errors = new Dictionary<string, string[]>();
        var filter = Filter(patient, site, from, to, errors);
        if (format is AuditTrailFormat.Odm && errors.Count == 0 && !filter.IsNone)
            errors[new[] { ("patient", patient), ("site", site), ("from", from), ("to", to) }.First(p => p.Item2 is not null).Item1] =
                ["The CDISC ODM file is always the whole study; filter the JSON or CSV export instead."];
        return (filter, errors);
    }

    private static AuditTrailFilter Filter(string? patient, string? site, string? from, string? to, Dictionary<string, string[]> errors)
    {
        Guid? patientId = null;
        string? subjectCode = null;
        if (patient is not null)
        {
            if (Guid.TryParse(patient, out var id)) patientId = id;
            else if (patient.Length <= 40 && Regex.IsMatch(patient, EnrolPatient.SubjectCodePattern)) subjectCode = patient;
            else errors["patient"] = [$"'{patient}' is neither a patient id nor a subject code (letters, digits, '.', '-', '_'; no spaces; at most 40)."];
        }
        if (site is not null && (site.Trim().Length == 0 || site.Length > 40))
            errors["site"] = ["site is a site code of 1–40 characters, as enrolments record it."];
        var since = StudyViewLoader.ParseMoment(from, errors, "from");
        var until = StudyViewLoader.ParseMoment(to, errors, "to");
        if (since is not null && until is not null && until <= since)
            errors["to"] = [$"to ({to}) must be after from ({from}): the window is from ≤ recorded-at < to."];
        return new AuditTrailFilter(patientId, subjectCode, site, since, until);
    }

    /// <summary>The first acceptable format in the client's order of preference; JSON when it accepts anything.</summary>
    public static AuditTrailFormat? Negotiate(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().Accept;
        if (accepted.Count == 0) return AuditTrailFormat.Json;
        foreach (var media in accepted.Where(m => m.Quality is not 0).OrderByDescending(m => m.Quality ?? 1))
        {
            AuditTrailFormat? format = media.MediaType.Value?.ToLowerInvariant() switch
            {
                "application/json" or "application/*" or "*/*" => AuditTrailFormat.Json,
                "text/csv" or "text/*" => AuditTrailFormat.Csv,
                "application/xml" or "text/xml" or "application/vnd.cdisc.odm+xml" => AuditTrailFormat.Odm,
                _ => null
            };
            if (format is not null) return format;
        }
        return null;
    }
}

/// <summary>Writes the export straight to the response body, flushing as it goes, so no study is held in memory.</summary>
public sealed class AuditTrailResult(IDocumentStore store, Study study, AuditTrailFormat format, AuditTrailFilter filter) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        var (contentType, extension) = format switch
        {
            AuditTrailFormat.Csv => ("text/csv; charset=utf-8", "csv"),
            AuditTrailFormat.Odm => ("application/xml; charset=utf-8", "odm.xml"),
            _ => ("application/json; charset=utf-8", "json"),
        };
        http.Response.ContentType = contentType;
        http.Response.Headers[HeaderNames.ContentDisposition] = new ContentDispositionHeaderValue("attachment")
        {
            FileNameStar = $"audit-trail-{study.Code}.{extension}"
        }.ToString();

        var ct = http.RequestAborted;
        var body = http.Response.Body;
        switch (format)
        {
            case AuditTrailFormat.Csv: await AuditTrailWriter.WriteCsvAsync(store, study, filter, body, ct); break;
            case AuditTrailFormat.Odm:
                await OdmAuditTrail.WriteAsync(store, study, body, ct,
                    items => OdmMetadata.Study(study, OdmAuditTrail.MetaDataVersion, OdmAuditTrail.StudyEvent, items));
                break;
            default: await AuditTrailWriter.WriteJsonAsync(store, study, filter, body, ct); break;
        }
    }
}
