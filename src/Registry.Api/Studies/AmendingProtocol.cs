using System.Security.Claims;
using FluentValidation;
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

/// <summary>The protocol as amended, in full, and why; <c>expectedVersion</c> is the protocol version the amendment was written against.</summary>
public sealed record AmendProtocol(Protocol? Protocol, string? Reason, int? ExpectedVersion)
{
    public sealed class Validator : AbstractValidator<AmendProtocol>
    {
        public Validator()
        {
            RuleFor(a => a.Reason).NotEmpty().WithMessage("reason is required: say why the protocol is amended.").MaximumLength(1000);
            RuleFor(a => a.Protocol).NotNull().WithMessage("protocol is required: the whole protocol as amended.");
            RuleFor(a => a.Protocol).Custom((protocol, context) =>
            {
                if (protocol is null) return;
                foreach (var (field, messages) in ProtocolRules.Errors(protocol))
                    foreach (var message in messages) context.AddFailure(field.Length == 0 ? "protocol" : $"protocol.{field}", message);
            });
        }
    }
}

/// <summary>An arm added by amendment, with the reason for adding it.</summary>
public sealed record AddArm(string? Code, string? Name, IReadOnlyList<RegimenComponent>? Regimen, string? Reason)
{
    public sealed class Validator : AbstractValidator<AddArm>
    {
        public Validator()
        {
            RuleFor(a => a.Code).NotEmpty().WithMessage("code is required: the new arm's code.");
            RuleFor(a => a.Name).NotEmpty().WithMessage("name is required: the new arm's name.");
            RuleFor(a => a.Reason).NotEmpty().WithMessage("reason is required: say why the arm is added.").MaximumLength(1000);
        }
    }
}

/// <summary>A protocol changes only by amendment: a new numbered version with its reason; what was recorded under earlier versions stays.</summary>
[Tags(ApiTags.Studies)]
public static class AmendingProtocolEndpoint
{
    public static ProblemDetails Validate(AmendProtocol request) => RequestValidation.Check(new AmendProtocol.Validator().Validate(request));

    [WolverinePost("/api/studies/{studyId}/amendments")]
    [Authorize(Roles = Roles.Admin)]
    [EndpointName("amendProtocol"), EndpointSummary("Amend the protocol: the whole protocol as amended, and why")]
    [Creates<ProtocolVersionCreated>("/api/studies/{studyId}/protocol")]
    [Refuses(409, "The protocol was amended since expectedVersion, or the amendment changes what an amendment may not (docs/protocol.md); nothing was recorded.")]
    public static async Task<IResult> Post(Guid studyId, AmendProtocol request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        Created(await AmendAsync(studyId, _ => null, _ => request.Protocol!, request.Reason!.Trim(), request.ExpectedVersion, session, user, ct));

    /// <summary>
    /// The amendment the routes and the admin's page make: against the version the caller read, then the amended
    /// protocol's rules and what an amendment may not change; nothing is recorded unless it is <see cref="ProtocolOutcome.Recorded"/>.
    /// </summary>
    /// <param name="refuse">A refusal decided on the study as this amendment found it (in the same read the append is checked against), or null.</param>
    public static async Task<ProtocolOutcome> AmendAsync(Guid studyId, Func<Study, ProtocolOutcome?> refuse, Func<Protocol, Protocol> amend, string reason,
        int? expectedVersion, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct)
    {
        // No study has the empty id, and Marten refuses it as a stream id rather than finding nothing.
        if (studyId == Guid.Empty) return StudyNotFound(studyId);
        var stream = await session.Events.FetchForWriting<Study>(studyId, ct);
        if (stream.Aggregate is not { } study) return StudyNotFound(studyId);
        if (expectedVersion is { } expected && expected != study.ProtocolVersion)
            return ProtocolOutcome.Conflict([$"The protocol is at version {study.ProtocolVersion}, not the expected {expected}: it was amended since you read it."]);
        if (refuse(study) is { } refusal) return refusal;

        var amended = amend(study.Protocol);
        var errors = ProtocolRules.Errors(amended);
        if (errors.Count > 0) return new ProtocolOutcome.Invalid(errors.ToDictionary(p => p.Key, p => p.Value.ToArray()));
        if (ProtocolRules.AmendmentViolations(study.Protocol, amended) is { Count: > 0 } violations) return ProtocolOutcome.Conflict(violations);

        stream.AppendOne(new ProtocolAmended(studyId, study.ProtocolVersion + 1, amended, reason));
        AuditChain.Seal(session, user.UserName(), await AuditChain.HeadAsync(session, studyId, stream.StartingVersion ?? 0, ct), stream.Events);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (WriteConflicts.IsConcurrentWrite(e))
        {
            return ProtocolOutcome.Conflict(["The protocol was amended by someone else at the same moment; nothing was recorded. Reload and try again."]);
        }
        return new ProtocolOutcome.Recorded(studyId, study.ProtocolVersion + 1);
    }

    /// <summary>An amendment's 201: the new version, at the study's protocol.</summary>
    internal static IResult Created(ProtocolOutcome outcome) =>
        outcome.ToResult(r => Results.Created($"/api/studies/{r.StudyId}/protocol", new ProtocolVersionCreated(r.StudyId, r.Version)));

    private static ProtocolOutcome StudyNotFound(Guid studyId) => ProtocolOutcome.NotFound($"No study {studyId} is registered.");
}

/// <summary>
/// Adding an arm is an amendment that only appends the arm. Its own class, because Wolverine applies a class's
/// <c>Validate</c> to every endpoint in it (an AmendProtocol validator here made this route fail to compile: 500).
/// </summary>
[Tags(ApiTags.Studies)]
public static class AddingArmEndpoint
{
    public static ProblemDetails Validate(AddArm request) => RequestValidation.Check(new AddArm.Validator().Validate(request));

    [WolverinePost("/api/studies/{studyId}/arms")]
    [Authorize(Roles = Roles.Admin)]
    [EndpointName("addArm"), EndpointSummary("Add an arm to the study by amendment")]
    [Creates<ProtocolVersionCreated>("/api/studies/{studyId}/protocol")]
    [Refuses(409, "The study already has an arm with this code, or was amended at the same moment; nothing was recorded.")]
    public static async Task<IResult> Post(Guid studyId, AddArm request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        AmendingProtocolEndpoint.Created(await AmendingProtocolEndpoint.AmendAsync(studyId,
            // A repeated code conflicts with the arm already registered (409), decided on the version being amended so
            // that two admins adding the same arm at once get 201 and 409, never a duplicate-code 400.
            study => study.HasArm(request.Code!) ? ProtocolOutcome.Conflict([$"Study {study.Code} already has an arm '{request.Code}'."]) : null,
            current => current with { Arms = [.. current.Arms, new ProtocolArm(request.Code!, request.Name!, request.Regimen)] },
            request.Reason!.Trim(), null, session, user, ct));
}

public sealed record ProtocolVersionCreated(Guid StudyId, int Version);
