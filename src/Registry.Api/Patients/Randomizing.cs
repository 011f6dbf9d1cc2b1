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

/// <summary>Allocation in a randomized study: the date, the arm, and the stratification factor values used.</summary>
public sealed record RandomizePatient(string? RandomizedOn, string? Arm, IReadOnlyDictionary<string, string>? Strata, long? ExpectedVersion = null) : EntryRequest
{
    public override ValidationResult Validate() => Rules.Validate(this);

    // Built once: a validator is costly to build and safe to share.
    private static readonly Validator Rules = new();

    public override IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient) =>
        [new PatientRandomized(ClinicalDates.Parse(RandomizedOn!), Arm!, Strata)];

    public sealed class Validator : AbstractValidator<RandomizePatient>
    {
        public Validator()
        {
            RuleFor(r => r.RandomizedOn).ClinicalDate();
            RuleFor(r => r.Arm).NotEmpty().MaximumLength(20);
            RuleFor(r => r.Strata).Must(s => s!.Count <= 20).When(r => r.Strata is not null).WithMessage("strata has at most 20 factors.");
        }
    }
}

[Tags(ApiTags.PatientEntries)]
public static class RandomizingEndpoint
{
    public static ProblemDetails Validate(RandomizePatient request) => RequestValidation.Check(request.Validate());

    [WolverinePost("/api/patients/{patientId}/randomizations")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("randomizePatient"), EndpointSummary("Record a randomization (arm and strata)")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, RandomizePatient request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await PatientStream.RecordEntryAsync(session, user, patientId, request, request.ExpectedVersion, ct)).ToResult();
}
