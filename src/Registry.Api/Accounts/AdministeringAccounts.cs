using FluentValidation;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;

namespace Registry.Api.Accounts;

/// <summary>An admin changes what a user may do: their role and the sites they act for.</summary>
public sealed record ChangeAccess(string? Role, IReadOnlyList<string>? Sites)
{
    public sealed class Validator : AbstractValidator<ChangeAccess>
    {
        public Validator() => this.Access(a => a.Role, a => a.Sites);
    }
}

/// <summary>
/// What an admin does to other people's accounts, each recorded on the account's stream with the admin as the one
/// who did it. An admin cannot take their own admin role away or disable themselves, so the registry never loses
/// its last way in through its own pages.
/// </summary>
public sealed partial class UserDirectory
{
    public async Task<(UserAccount? Account, Dictionary<string, string[]> Errors)> ChangeAccessAsync(string userName, ChangeAccess request, string admin, CancellationToken ct)
    {
        var errors = RequestValidation.Errors(new ChangeAccess.Validator().Validate(request));
        if (errors.Count > 0) return (null, errors);
        var sites = request.Sites!.Distinct(StringComparer.Ordinal).ToList();
        return await ChangeAsync(userName, account =>
            account.UserName == admin && request.Role != Roles.Admin ? AccountDecision.Refuse("role", "You cannot take the admin role from yourself; another admin can.")
            : account.Role == request.Role && account.Sites.SequenceEqual(sites) ? AccountDecision.Record(admin)
            : AccountDecision.Record(admin, new AccessChanged(request.Role!, sites)), ct);
    }

    /// <summary>
    /// Gives the account a new one-time password for the admin to pass on; the user must replace it at their next
    /// sign-in. Ends every session of the account and any lockout.
    /// </summary>
    public async Task<(UserAccount? Account, string Password)> ResetPasswordAsync(string userName, string admin, CancellationToken ct)
    {
        var password = NewOneTimePassword();
        var hash = Hasher.HashPassword(new UserAccount(), password);
        var (account, _) = await ChangeAsync(userName, _ => AccountDecision.Record(admin, new PasswordChanged(hash, MustChangePassword: true)), ct);
        return (account, password);
    }

    /// <summary>Closes the account: no sign-in, and its open sessions end at their next request.</summary>
    public Task<(UserAccount? Account, Dictionary<string, string[]> Errors)> DisableAsync(string userName, string admin, CancellationToken ct) =>
        ChangeAsync(userName, account =>
            account.UserName == admin ? AccountDecision.Refuse("", "You cannot disable your own account; another admin can.")
            : account.Disabled ? AccountDecision.Record(admin)
            : AccountDecision.Record(admin, new AccountDisabled()), ct);

    public Task<(UserAccount? Account, Dictionary<string, string[]> Errors)> EnableAsync(string userName, string admin, CancellationToken ct) =>
        ChangeAsync(userName, account => account.Disabled ? AccountDecision.Record(admin, new AccountEnabled()) : AccountDecision.Record(admin), ct);

    /// <summary>The account's stream, oldest first: what happened to it, when and by whom.</summary>
    public async Task<IReadOnlyList<JasperFx.Events.IEvent>> HistoryAsync(Guid accountId, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Events.FetchStreamAsync(accountId, token: ct);
    }
}
