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

/// <summary>Replaces what entry <c>entryVersion</c> says with <c>replacement</c> (same kind, full content); the reason is mandatory.</summary>
public sealed record CorrectEntry(long? EntryVersion, IPatientFact? Replacement, string? Reason, long? ExpectedVersion)
{
    public sealed class Validator : AbstractValidator<CorrectEntry>
    {
        public Validator()
        {
            RuleFor(c => c.EntryVersion).NotNull().GreaterThanOrEqualTo(1);
            RuleFor(c => c.Replacement).NotNull().WithMessage("replacement is required: the entry as it should read, with its 'kind'.");
            RuleFor(c => c.Reason).NotEmpty().WithMessage("reason is required: say why the entry is corrected.").MaximumLength(1000);
            RuleFor(c => c.Replacement!.ClinicalDate).Must(d => d <= DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1))
                .When(c => c.Replacement is not null).WithMessage("The replacement's clinical date is in the future.");
            RuleFor(c => ((AdverseEventRecorded)c.Replacement!).Grade).InclusiveBetween(1, 5)
                .When(c => c.Replacement is AdverseEventRecorded).OverridePropertyName("replacement.grade");
        }
    }
}

/// <summary>Withdraws entry <c>entryVersion</c> from every derived view; the reason is mandatory.</summary>
public sealed record VoidEntry(long? EntryVersion, string? Reason, long? ExpectedVersion)
{
    public sealed class Validator : AbstractValidator<VoidEntry>
    {
        public Validator()
        {
            RuleFor(v => v.EntryVersion).NotNull().GreaterThanOrEqualTo(1);
            RuleFor(v => v.Reason).NotEmpty().WithMessage("reason is required: say why the entry is voided.").MaximumLength(1000);
        }
    }
}

public static class CorrectingEntryEndpoint
{
    public static ProblemDetails Validate(CorrectEntry request) => RequestValidation.Check(request, new CorrectEntry.Validator());

    [WolverinePost("/api/patients/{patientId}/corrections")]
    [Authorize(Roles = Roles.Coordinator)]
    public static Task<IResult> Post(Guid patientId, CorrectEntry request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        PatientStream.RecordAsync(session, user, patientId, request.ExpectedVersion,
            _ => [new EntryCorrected(request.EntryVersion!.Value, request.Replacement!, request.Reason!.Trim())], ct);
}

public static class VoidingEntryEndpoint
{
    public static ProblemDetails Validate(VoidEntry request) => RequestValidation.Check(request, new VoidEntry.Validator());

    [WolverinePost("/api/patients/{patientId}/voids")]
    [Authorize(Roles = Roles.Coordinator)]
    public static Task<IResult> Post(Guid patientId, VoidEntry request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        PatientStream.RecordAsync(session, user, patientId, request.ExpectedVersion,
            _ => [new EntryVoided(request.EntryVersion!.Value, request.Reason!.Trim())], ct);
}
