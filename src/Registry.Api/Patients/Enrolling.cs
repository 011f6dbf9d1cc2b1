using System.Security.Claims;
using FluentValidation;
using JasperFx;
using Marten;
using Marten.Exceptions;
using Weasel.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Audit;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Studies;
using Registry.Domain.Patients;
using Registry.Domain.Studies;
using Wolverine.Http;

namespace Registry.Api.Patients;

public sealed record MetastaticSitesRequest(int? Count, bool? Liver, bool? Lung, bool? Bone, bool? Other);

public sealed record BaselineRequest(
    int? Age,
    Sex? Sex,
    int? KarnofskyScore,
    double? BodyMassIndex,
    bool? NpcFamilyHistory,
    DiseaseStatus? DiseaseStatus,
    int? TreatmentLine,
    MetastaticSitesRequest? MetastaticSites,
    EbvDnaStatus? EbvDna,
    double? PdL1Cps)
{
    public BaselineCovariates ToCovariates() => new(Age!.Value, Sex!.Value, KarnofskyScore!.Value, BodyMassIndex!.Value,
        NpcFamilyHistory!.Value, DiseaseStatus!.Value, TreatmentLine!.Value,
        new MetastaticSites(MetastaticSites!.Count!.Value, MetastaticSites.Liver ?? false, MetastaticSites.Lung ?? false,
            MetastaticSites.Bone ?? false, MetastaticSites.Other ?? false),
        EbvDna!.Value, PdL1Cps);

    public sealed class Validator : AbstractValidator<BaselineRequest>
    {
        public Validator()
        {
            RuleFor(b => b.Age).NotNull().InclusiveBetween(18, 110);
            RuleFor(b => b.Sex).NotNull().IsInEnum();
            RuleFor(b => b.KarnofskyScore).NotNull().InclusiveBetween(0, 100)
                .Must(k => k % 10 == 0).WithMessage("{PropertyName} is a multiple of 10 on the Karnofsky scale.");
            RuleFor(b => b.BodyMassIndex).NotNull().InclusiveBetween(10, 70);
            RuleFor(b => b.NpcFamilyHistory).NotNull();
            RuleFor(b => b.DiseaseStatus).NotNull().IsInEnum();
            RuleFor(b => b.TreatmentLine).NotNull().InclusiveBetween(1, 20);
            RuleFor(b => b.MetastaticSites).NotNull();
            RuleFor(b => b.MetastaticSites!.Count).NotNull().InclusiveBetween(0, 50).When(b => b.MetastaticSites is not null);
            RuleFor(b => b.MetastaticSites).Must(m =>
                    m!.Count >= new[] { m.Liver, m.Lung, m.Bone, m.Other }.Count(flag => flag == true))
                .When(b => b.MetastaticSites?.Count is not null)
                .WithMessage("metastaticSites.count cannot be less than the number of sites flagged.");
            RuleFor(b => b.EbvDna).NotNull().IsInEnum();
            RuleFor(b => b.PdL1Cps).InclusiveBetween(0, 100);
        }
    }
}

/// <summary>
/// Enrolment takes a pseudonymous subject code, never a name: the code must look like a code (letters, digits,
/// '-', '_', '.'; no spaces), which also keeps a typed name out of the store.
/// </summary>
public sealed record EnrolPatient(string? SubjectCode, string? Arm, string? Site, string? EnrolledOn, BaselineRequest? Baseline)
{
    public sealed class Validator : AbstractValidator<EnrolPatient>
    {
        public Validator()
        {
            RuleFor(p => p.SubjectCode).NotEmpty().MaximumLength(40)
                .Matches("^[A-Za-z0-9][A-Za-z0-9._-]*$").WithMessage("{PropertyName} must be a pseudonymous code (letters, digits, '.', '-', '_'; no spaces), never a name.");
            RuleFor(p => p.Arm).NotEmpty();
            RuleFor(p => p.Site).NotEmpty().MaximumLength(40);
            RuleFor(p => p.EnrolledOn).ClinicalDate();
            RuleFor(p => p.Baseline).NotNull().SetValidator(new BaselineRequest.Validator()!);
        }
    }
}

/// <summary>A subject code is unique within its study; this document's key enforces it inside the transaction.</summary>
public sealed record SubjectCodeClaim(string Id, Guid PatientId)
{
    public static string Key(Guid studyId, string subjectCode) => $"{studyId:N}/{subjectCode}";
}

public static class EnrollingEndpoint
{
    public static ProblemDetails Validate(EnrolPatient request) => RequestValidation.Check(request, new EnrolPatient.Validator());

    [WolverinePost("/api/studies/{studyId}/patients")]
    [Authorize(Roles = Roles.Coordinator)]
    public static async Task<IResult> Post(Guid studyId, EnrolPatient request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!user.HasSite(request.Site!))
            return Problems.Forbidden($"Your token does not cover site '{request.Site}'.");
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study)
            return Problems.Unprocessable($"No study {studyId} is registered.");
        if (!study.HasArm(request.Arm!))
            return Problems.Unprocessable($"Study {study.Code} has no arm '{request.Arm}' (it has {string.Join(", ", study.Arms.Select(a => a.Code))}).");
        var claimKey = SubjectCodeClaim.Key(studyId, request.SubjectCode!);
        if (await session.LoadAsync<SubjectCodeClaim>(claimKey, ct) is not null)
            return Problems.Conflict([$"Subject code '{request.SubjectCode}' is already enrolled in study {study.Code}."]);

        var patientId = Guid.CreateVersion7();
        session.Insert(new SubjectCodeClaim(claimKey, patientId));
        var started = session.Events.StartStream(patientId, new PatientEnrolled(patientId, studyId, request.Arm!, request.Site!,
            request.SubjectCode!, ClinicalDates.Parse(request.EnrolledOn!), request.Baseline!.ToCovariates()));
        AuditChain.Seal(session, user.UserName(), ChainLink.Genesis, started.Events);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (DocumentAlreadyExistsException)
        {
            return Problems.Conflict([$"Subject code '{request.SubjectCode}' is already enrolled in study {study.Code}."]);
        }
        return Results.Created($"/api/patients/{patientId}/history", new CreatedId(patientId));
    }
}
