using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Patients;
using Registry.Domain.Studies;
using Registry.Projections.Patients;
using Wolverine.Http;

namespace Registry.Api.Patients;

/// <summary>The last thing recorded for a patient: an entry, or a correction or void of one (its kind says which), with the date it concerns.</summary>
public sealed record LastEntry(long Version, string Kind, DateOnly? ClinicalDate, DateTimeOffset RecordedAt, string? RecordedBy);

public sealed record PatientListing(Guid PatientId, string SubjectCode, string Site, string? Arm, string Status, long Version, DateTimeOffset LastRecordedAt,
    LastEntry LastEntry);

public sealed record PatientList(Guid StudyId, string StudyCode, int Total, int Skipped, IReadOnlyList<PatientListing> Patients);

/// <summary>What a patient list asks for: a site, part of a subject code, a status, and which page.</summary>
public sealed record PatientQuery(string? Site = null, string? SubjectCode = null, string? Status = null, int? Skip = null, int? Take = null)
{
    public const int DefaultTake = 100;
    public const int MaxTake = 500;
    public static readonly string[] Statuses = Enum.GetNames<PatientStatus>();

    /// <summary>Query values that cannot be answered, by parameter name; empty when the query can run.</summary>
    public Dictionary<string, string[]> Errors()
    {
        var errors = new Dictionary<string, string[]>();
        if (Take is < 1 or > MaxTake) errors["take"] = [$"take is 1–{MaxTake} patients ({DefaultTake} when left out)."];
        if (Skip is < 0) errors["skip"] = ["skip is at least 0."];
        if (Status is not null && !Statuses.Contains(Status, StringComparer.Ordinal))
            errors["status"] = [$"status must be one of {string.Join(", ", Statuses)}, not '{Status}'."];
        return errors;
    }

    /// <summary>Why the caller may not list the site asked for; null when she may (an auditor reads every site).</summary>
    public string? Refusal(ClaimsPrincipal user) =>
        Site is not null && !user.IsInRole(Roles.Auditor) && !user.HasSite(Site) ? $"Your token does not cover site '{Site}'." : null;
}

/// <summary>
/// A study's patients the caller may see — a coordinator's own sites, every site for an auditor — so a patient can be
/// found again by subject code. At most <c>take</c> (≤ 500) per request, in subject-code order.
/// </summary>
[Tags(ApiTags.Patients)]
public static class ListingPatientsEndpoint
{
    [WolverineGet("/api/studies/{studyId}/patients")]
    [Authorize(Roles = $"{Roles.Coordinator},{Roles.Auditor}")]
    [EndpointName("listPatients"), EndpointSummary("List a study's patients at your sites (every site for an auditor)")]
    [ProducesResponseType<PatientList>(200)]
    public static async Task<IResult> Get(Guid studyId, string? site, string? subjectCode, string? status, int? skip, int? take, IQuerySession session,
        ClaimsPrincipal user, CancellationToken ct)
    {
        var query = new PatientQuery(site, subjectCode, status, skip, take);
        if (query.Errors() is { Count: > 0 } errors) return RequestValidation.QueryProblem(errors);
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study) return Problems.NotFound($"No study {studyId} is registered.");
        if (query.Refusal(user) is { } refusal) return Problems.Forbidden(refusal);
        return Results.Ok(await ListAsync(session, user, study, query, ct));
    }

    /// <summary>One page of the study's patients at the caller's sites (every site for an auditor), as the route and the coordinator's list show it.</summary>
    public static async Task<PatientList> ListAsync(IQuerySession session, ClaimsPrincipal user, Study study, PatientQuery query, CancellationToken ct)
    {
        // Filtered, counted and paged in the database: a request reads at most one page of charts.
        var charts = session.Query<PatientChart>().Where(c => c.StudyId == study.Id);
        if (!user.IsInRole(Roles.Auditor))
        {
            var sites = user.FindAll(RegistryClaims.Site).Select(c => c.Value).ToArray();
            charts = charts.Where(c => c.Site.IsOneOf(sites));
        }
        if (query.Site is { } site) charts = charts.Where(c => c.Site == site);
        if (query.SubjectCode is { } code) charts = charts.Where(c => c.SubjectCode.Contains(code, StringComparison.OrdinalIgnoreCase));
        if (query.Status is { } status) charts = charts.Where(c => c.Status == status);
        var total = await charts.CountAsync(ct);
        var page = await charts.OrderBy(c => c.SubjectCode).Skip(query.Skip ?? 0).Take(query.Take ?? PatientQuery.DefaultTake).ToListAsync(ct);
        var rows = page
            .Select(c => new PatientListing(c.Id, c.SubjectCode, c.Site, c.Arm, c.Status ?? c.Timeline()?.Status.ToString() ?? nameof(PatientStatus.Enrolled),
                c.Version, c.Entries[^1].RecordedAt, LastEntryOf(c)))
            .ToList();
        return new PatientList(study.Id, study.Code, total, query.Skip ?? 0, rows);
    }

    private static LastEntry LastEntryOf(PatientChart chart)
    {
        var last = chart.Entries[^1];
        IPatientFact? Target(long version) => chart.Entries.FirstOrDefault(e => e.Version == version)?.Fact;
        var (kind, date) = last switch
        {
            { Fact: { } fact } => (PatientRules.Describe(fact), fact.ClinicalDate),
            { Correction: { } c } => ($"correction of {PatientRules.Describe(c.Replacement)}", c.Replacement.ClinicalDate),
            { Void: { } v } when Target(v.EntryVersion) is { } voided => ($"void of {PatientRules.Describe(voided)}", voided.ClinicalDate),
            _ => ("entry", (DateOnly?)null),
        };
        return new LastEntry(last.Version, kind, date, last.RecordedAt, last.RecordedBy);
    }
}
