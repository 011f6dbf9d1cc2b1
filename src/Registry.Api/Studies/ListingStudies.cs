using Marten;
using Microsoft.AspNetCore.Authorization;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Studies;
using Wolverine.Http;

namespace Registry.Api.Studies;

public sealed record ArmSummary(string Code, string Name, Regimen Regimen);

public sealed record StudySummary(Guid Id, string Code, string Title, string? Setting, string? PrimaryEndpoint,
    IReadOnlyList<ArmSummary> Arms, ResponseRules ResponseRules)
{
    public static StudySummary From(Study s) => new(s.Id, s.Code, s.Title, s.Setting, s.PrimaryEndpoint,
        s.Arms.Select(a => new ArmSummary(a.Code, a.Name, a.Regimen)).ToList(), s.ResponseRules);
}

public static class ListingStudiesEndpoint
{
    [WolverineGet("/api/studies")]
    [Authorize(Roles = $"{Roles.Admin},{Roles.Coordinator},{Roles.Investigator},{Roles.Auditor}")]
    public static async Task<IReadOnlyList<StudySummary>> List(IQuerySession session, CancellationToken ct) =>
        (await session.Query<Study>().OrderBy(s => s.Code).ToListAsync(ct)).Select(StudySummary.From).ToList();

    [WolverineGet("/api/studies/{studyId}")]
    [Authorize(Roles = $"{Roles.Admin},{Roles.Coordinator},{Roles.Investigator},{Roles.Auditor}")]
    public static async Task<IResult> Get(Guid studyId, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<Study>(studyId, ct) is { } study
            ? Results.Ok(StudySummary.From(study))
            : Problems.NotFound($"No study {studyId} is registered.");
}
