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

/// <summary>A RECIST 1.1 timepoint: the measurements and the response assigned from them.</summary>
public sealed record AssessImaging(
    string? AssessedOn,
    double? TargetLesionSumMm,
    NonTargetStatus? NonTargetStatus,
    bool? NewLesions,
    TimepointResponse? Response,
    long? ExpectedVersion = null) : EntryRequest
{
    public override ValidationResult Validate() => Rules.Validate(this);

    // Built once: a validator is costly to build and safe to share.
    private static readonly Validator Rules = new();

    public override IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient) =>
        [new ImagingAssessed(ClinicalDates.Parse(AssessedOn!), TargetLesionSumMm, NonTargetStatus!.Value, NewLesions!.Value, Response!.Value)];

    public sealed class Validator : AbstractValidator<AssessImaging>
    {
        public Validator()
        {
            RuleFor(i => i.AssessedOn).ClinicalDate();
            RuleFor(i => i.TargetLesionSumMm).InclusiveBetween(0, 2000);
            RuleFor(i => i.NonTargetStatus).NotNull().IsDefined();
            RuleFor(i => i.NewLesions).NotNull();
            RuleFor(i => i.Response).NotNull().IsDefined();
            // RECIST 1.1 table 1: new lesions or unequivocal non-target progression make the timepoint PD.
            RuleFor(i => i.Response).Equal(TimepointResponse.PD)
                .When(i => i.NewLesions == true || i.NonTargetStatus == Domain.Patients.NonTargetStatus.PD)
                .WithMessage("response must be PD when there are new lesions or non-target progression (RECIST 1.1).");
            RuleFor(i => i.TargetLesionSumMm).Equal(0)
                .When(i => i.Response == TimepointResponse.CR && i.TargetLesionSumMm is not null)
                .WithMessage("A complete response needs every target lesion gone (sum of diameters 0 mm; nodes < 10 mm count as 0).");
            RuleFor(i => i.NonTargetStatus).Must(s => s is Domain.Patients.NonTargetStatus.CR or Domain.Patients.NonTargetStatus.None)
                .When(i => i.Response == TimepointResponse.CR)
                .WithMessage("A complete response needs non-target lesions gone too (nonTargetStatus CR, or None when there were none).");
        }
    }
}

[Tags(ApiTags.PatientEntries)]
public static class RecordingImagingEndpoint
{
    public static ProblemDetails Validate(AssessImaging request) => RequestValidation.Check(request.Validate());

    [WolverinePost("/api/patients/{patientId}/imaging-assessments")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("recordImaging"), EndpointSummary("Record an imaging assessment (RECIST 1.1 timepoint response)")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, AssessImaging request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await PatientStream.RecordEntryAsync(session, user, patientId, request, request.ExpectedVersion, ct)).ToResult();
}
