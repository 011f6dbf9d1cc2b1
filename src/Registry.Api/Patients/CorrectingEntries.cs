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

/// <summary>
/// Replaces what entry <c>entryVersion</c> says with <c>replacement</c>: the same kind of entry, in full, with its
/// <c>kind</c>, validated exactly as that entry is when first recorded. The reason is mandatory.
/// </summary>
public sealed record CorrectEntry(long? EntryVersion, EntryRequest? Replacement, string? Reason, long? ExpectedVersion = null)
{
    public sealed class Validator : AbstractValidator<CorrectEntry>
    {
        public Validator()
        {
            RuleFor(c => c.EntryVersion).NotNull().GreaterThanOrEqualTo(1);
            RuleFor(c => c.Replacement).NotNull().WithMessage("replacement is required: the entry as it should read, with its 'kind'.");
            RuleFor(c => c.Reason).NotEmpty().WithMessage("reason is required: say why the entry is corrected.").MaximumLength(1000);
            RuleFor(c => c.Replacement).Custom((replacement, context) =>
            {
                if (replacement is null) return;
                foreach (var failure in replacement.Validate().Errors)
                    context.AddFailure($"replacement.{failure.PropertyName}", failure.ErrorMessage);
            });
            RuleFor(c => ((RecordAdverseEvent)c.Replacement!).DiedOn).Null()
                .When(c => c.Replacement is RecordAdverseEvent).OverridePropertyName("replacement.diedOn")
                .WithMessage("A correction replaces one entry: record or correct the death separately.");
            // Accepted there and ignored, it would look like a stale-write check and be none.
            RuleFor(c => ExpectedVersionIn(c.Replacement)).Null().OverridePropertyName("replacement.expectedVersion")
                .WithMessage("expectedVersion goes beside entryVersion, on the correction itself; inside the replacement it would check nothing.");
        }

        private static long? ExpectedVersionIn(EntryRequest? replacement) => replacement switch
        {
            RandomizePatient r => r.ExpectedVersion,
            StartTreatment r => r.ExpectedVersion,
            AssessImaging r => r.ExpectedVersion,
            RecordAdverseEvent r => r.ExpectedVersion,
            RecordProgression r => r.ExpectedVersion,
            RecordRelapse r => r.ExpectedVersion,
            RecordDeath r => r.ExpectedVersion,
            RecordFollowUp r => r.ExpectedVersion,
            WithdrawFromFollowUp r => r.ExpectedVersion,
            _ => null,
        };
    }
}

/// <summary>Withdraws entry <c>entryVersion</c> from every derived view; the reason is mandatory.</summary>
public sealed record VoidEntry(long? EntryVersion, string? Reason, long? ExpectedVersion = null)
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

[Tags(ApiTags.Corrections)]
public static class CorrectingEntryEndpoint
{
    // Built once: a validator compiles its rules' expressions when constructed, and is safe to share between requests.
    private static readonly CorrectEntry.Validator Validator = new();

    public static ProblemDetails Validate(CorrectEntry request) => RequestValidation.Check(Validator.Validate(request));

    [WolverinePost("/api/patients/{patientId}/corrections")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("correctEntry"), EndpointSummary("Correct a recorded entry, with a reason")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, CorrectEntry request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await CorrectAsync(session, user, patientId, request, ct)).ToResult();

    /// <summary>The one way a correction is recorded, from the route or the correction page.</summary>
    public static Task<WriteOutcome> CorrectAsync(IDocumentSession session, ClaimsPrincipal user, Guid patientId, CorrectEntry request, CancellationToken ct)
    {
        var validation = Validator.Validate(request);
        if (!validation.IsValid) return Task.FromResult<WriteOutcome>(new WriteOutcome.Invalid(RequestValidation.Errors(validation)));
        return PatientStream.RecordAsync(session, user, patientId, request.ExpectedVersion, t => Events(request, t), ct);
    }

    /// <summary>What a valid correction records on the patient's record: its replacement, read against the enrolment.</summary>
    public static IReadOnlyList<object> Events(CorrectEntry request, PatientTimeline timeline) =>
        [new EntryCorrected(request.EntryVersion!.Value, request.Replacement!.ToFacts(timeline.Enrolment).Single(), request.Reason!.Trim())];
}

[Tags(ApiTags.Corrections)]
public static class VoidingEntryEndpoint
{
    private static readonly VoidEntry.Validator Validator = new();

    public static ProblemDetails Validate(VoidEntry request) => RequestValidation.Check(Validator.Validate(request));

    [WolverinePost("/api/patients/{patientId}/voids")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("voidEntry"), EndpointSummary("Void a recorded entry, with a reason")]
    [Creates<Recorded>("/api/patients/{patientId}/history")]
    [Refuses(409, WriteOutcome.ConflictMeaning), Refuses(422, WriteOutcome.UnprocessableMeaning)]
    public static async Task<IResult> Post(Guid patientId, VoidEntry request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await VoidAsync(session, user, patientId, request, ct)).ToResult();

    /// <summary>The one way a void is recorded, from the route or the void page.</summary>
    public static Task<WriteOutcome> VoidAsync(IDocumentSession session, ClaimsPrincipal user, Guid patientId, VoidEntry request, CancellationToken ct)
    {
        var validation = Validator.Validate(request);
        if (!validation.IsValid) return Task.FromResult<WriteOutcome>(new WriteOutcome.Invalid(RequestValidation.Errors(validation)));
        return PatientStream.RecordAsync(session, user, patientId, request.ExpectedVersion,
            _ => [new EntryVoided(request.EntryVersion!.Value, request.Reason!.Trim())], ct);
    }
}
