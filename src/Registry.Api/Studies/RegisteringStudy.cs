using System.Security.Claims;
using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Audit;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Studies;
using Wolverine.Http;

namespace Registry.Api.Studies;

public sealed record RegimenRequest(
    string? ImmuneCheckpointInhibitor,
    string? AntiAngiogenicAgent,
    string? EgfrInhibitor,
    IReadOnlyList<string>? ChemotherapyAgents)
{
    public Regimen ToRegimen() => new(ImmuneCheckpointInhibitor, AntiAngiogenicAgent, EgfrInhibitor, ChemotherapyAgents ?? []);
}

public sealed record ArmRequest(string? Code, string? Name, RegimenRequest? Regimen)
{
    public Arm ToArm() => new(Code!, Name!, Regimen?.ToRegimen() ?? Domain.Studies.Regimen.Unspecified);

    public sealed class Validator : AbstractValidator<ArmRequest>
    {
        public Validator()
        {
            RuleFor(a => a.Code).NotEmpty().MaximumLength(20)
                .Matches("^[A-Za-z0-9_-]+$").WithMessage("{PropertyName} may hold letters, digits, '-' and '_' only ('+' joins pooled arms in queries).");
            RuleFor(a => a.Name).NotEmpty().MaximumLength(200);
        }
    }
}

public sealed record RegisterStudy(
    string? Code,
    string? Title,
    string? Setting,
    string? PrimaryEndpoint,
    IReadOnlyList<ArmRequest>? Arms,
    ResponseRules? ResponseRules)
{
    public sealed class Validator : AbstractValidator<RegisterStudy>
    {
        public Validator()
        {
            RuleFor(s => s.Code).NotEmpty().MaximumLength(40);
            RuleFor(s => s.Title).NotEmpty().MaximumLength(500);
            RuleFor(s => s.Arms).NotEmpty().WithMessage("A study needs at least one arm.");
            RuleForEach(s => s.Arms).NotNull().SetValidator(new ArmRequest.Validator());
            RuleFor(s => s.Arms).Must(arms => arms!.Select(a => a?.Code).Distinct().Count() == arms!.Count)
                .When(s => s.Arms is { Count: > 0 }).WithMessage("Arm codes must be distinct.");
            RuleFor(s => s.ResponseRules!.StableDiseaseMinimumDays).InclusiveBetween(0, 365).When(s => s.ResponseRules is not null);
            RuleFor(s => s.ResponseRules!.ConfirmationMinimumDays).InclusiveBetween(0, 365).When(s => s.ResponseRules is not null);
        }
    }
}

public sealed record CreatedId(Guid Id);

/// <summary>A study code is unique across the registry; this document's key enforces it inside the transaction.</summary>
public sealed record StudyCodeClaim(string Id, Guid StudyId);

public static class RegisteringStudyEndpoint
{
    public static ProblemDetails Validate(RegisterStudy request) => RequestValidation.Check(request, new RegisterStudy.Validator());

    [WolverinePost("/api/studies")]
    [Authorize(Roles = Roles.Admin)]
    public static async Task<IResult> Post(RegisterStudy request, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await session.LoadAsync<StudyCodeClaim>(request.Code!, ct) is not null)
            return Problems.Conflict([$"A study with code '{request.Code}' is already registered."]);

        var id = Guid.CreateVersion7();
        session.Insert(new StudyCodeClaim(request.Code!, id));
        var started = session.Events.StartStream<Study>(id, new StudyRegistered(id, request.Code!, request.Title!, request.Setting,
            request.PrimaryEndpoint, request.Arms!.Select(a => a.ToArm()).ToList(), request.ResponseRules));
        AuditChain.Seal(session, user.UserName(), ChainLink.Genesis, started.Events);
        await session.SaveChangesAsync(ct);
        return Results.Created($"/api/studies/{id}", new CreatedId(id));
    }
}
