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

public sealed record StartTreatment(string? StartedOn, IReadOnlyList<string>? Agents, int? Line, long? ExpectedVersion = null) : EntryRequest
{
    public override ValidationResult Validate() => Rules.Validate(this);

    // Built once: a validator is costly to build and safe to share.
    private static readonly Validator Rules = new();

    public override IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient) =>
        [new TreatmentStarted(ClinicalDates.Parse(StartedOn!), Agents, Line)];

    public sealed class Validator : AbstractValidator<StartTreatment>
    {
        public Validator()
        {
            RuleFor(t => t.StartedOn).ClinicalDate();
            RuleFor(t => t.Agents).Must(a => a!.Count <= 20).When(t => t.Agents is not null).WithMessage("agents lists at most 20 agents.");
            RuleForEach(t => t.Agents).NotEmpty().MaximumLength(100);
            RuleFor(t => t.Line).InclusiveBetween(0, 20).WithMessage("line is the treatment line, 0 (neoadjuvant) to 20.");
        }
    }
}

[Tags(ApiTags.PatientEntries)]
public static class RecordingTreatmentStartEndpoint
{
    public static ProblemDetails Validate(StartTreatment request) => RequestValidation.Check(request.Validate());

    [WolverinePost("/api/patients/{patientId}/treatment-starts")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("recordTreatmentStart"), EndpointSummary("Record the start of treatment")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, StartTreatment request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await PatientStream.RecordEntryAsync(session, user, patientId, request, request.ExpectedVersion, ct)).ToResult();
}
