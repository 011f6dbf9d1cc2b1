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

/// <summary>
/// A CTCAE-graded adverse event. A grade 5 event is a death: send <c>diedOn</c> with it to record both at once,
/// or record the death first.
/// </summary>
public sealed record RecordAdverseEvent(
    string? Term,
    int? Grade,
    string? OnsetOn,
    bool? Serious,
    Attribution? Attribution,
    string? DiedOn = null,
    long? ExpectedVersion = null) : EntryRequest
{
    public override ValidationResult Validate() => Rules.Validate(this);

    // Built once: a validator is costly to build and safe to share.
    private static readonly Validator Rules = new();

    public override IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient)
    {
        var adverseEvent = new AdverseEventRecorded(Term!.Trim(), Grade!.Value, ClinicalDates.Parse(OnsetOn!), Serious!.Value, Attribution!.Value);
        return DiedOn is null ? [adverseEvent] : [adverseEvent, new PatientDied(ClinicalDates.Parse(DiedOn), Term)];
    }

    public sealed class Validator : AbstractValidator<RecordAdverseEvent>
    {
        public Validator()
        {
            RuleFor(a => a.Term).NotEmpty().MaximumLength(200);
            RuleFor(a => a.Grade).NotNull().InclusiveBetween(1, 5).WithMessage("{PropertyName} is a CTCAE grade from 1 to 5.");
            RuleFor(a => a.OnsetOn).ClinicalDate();
            RuleFor(a => a.Serious).NotNull();
            RuleFor(a => a.Attribution).NotNull().IsDefined();
            RuleFor(a => a.DiedOn).OptionalClinicalDate();
            RuleFor(a => a.DiedOn).Null().When(a => a.Grade != 5).WithMessage("diedOn goes only with a grade 5 (fatal) adverse event.");
        }
    }
}

[Tags(ApiTags.PatientEntries)]
public static class RecordingAdverseEventEndpoint
{
    public static ProblemDetails Validate(RecordAdverseEvent request) => RequestValidation.Check(request.Validate());

    [WolverinePost("/api/patients/{patientId}/adverse-events")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("recordAdverseEvent"), EndpointSummary("Record an adverse event (CTCAE term and grade)")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, RecordAdverseEvent request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await PatientStream.RecordEntryAsync(session, user, patientId, request, request.ExpectedVersion, ct)).ToResult();
}
