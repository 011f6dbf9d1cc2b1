using System.Security.Claims;
using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Patients;
using Wolverine.Http;

namespace Registry.Api.Patients;

public sealed record RecordFollowUp(string? LastKnownAliveOn, long? ExpectedVersion)
{
    public sealed class Validator : AbstractValidator<RecordFollowUp>
    {
        public Validator() => RuleFor(f => f.LastKnownAliveOn).ClinicalDate();
    }
}

public sealed record WithdrawFromFollowUp(string? WithdrewOn, string? Reason, long? ExpectedVersion)
{
    public sealed class Validator : AbstractValidator<WithdrawFromFollowUp>
    {
        public Validator()
        {
            RuleFor(w => w.WithdrewOn).ClinicalDate();
            RuleFor(w => w.Reason).NotEmpty().MaximumLength(500);
        }
    }
}

public static class RecordingFollowUpEndpoint
{
    public static ProblemDetails Validate(RecordFollowUp request) => RequestValidation.Check(request, new RecordFollowUp.Validator());

    [WolverinePost("/api/patients/{patientId}/follow-ups")]
    [Authorize(Roles = Roles.Coordinator)]
    public static Task<IResult> Post(Guid patientId, RecordFollowUp request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        PatientStream.RecordAsync(session, user, patientId, request.ExpectedVersion,
            _ => [new LastKnownAlive(ClinicalDates.Parse(request.LastKnownAliveOn!))], ct);
}

public static class RecordingWithdrawalEndpoint
{
    public static ProblemDetails Validate(WithdrawFromFollowUp request) => RequestValidation.Check(request, new WithdrawFromFollowUp.Validator());

    [WolverinePost("/api/patients/{patientId}/withdrawals")]
    [Authorize(Roles = Roles.Coordinator)]
    public static Task<IResult> Post(Guid patientId, WithdrawFromFollowUp request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        PatientStream.RecordAsync(session, user, patientId, request.ExpectedVersion,
            _ => [new WithdrewFromFollowUp(ClinicalDates.Parse(request.WithdrewOn!), request.Reason!)], ct);
}
