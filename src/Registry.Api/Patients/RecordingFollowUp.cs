using System.Security.Claims;
using FluentValidation;
using FluentValidation.Results;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Patients;
using Wolverine.Http;

namespace Registry.Api.Patients;

public sealed record RecordFollowUp(string? LastKnownAliveOn, long? ExpectedVersion = null) : EntryRequest
{
    public override ValidationResult Validate() => Rules.Validate(this);

    // Built once: a validator is costly to build and safe to share.
    private static readonly Validator Rules = new();

    public override IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient) => [new LastKnownAlive(ClinicalDates.Parse(LastKnownAliveOn!))];

    public sealed class Validator : AbstractValidator<RecordFollowUp>
    {
        public Validator() => RuleFor(f => f.LastKnownAliveOn).ClinicalDate();
    }
}

public sealed record WithdrawFromFollowUp(string? WithdrewOn, string? Reason, long? ExpectedVersion = null) : EntryRequest
{
    public override ValidationResult Validate() => Rules.Validate(this);

    // Built once: a validator is costly to build and safe to share.
    private static readonly Validator Rules = new();

    public override IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient) => [new WithdrewFromFollowUp(ClinicalDates.Parse(WithdrewOn!), Reason!)];

    public sealed class Validator : AbstractValidator<WithdrawFromFollowUp>
    {
        public Validator()
        {
            RuleFor(w => w.WithdrewOn).ClinicalDate();
            RuleFor(w => w.Reason).NotEmpty().MaximumLength(500);
        }
    }
}

[Tags(ApiTags.PatientEntries)]
public static class RecordingFollowUpEndpoint
{
    public static ProblemDetails Validate(RecordFollowUp request) => RequestValidation.Check(request.Validate());

    [WolverinePost("/api/patients/{patientId}/follow-ups")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("recordFollowUp"), EndpointSummary("Record the last date the patient was known alive")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, RecordFollowUp request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await PatientStream.RecordEntryAsync(session, user, patientId, request, request.ExpectedVersion, ct)).ToResult();
}

[Tags(ApiTags.PatientEntries)]
public static class RecordingWithdrawalEndpoint
{
    public static ProblemDetails Validate(WithdrawFromFollowUp request) => RequestValidation.Check(request.Validate());

    [WolverinePost("/api/patients/{patientId}/withdrawals")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("recordWithdrawal"), EndpointSummary("Record the patient's withdrawal from follow-up")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, WithdrawFromFollowUp request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await PatientStream.RecordEntryAsync(session, user, patientId, request, request.ExpectedVersion, ct)).ToResult();
}
