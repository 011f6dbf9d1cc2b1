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

public sealed record RecordProgression(string? ProgressedOn, ProgressionBasis? Basis, long? ExpectedVersion)
{
    public sealed class Validator : AbstractValidator<RecordProgression>
    {
        public Validator()
        {
            RuleFor(p => p.ProgressedOn).ClinicalDate();
            RuleFor(p => p.Basis).IsInEnum();
        }
    }
}

public static class RecordingProgressionEndpoint
{
    public static ProblemDetails Validate(RecordProgression request) => RequestValidation.Check(request, new RecordProgression.Validator());

    [WolverinePost("/api/patients/{patientId}/progressions")]
    [Authorize(Roles = Roles.Coordinator)]
    public static Task<IResult> Post(Guid patientId, RecordProgression request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        PatientStream.RecordAsync(session, user, patientId, request.ExpectedVersion,
            _ => [new DiseaseProgressed(ClinicalDates.Parse(request.ProgressedOn!), request.Basis ?? ProgressionBasis.Radiological)], ct);
}
