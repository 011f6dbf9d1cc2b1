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

public sealed record RecordDeath(string? DiedOn, string? Cause, long? ExpectedVersion = null) : EntryRequest
{
    public override ValidationResult Validate() => Rules.Validate(this);

    // Built once: a validator is costly to build and safe to share.
    private static readonly Validator Rules = new();

    public override IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient) => [new PatientDied(ClinicalDates.Parse(DiedOn!), Cause)];

    public sealed class Validator : AbstractValidator<RecordDeath>
    {
        public Validator()
        {
            RuleFor(d => d.DiedOn).ClinicalDate();
            RuleFor(d => d.Cause).MaximumLength(500);
        }
    }
}

[Tags(ApiTags.PatientEntries)]
public static class RecordingDeathEndpoint
{
    public static ProblemDetails Validate(RecordDeath request) => RequestValidation.Check(request.Validate());

    [WolverinePost("/api/patients/{patientId}/deaths")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("recordDeath"), EndpointSummary("Record the patient's death")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, RecordDeath request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await PatientStream.RecordEntryAsync(session, user, patientId, request, request.ExpectedVersion, ct)).ToResult();
}
