using System.Security.Claims;
using System.Text.Json.Serialization;
using FluentValidation;
using FluentValidation.Results;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Registry.Audit;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Studies;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Wolverine.Http;

namespace Registry.Api.Patients;

/// <summary>
/// Enrolment takes a pseudonymous subject code, never a name: the code must look like a code (letters, digits,
/// '-', '_', '.'; no spaces), which also keeps a typed name out of the store. The baseline holds the values of the
/// study's data dictionary, keyed by variable; its rules come from the protocol (<see cref="EntryChecks"/>).
/// </summary>
public sealed record EnrolPatient(string? SubjectCode, string? Arm, string? Site, string? EnrolledOn,
    [property: JsonConverter(typeof(RequestBaselineJsonConverter))] BaselineValues? Baseline) : EntryRequest
{
    public override ValidationResult Validate() => Rules.Validate(this);

    // Built once: a validator is costly to build and safe to share.
    private static readonly Validator Rules = new();

    public PatientEnrolled ToEnrolment(Guid patientId, Guid studyId) =>
        new(patientId, studyId, string.IsNullOrWhiteSpace(Arm) ? null : Arm, Site!, SubjectCode!, ClinicalDates.Parse(EnrolledOn!), Baseline!);

    public override IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient) =>
        [ToEnrolment(patient?.PatientId ?? Guid.Empty, patient?.StudyId ?? Guid.Empty)];

    public const string SubjectCodePattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$";

    public sealed class Validator : AbstractValidator<EnrolPatient>
    {
        public Validator()
        {
            RuleFor(p => p.SubjectCode).NotEmpty().MaximumLength(40)
                .Matches(SubjectCodePattern).WithMessage("{PropertyName} must be a pseudonymous code (letters, digits, '.', '-', '_'; no spaces), never a name.");
            RuleFor(p => p.Arm).MaximumLength(20);
            RuleFor(p => p.Site).NotEmpty().MaximumLength(40);
            RuleFor(p => p.EnrolledOn).ClinicalDate();
            RuleFor(p => p.Baseline).NotNull().WithMessage("baseline is required: the values of the study's data dictionary, keyed by variable.");
            RuleFor(p => p.Baseline!.Count).LessThanOrEqualTo(500).When(p => p.Baseline is not null).OverridePropertyName("baseline");
        }
    }
}

/// <summary>A subject code is unique within its study; this document's key enforces it inside the transaction.</summary>
public sealed record SubjectCodeClaim(string Id, Guid PatientId)
{
    public static string Key(Guid studyId, string subjectCode) => $"{studyId:N}/{subjectCode}";
}

[Tags(ApiTags.Patients)]
public static class EnrollingEndpoint
{
    public static ProblemDetails Validate(EnrolPatient request) => RequestValidation.Check(request.Validate());

    [WolverinePost("/api/studies/{studyId}/patients")]
    [Authorize(Roles = Roles.Coordinator)]
    [EndpointName("enrolPatient"), EndpointSummary("Enrol a patient at one of your sites")]
    [Creates<CreatedId>("/api/patients/{patientId}/history")]
    [Refuses(409, "The subject code is already enrolled in this study; nothing was recorded.")]
    [Refuses(422, "No such study is registered, or the patient is outside its arms, data dictionary or eligibility criteria; nothing was recorded.")]
    public static async Task<IResult> Post(Guid studyId, EnrolPatient request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct) =>
        (await EnrolAsync(session, user, studyId, request, ct))
            .ToResult(enrolled => Results.Created($"/api/patients/{enrolled.PatientId}/history", new CreatedId(enrolled.PatientId)));

    /// <summary>
    /// The one way a patient is enrolled, from the route or the enrolment page: the request's field rules, the
    /// caller's site, the study's protocol (dictionary, arms, eligibility), the subject code once per study.
    /// </summary>
    public static async Task<WriteOutcome> EnrolAsync(IDocumentSession session, ClaimsPrincipal user, Guid studyId, EnrolPatient request, CancellationToken ct)
    {
        if (RequestRefusal(request, user) is { } refused) return refused;
        // The study's version and the subject code's claim in one round trip; the study itself only when amended since.
        var batch = session.CreateBatchQuery();
        var studyState = studyId == Guid.Empty ? null : batch.Events.FetchStreamState(studyId);
        var claim = batch.Load<SubjectCodeClaim>(SubjectCodeClaim.Key(studyId, request.SubjectCode!));
        await batch.Execute(ct);
        if (studyState is null || await studyState is not { } state
            || await StudiesInForce.For(session.DocumentStore).CurrentAsync(session, studyId, state.Version, ct) is not { Study: var study })
            return WriteOutcome.Unprocessable([$"No study {studyId} is registered."]);

        var patientId = Guid.CreateVersion7();
        var enrolment = request.ToEnrolment(patientId, studyId);
        if (PatientStream.ProtocolRefusal([enrolment], study.Protocol, user) is { } refusal) return refusal;
        if (await claim is not null) return SubjectCodeTaken(request, study);

        Start(session, user.UserName(), enrolment, [], study.ProtocolVersion);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (WriteConflicts.IsClaimTaken(e))
        {
            return SubjectCodeTaken(request, study);
        }
        return new WriteOutcome.Appended(patientId, 1, 1);
    }

    /// <summary>The request's own field rules, then the caller's site: what an enrolment is refused for before its study is read.</summary>
    public static WriteOutcome? RequestRefusal(EnrolPatient request, ClaimsPrincipal user)
    {
        var validation = request.Validate();
        if (!validation.IsValid) return new WriteOutcome.Invalid(RequestValidation.Errors(validation));
        return user.HasSite(request.Site!) ? null : WriteOutcome.Forbidden($"Your token does not cover site '{request.Site}'.");
    }

    /// <summary>
    /// Opens an accepted patient's stream with the enrolment (and any entries accepted after it), claims the subject
    /// code within the study (a second claim fails the save) and seals the events, as <see cref="PatientStream.Append"/> does.
    /// </summary>
    public static ChainLink Start(IDocumentSession session, string user, PatientEnrolled enrolment, IReadOnlyList<object> after, int protocolVersion,
        string? reason = null)
    {
        session.Insert(new SubjectCodeClaim(SubjectCodeClaim.Key(enrolment.StudyId, enrolment.SubjectCode), enrolment.PatientId));
        var started = session.Events.StartStream(enrolment.PatientId, [enrolment, .. after]);
        PatientStream.StampProtocolVersion(started.Events, protocolVersion);
        AuditChain.Seal(session, user, ChainLink.Genesis, started.Events, reason);
        return ChainLink.Of(started.Events[^1]);
    }

    public static WriteOutcome SubjectCodeTaken(EnrolPatient request, Study study)
    {
        var taken = $"Subject code '{request.SubjectCode}' is already enrolled in study {study.Code}.";
        return WriteOutcome.Conflict([taken]) with { Fields = new Dictionary<string, string[]> { ["subjectCode"] = [taken] } };
    }
}
