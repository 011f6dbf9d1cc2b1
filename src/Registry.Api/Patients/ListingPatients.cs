using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Studies;
using Registry.Projections.Patients;
using Wolverine.Http;

namespace Registry.Api.Patients;

public sealed record PatientListing(Guid PatientId, string SubjectCode, string Site, string? Arm, string Status, long Version, DateTimeOffset LastRecordedAt);

public sealed record PatientList(Guid StudyId, string StudyCode, int Total, int Skipped, IReadOnlyList<PatientListing> Patients);

/// <summary>
/// A study's patients the caller may see — a coordinator's own sites, every site for an auditor — so a patient can be
/// found again by subject code. At most <c>take</c> (≤ 500) per request, in subject-code order.
/// </summary>
public static class ListingPatientsEndpoint
{
    [WolverineGet("/api/studies/{studyId}/patients")]
    [Authorize(Roles = $"{Roles.Coordinator},{Roles.Auditor}")]
    public static async Task<IResult> Get(Guid studyId, string? site, string? subjectCode, int? skip, int? take, IQuerySession session, ClaimsPrincipal user, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (take is < 1 or > 500) errors["take"] = ["take is 1–500 patients (100 when left out)."];
        if (skip is < 0) errors["skip"] = ["skip is at least 0."];
        if (errors.Count > 0) return RequestValidation.QueryProblem(errors);
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study) return Problems.NotFound($"No study {studyId} is registered.");
        if (site is not null && !user.IsInRole(Roles.Auditor) && !user.HasSite(site))
            return Problems.Forbidden($"Your token does not cover site '{site}'.");

        // Filtered, counted and paged in the database: a request reads at most one page of charts.
        var query = session.Query<PatientChart>().Where(c => c.StudyId == studyId);
        if (!user.IsInRole(Roles.Auditor))
        {
            var sites = user.FindAll(RegistryClaims.Site).Select(c => c.Value).ToArray();
            query = query.Where(c => c.Site.IsOneOf(sites));
        }
        if (site is not null) query = query.Where(c => c.Site == site);
        if (subjectCode is not null) query = query.Where(c => c.SubjectCode.Contains(subjectCode, StringComparison.OrdinalIgnoreCase));
        var total = await query.CountAsync(ct);
        var charts = await query.OrderBy(c => c.SubjectCode).Skip(skip ?? 0).Take(take ?? 100).ToListAsync(ct);
        var page = charts
            .Select(c => new PatientListing(c.Id, c.SubjectCode, c.Site, c.Arm, c.Timeline()?.Status.ToString() ?? "Enrolled", c.Version, c.Entries[^1].RecordedAt))
            .ToList();
        return Results.Ok(new PatientList(studyId, study.Code, total, skip ?? 0, page));
    }
}
