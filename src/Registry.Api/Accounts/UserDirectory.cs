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
            RuleFor(a => a.UserName).NotEmpty().WithMessage("A user name is required.")
                .Matches("^[a-z0-9][a-z0-9._-]{1,63}$").WithMessage("A user name is 2–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.");
            RuleFor(a => a.DisplayName).MaximumLength(200);
            this.Access(a => a.Role, a => a.Sites);
            RuleFor(a => a.Password).Password();
        }
    }
}

/// <summary>The rules for what an account may do, the same when it is opened and when an admin changes it.</summary>
public static class AccessRules
{
    public static void Access<T>(this AbstractValidator<T> validator, System.Linq.Expressions.Expression<Func<T, string?>> role,
        System.Linq.Expressions.Expression<Func<T, IEnumerable<string>?>> sites)
    {
        var roleOf = role.Compile();
        validator.RuleFor(role).Must(r => Roles.All.Contains(r)).WithMessage($"The role is one of {string.Join(", ", Roles.All)}.");
        validator.RuleFor(sites).Must(s => s is not null && s.Any()).When(a => roleOf(a) == Roles.Coordinator)
            .WithMessage("A coordinator acts for at least one site.");
        validator.RuleForEach(sites!).Matches("^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$").WithMessage("A site is a code of letters, digits, '.', '_' or '-' (at most 32).");
    }
}

public static class PasswordRules
{
    public const int MinimumLength = 12;

    /// <summary>One rule for every password the registry accepts: long enough to resist guessing, not a repeated character.</summary>
    public static IRuleBuilderOptions<T, string?> Password<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("A password is required.")
        .MinimumLength(MinimumLength).WithMessage($"A password has at least {MinimumLength} characters.")
        .MaximumLength(256).WithMessage("A password has at most 256 characters.")
        .Must(p => p is null || p.Distinct().Count() > 3).WithMessage("A password needs more than three different characters.");
}

/// <summary>How many wrong passwords in a row lock an account, and for how long (<c>Registry:Accounts</c>).</summary>
public sealed record LockoutPolicy(int MaxFailedSignIns, TimeSpan Lockout)
{
    public static LockoutPolicy From(IConfiguration configuration) => new(
        configuration.GetValue("Registry:Accounts:MaxFailedSignIns", 5),
        TimeSpan.FromMinutes(configuration.GetValue("Registry:Accounts:LockoutMinutes", 15.0)));
}

/// <summary>
/// Opens accounts, checks passwords and records every change to an account as an event on its stream; what a
/// signed-in user is, as claims, is decided here for cookies and tokens alike.
/// </summary>
public sealed partial class UserDirectory(IDocumentStore store, LockoutPolicy lockout, TimeProvider clock)
{
    private static readonly PasswordHasher<UserAccount> Hasher = new();

    public LockoutPolicy Lockout => lockout;

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

    public async Task<UserAccount?> FindAsync(string? userName, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(userName)) return null;
        await using var session = store.QuerySession();
        return await session.LoadAsync<UserNameClaim>(Normalized(userName), ct) is { } claim
            ? await session.LoadAsync<UserAccount>(claim.AccountId, ct)
            : null;
    }

    public async Task<UserAccount?> LoadAsync(Guid id, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<UserAccount>(id, ct);
    }

    public async Task<IReadOnlyList<UserAccount>> ListAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return (await session.Query<UserAccount>().ToListAsync(ct)).OrderBy(a => a.UserName, StringComparer.Ordinal).ToList();
    }

    public async Task<bool> AnyAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Query<UserAccount>().AnyAsync(ct);
    }

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>The claims a signed-in user carries: the same subject, role and site claims as a bearer token, plus what the session check compares.</summary>
    public static ClaimsPrincipal Principal(UserAccount account, string scheme)
    {
        var claims = new List<Claim> { new(RegistryClaims.Subject, account.UserName), new(RegistryClaims.Role, account.Role), new("name", account.DisplayName) };
        claims.AddRange(account.Sites.Select(s => new Claim(RegistryClaims.Site, s)));
        claims.Add(new Claim(Sessions.AccountClaim, account.Id.ToString()));
        claims.Add(new Claim(Sessions.StampClaim, Sessions.Stamp(account)));
        if (account.MustChangePassword) claims.Add(new Claim(Sessions.MustChangePasswordClaim, "true"));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, RegistryClaims.Subject, RegistryClaims.Role));
    }

    /// <summary>A password nobody is told: 16 random characters from an alphabet without look-alikes.</summary>
    public static string NewOneTimePassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return new string(Enumerable.Range(0, 16).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
    }

    private static string Normalized(string userName) => userName.Trim().ToLowerInvariant();

    private static bool Verifies(UserAccount account, string password) =>
        Hasher.VerifyHashedPassword(account, account.PasswordHash, password) != PasswordVerificationResult.Failed;

    // Hashing against a password nobody has, so a refusal that needs no check takes as long as one that does.
    private static void HashAnyway(string password) => Hasher.VerifyHashedPassword(new UserAccount(), DummyHash, password);

    private static readonly string DummyHash = Hasher.HashPassword(new UserAccount(), NewOneTimePassword());

    /// <summary>
    /// Decides on the account as it stands and appends what was decided, sealed into the account's chain. A change
    /// that loses a race with another is decided again on the account as the winner left it.
    /// </summary>
    /// <returns>The account after the change (null when there is no such account) and the refusal, by field, if any.</returns>
    private async Task<(UserAccount? Account, Dictionary<string, string[]> Errors)> ChangeAsync(
        string userName, Func<UserAccount, AccountDecision> decide, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            if (await session.LoadAsync<UserNameClaim>(Normalized(userName), ct) is not { } claim) return (null, []);
            var stream = await session.Events.FetchForWriting<UserAccount>(claim.AccountId, ct);
            var decision = decide(stream.Aggregate!);
            if (decision.Events.Count == 0) return (stream.Aggregate, decision.Errors);
            stream.AppendMany(decision.Events);
            AuditChain.Seal(session, decision.RecordedBy, await AuditChain.HeadAsync(session, claim.AccountId, stream.StartingVersion ?? 0, ct), stream.Events);
            try
            {
                await session.SaveChangesAsync(ct);
                return (await session.LoadAsync<UserAccount>(claim.AccountId, ct), decision.Errors);
            }
            catch (Exception e) when (WriteConflicts.IsConcurrentWrite(e))
            {
                if (attempt == 5) return (stream.Aggregate, new() { [""] = ["The account was changed by someone else at the same moment; nothing was recorded. Reload and try again."] });
            }
        }
    }

    /// <summary>What a request decided on the account: events to record (by whom), a refusal by field, or both (a wrong password is recorded and refused).</summary>
    private sealed record AccountDecision(IReadOnlyList<object> Events, string RecordedBy, Dictionary<string, string[]> Errors)
    {
        public static AccountDecision Record(string recordedBy, params object[] events) => new(events, recordedBy, []);
        public static AccountDecision Refuse(string field, string message) => new([], "", new() { [field] = [message] });
        public AccountDecision Refusing(string field, string message) => this with { Errors = new() { [field] = [message] } };
    }
}
