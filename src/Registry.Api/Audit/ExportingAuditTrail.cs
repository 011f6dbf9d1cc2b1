using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Net.Http.Headers;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Studies;
using Wolverine.Http;

using Registry.Audit;

namespace Registry.Api.Audit;

public enum AuditTrailFormat { Json, Csv, Odm }

public static class ExportingAuditTrailEndpoint
{
    /// <summary>
    /// Every event of a study — its own stream, then each patient's — as JSON, CSV or CDISC ODM 1.3.2 (Accept
    /// header), streamed from the event store as it is read.
    /// </summary>
    [WolverineGet("/api/studies/{studyId}/audit-trail")]
    [Authorize(Roles = Roles.Auditor)]
    [EnableRateLimiting(RateLimits.Views)]
    public static async Task<IResult> Get(Guid studyId, HttpContext http, IDocumentStore store, IQuerySession session, CancellationToken ct)
    {
        if (Negotiate(http.Request) is not { } format)
            return Problems.NotAcceptable("The audit trail is available as application/json, text/csv or application/xml (CDISC ODM 1.3.2).");
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study)
            return Problems.NotFound($"No study {studyId} is registered.");
        return new AuditTrailResult(store, study, format);
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
public sealed class AuditTrailResult(IDocumentStore store, Study study, AuditTrailFormat format) : IResult
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
            case AuditTrailFormat.Csv: await AuditTrailWriter.WriteCsvAsync(store, study.Id, body, ct); break;
            case AuditTrailFormat.Odm: await OdmAuditTrail.WriteAsync(store, study, body, ct); break;
            default: await AuditTrailWriter.WriteJsonAsync(store, study.Id, body, ct); break;
        }
    }
}
