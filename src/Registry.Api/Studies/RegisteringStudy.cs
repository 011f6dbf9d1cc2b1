using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Registry.Audit;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Wolverine.Http;

namespace Registry.Api.Studies;

public sealed record CreatedId(Guid Id);

/// <summary>A study code is unique across the registry; this document's key enforces it inside the transaction.</summary>
public sealed record StudyCodeClaim(string Id, Guid StudyId);

/// <summary>Registers a study from its protocol (docs/protocol.md; JSON Schema at /api/protocol-schema): the protocol becomes version 1.</summary>
[Tags(ApiTags.Studies)]
public static class RegisteringStudyEndpoint
{
    [WolverinePost("/api/studies")]
    [Authorize(Roles = Roles.Admin)]
    [EndpointName("registerStudy"), EndpointSummary("Register a study from its protocol (version 1)")]
    [Creates<CreatedId>("/api/studies/{studyId}")]
    [Refuses(409, "A study with this code is already registered; nothing was recorded.")]
    public static async Task<IResult> Post(Protocol protocol, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await RegisterAsync(protocol, session, user, ct)).ToResult(r => Results.Created($"/api/studies/{r.StudyId}", new CreatedId(r.StudyId)));

    /// <summary>
    /// The registration the route, the admin's page and the demo loader all make: the protocol's rules, a code no other
    /// study has, then version 1 sealed as the caller's. Nothing is recorded unless it is <see cref="ProtocolOutcome.Recorded"/>.
    /// </summary>
    public static async Task<ProtocolOutcome> RegisterAsync(Protocol protocol, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct)
    {
        if (ProtocolRules.Errors(protocol) is { Count: > 0 } errors)
            return new ProtocolOutcome.Invalid(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        if (await session.LoadAsync<StudyCodeClaim>(protocol.Code, ct) is not null)
            return ProtocolOutcome.Conflict([$"A study with code '{protocol.Code}' is already registered."]);

        var id = Guid.CreateVersion7();
        session.Insert(new StudyCodeClaim(protocol.Code, id));
        var started = session.Events.StartStream<Study>(id, new StudyRegistered(id, protocol));
        AuditChain.Seal(session, user.UserName(), ChainLink.Genesis, started.Events);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (WriteConflicts.IsClaimTaken(e))
        {
            return ProtocolOutcome.Conflict([$"A study with code '{protocol.Code}' is already registered."]);
        }
        return new ProtocolOutcome.Recorded(id, 1);
    }
}
