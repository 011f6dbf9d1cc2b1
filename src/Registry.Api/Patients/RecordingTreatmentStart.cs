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

public sealed record StartTreatment(string? StartedOn, IReadOnlyList<string>? Agents, int? Line, long? ExpectedVersion)
{
    public sealed class Validator : AbstractValidator<StartTreatment>
    {
        public Validator()
        {
            RuleFor(t => t.StartedOn).ClinicalDate();
            RuleForEach(t => t.Agents).NotEmpty().MaximumLength(100);
            RuleFor(t => t.Line).InclusiveBetween(1, 20);
        }
    }
}

public static class RecordingTreatmentStartEndpoint
{
    public static ProblemDetails Validate(StartTreatment request) => RequestValidation.Check(request, new StartTreatment.Validator());

    [WolverinePost("/api/patients/{patientId}/treatment-starts")]
    [Authorize(Roles = Roles.Coordinator)]
    public static Task<IResult> Post(Guid patientId, StartTreatment request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        PatientStream.RecordAsync(session, user, patientId, request.ExpectedVersion,
            _ => [new TreatmentStarted(ClinicalDates.Parse(request.StartedOn!), request.Agents ?? [], request.Line)], ct);
}
