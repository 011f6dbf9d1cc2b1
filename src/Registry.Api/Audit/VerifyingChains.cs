using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Studies;
using Wolverine.Http;

using Registry.Audit;

namespace Registry.Api.Audit;

[Tags(ApiTags.Audit)]
public static class VerifyingChainsEndpoint
{
    /// <summary>Recomputes the hash chains of every stream, or of one study's; 200 either way, with every break listed.</summary>
    [WolverineGet("/api/audit/verify")]
    [Authorize(Roles = Roles.Auditor)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("verifyChains"), EndpointSummary("Verify the hash chains of every record, or of one study's")]
    [ProducesResponseType<ChainReport>(200)]
    [Refuses(404, "No study has the studyId given.")]
    public static async Task<IResult> Get(Guid? studyId, IDocumentStore store, IQuerySession session, CancellationToken ct)
    {
        if (studyId is { } id && await session.LoadAsync<Study>(id, ct) is null)
            return Problems.NotFound($"No study {id} is registered.");
        return Results.Ok(await ChainVerification.VerifyAsync(store, studyId, ct));
    }
}
