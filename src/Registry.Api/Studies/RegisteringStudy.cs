using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
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
public static class RegisteringStudyEndpoint
{
    public static ProblemDetails Validate(Protocol protocol) => RequestValidation.Check(ProtocolRules.Errors(protocol));

    [WolverinePost("/api/studies")]
    [Authorize(Roles = Roles.Admin)]
    public static async Task<IResult> Post(Protocol protocol, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await session.LoadAsync<StudyCodeClaim>(protocol.Code, ct) is not null)
            return Problems.Conflict([$"A study with code '{protocol.Code}' is already registered."]);

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
            return Problems.Conflict([$"A study with code '{protocol.Code}' is already registered."]);
        }
        return Results.Created($"/api/studies/{id}", new CreatedId(id));
    }
}
