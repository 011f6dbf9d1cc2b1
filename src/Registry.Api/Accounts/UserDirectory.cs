using System.Security.Claims;
using System.Security.Cryptography;
using FluentValidation;
using Marten;
using Microsoft.AspNetCore.Identity;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Audit;

namespace Registry.Api.Accounts;

/// <summary>An admin's request to open an account for a person: who, in which role, for which sites, with a first password.</summary>
public sealed record OpenAccount(string? UserName, string? DisplayName, string? Role, IReadOnlyList<string>? Sites, string? Password)
{
    public sealed class Validator : AbstractValidator<OpenAccount>
    {
        public Validator()
        {
            RuleFor(a => a.UserName).NotEmpty().WithMessage("userName is required.")
                .Matches("^[a-z0-9][a-z0-9._-]{1,63}$").WithMessage("userName is 2–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.");
            RuleFor(a => a.DisplayName).MaximumLength(200);
            RuleFor(a => a.Role).Must(r => Roles.All.Contains(r)).WithMessage($"role must be one of {string.Join(", ", Roles.All)}.");
            RuleFor(a => a.Sites).Must(s => s is { Count: > 0 }).When(a => a.Role == Roles.Coordinator)
                .WithMessage("A coordinator acts for at least one site.");
            RuleForEach(a => a.Sites).Matches("^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$").WithMessage("A site is a code of letters, digits, '.', '_' or '-' (at most 32).");
            RuleFor(a => a.Password).Password();
        }
    }
}

public static class PasswordRules
{
    public const int MinimumLength = 12;

    /// <summary>One rule for every password the registry accepts: long enough to resist guessing, not a repeated character.</summary>
    public static IRuleBuilderOptions<T, string?> Password<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("password is required.")
        .MinimumLength(MinimumLength).WithMessage($"A password has at least {MinimumLength} characters.")
        .MaximumLength(256).WithMessage("A password has at most 256 characters.")
        .Must(p => p is null || p.Distinct().Count() > 3).WithMessage("A password needs more than three different characters.");
}

/// <summary>Opens accounts and checks passwords; what a signed-in user is, as claims, is decided here for cookies and tokens alike.</summary>
public sealed class UserDirectory(IDocumentStore store)
{
    private static readonly PasswordHasher<UserAccount> Hasher = new();

    /// <summary>Opens the account; the errors by field when the request breaks a rule or the name is taken (nothing recorded).</summary>
    public async Task<(Guid? Id, Dictionary<string, string[]> Errors)> OpenAsync(OpenAccount request, string openedBy, bool mustChangePassword, CancellationToken ct)
    {
        var errors = RequestValidation.Errors(new OpenAccount.Validator().Validate(request));
        if (errors.Count > 0) return (null, errors);
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<UserNameClaim>(request.UserName!, ct) is not null)
            return (null, new() { ["userName"] = [$"A user '{request.UserName}' already exists."] });
        var id = Guid.CreateVersion7();
        var hash = Hasher.HashPassword(new UserAccount(), request.Password!);
        session.Insert(new UserNameClaim(request.UserName!, id));
        var started = session.Events.StartStream<UserAccount>(id, new UserAccountOpened(id, request.UserName!,
            string.IsNullOrWhiteSpace(request.DisplayName) ? request.UserName! : request.DisplayName.Trim(), request.Role!, request.Sites ?? [], hash, mustChangePassword));
        AuditChain.Seal(session, openedBy, ChainLink.Genesis, started.Events);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (WriteConflicts.IsClaimTaken(e))
        {
            return (null, new() { ["userName"] = [$"A user '{request.UserName}' already exists."] });
        }
        return (id, []);
    }

    /// <summary>The account when the password is its own; null for an unknown name or a wrong password, alike.</summary>
    public async Task<UserAccount?> CheckPasswordAsync(string? userName, string? password, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password)) return null;
        await using var session = store.QuerySession();
        var account = await session.Query<UserAccount>().FirstOrDefaultAsync(a => a.UserName == userName.Trim().ToLowerInvariant(), ct);
        if (account is null)
        {
            // Hash anyway, so an unknown name takes as long to refuse as a wrong password.
            Hasher.VerifyHashedPassword(new UserAccount(), DummyHash, password);
            return null;
        }
        return Hasher.VerifyHashedPassword(account, account.PasswordHash, password) == PasswordVerificationResult.Failed ? null : account;
    }

    public async Task<bool> AnyAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Query<UserAccount>().AnyAsync(ct);
    }

    /// <summary>The claims a signed-in user carries: the same subject, role and site claims as a bearer token.</summary>
    public static ClaimsPrincipal Principal(UserAccount account, string scheme)
    {
        var claims = new List<Claim> { new(RegistryClaims.Subject, account.UserName), new(RegistryClaims.Role, account.Role), new("name", account.DisplayName) };
        claims.AddRange(account.Sites.Select(s => new Claim(RegistryClaims.Site, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, RegistryClaims.Subject, RegistryClaims.Role));
    }

    /// <summary>A password nobody is told: 16 random characters from an alphabet without look-alikes.</summary>
    public static string NewOneTimePassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return new string(Enumerable.Range(0, 16).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
    }

    private static readonly string DummyHash = Hasher.HashPassword(new UserAccount(), NewOneTimePassword());
}
