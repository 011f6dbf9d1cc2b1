namespace Registry.Api.Accounts;

public sealed partial class UserDirectory
{
    /// <summary>The one answer to every refused sign-in, so the form never tells whether a user name exists or is locked.</summary>
    public string RefusalMessage =>
        $"The user name or password is not right. After {lockout.MaxFailedSignIns} wrong passwords in a row an account is locked for {Minutes(lockout.Lockout)}.";

    /// <summary>
    /// The account when the password is its own and the account may sign in; null otherwise, whatever the reason.
    /// Each wrong password is recorded on the account (by "anonymous": whoever typed it is not known), and the
    /// <see cref="LockoutPolicy.MaxFailedSignIns"/>th in a row locks it. While locked or disabled no password is
    /// checked at all: a right password must not be told apart from a wrong one, or the lockout would only slow a
    /// guesser down instead of stopping them.
    /// </summary>
    public async Task<UserAccount?> SignInAsync(string? userName, string? password, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password)) return null;
        var (account, errors) = await ChangeAsync(userName, account => CheckPassword(account, password, new SignedIn(), Anonymous, "password"), ct);
        if (account is null) HashAnyway(password);
        return account is not null && errors.Count == 0 ? account : null;
    }

    /// <summary>
    /// The decision of every password check, at the sign-in form and in the password change alike: the right
    /// password records <paramref name="onSuccess"/> by the account's user; a wrong one, recorded by
    /// <paramref name="failedBy"/>, counts towards the lockout.
    /// </summary>
    private AccountDecision CheckPassword(UserAccount account, string password, object onSuccess, string failedBy, string field)
    {
        var now = clock.GetUtcNow();
        if (account.Disabled || account.IsLockedAt(now))
        {
            HashAnyway(password);
            return AccountDecision.Refuse(field, account.Disabled ? "The account is disabled." : $"The account is locked until {account.LockedUntil:HH:mm} UTC.");
        }
        if (Verifies(account, password)) return AccountDecision.Record(account.UserName, onSuccess);
        var failures = account.FailedSignIns + 1;
        var recorded = failures >= lockout.MaxFailedSignIns
            ? AccountDecision.Record(failedBy, new PasswordRefused(failures), new AccountLocked(now + lockout.Lockout))
            : AccountDecision.Record(failedBy, new PasswordRefused(failures));
        return recorded.Refusing(field, "The password is not right.");
    }

    /// <summary>Who a wrong password at the sign-in form is recorded as: the person typing it is not known.</summary>
    public const string Anonymous = "anonymous";

    private static string Minutes(TimeSpan span) => span.TotalMinutes == 1 ? "1 minute" : $"{span.TotalMinutes:0.##} minutes";
}
