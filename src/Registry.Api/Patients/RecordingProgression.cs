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

/// <summary>Progression of measurable disease: its date, how it was established, and where when known.</summary>
public sealed record RecordProgression(string? ProgressedOn, ProgressionBasis? Basis, FailureSite? Site = null, long? ExpectedVersion = null) : EntryRequest
{
    public override ValidationResult Validate() => Rules.Validate(this);

    // Built once: a validator is costly to build and safe to share.
    private static readonly Validator Rules = new();

    public override IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient) =>
        [new DiseaseProgressed(ClinicalDates.Parse(ProgressedOn!), Basis!.Value, Site)];

    public sealed class Validator : AbstractValidator<RecordProgression>
    {
        public Validator()
        {
            RuleFor(p => p.ProgressedOn).ClinicalDate();
            RuleFor(p => p.Basis).NotNull().WithMessage("basis is required: Radiological or Clinical.").IsDefined();
            RuleFor(p => p.Site).IsDefined();
        }
    }
}

/// <summary>Relapse after curative-intent treatment, typed so EFS, FFS, DMFS and LRRFS derive.</summary>
public sealed record RecordRelapse(string? RelapsedOn, FailureSite? Type, long? ExpectedVersion = null) : EntryRequest
{
    public override ValidationResult Validate() => Rules.Validate(this);

    // Built once: a validator is costly to build and safe to share.
    private static readonly Validator Rules = new();

    public override IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient) => [new DiseaseRelapsed(ClinicalDates.Parse(RelapsedOn!), Type!.Value)];

    public sealed class Validator : AbstractValidator<RecordRelapse>
    {
        public Validator()
        {
            RuleFor(r => r.RelapsedOn).ClinicalDate();
            RuleFor(r => r.Type).NotNull().WithMessage("type is required: locoregional, distant or both.").IsDefined();
        }
    }
}

[Tags(ApiTags.PatientEntries)]
public static class RecordingProgressionEndpoint
{
    public static ProblemDetails Validate(RecordProgression request) => RequestValidation.Check(request.Validate());

    [WolverinePost("/api/patients/{patientId}/progressions")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("recordProgression"), EndpointSummary("Record disease progression")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, RecordProgression request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await PatientStream.RecordEntryAsync(session, user, patientId, request, request.ExpectedVersion, ct)).ToResult();
}

[Tags(ApiTags.PatientEntries)]
public static class RecordingRelapseEndpoint
{
    public static ProblemDetails Validate(RecordRelapse request) => RequestValidation.Check(request.Validate());

    [WolverinePost("/api/patients/{patientId}/relapses")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("recordRelapse"), EndpointSummary("Record a relapse after curative-intent treatment")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, RecordRelapse request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await PatientStream.RecordEntryAsync(session, user, patientId, request, request.ExpectedVersion, ct)).ToResult();
}
