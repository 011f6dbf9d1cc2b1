using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Audit;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Studies;
using Wolverine.Http;

namespace Registry.Api.Studies;

public static class AddingArmEndpoint
{
    public static ProblemDetails Validate(ArmRequest request) => RequestValidation.Check(request, new ArmRequest.Validator());

    [WolverinePost("/api/studies/{studyId}/arms")]
    [Authorize(Roles = Roles.Admin)]
    public static async Task<IResult> Post(Guid studyId, ArmRequest request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Study>(studyId, ct);
        if (stream.Aggregate is not { } study) return Problems.NotFound($"No study {studyId} is registered.");
        if (study.HasArm(request.Code!)) return Problems.Conflict([$"Study {study.Code} already has an arm '{request.Code}'."]);

        stream.AppendOne(new ArmAdded(studyId, request.ToArm()));
        AuditChain.Seal(session, user.UserName(), await AuditChain.HeadAsync(session, studyId, stream.StartingVersion ?? 0, ct), stream.Events);
        await session.SaveChangesAsync(ct);
        return Results.Created($"/api/studies/{studyId}", new CreatedId(studyId));
    }
}
