namespace Registry.Api.Accounts;

/// <summary>A person who signs in to the registry, with the role and sites they act under. Opened by an admin.</summary>
public sealed record UserAccountOpened(Guid Id, string UserName, string DisplayName, string Role, IReadOnlyList<string> Sites, string PasswordHash, bool MustChangePassword);

/// <summary>A new password; <paramref name="MustChangePassword"/> when an admin set it for the user to replace at sign-in.</summary>
public sealed record PasswordChanged(string PasswordHash, bool MustChangePassword);

/// <summary>The right password was given at the sign-in form; ends a run of failures.</summary>
public sealed record SignedIn;

/// <summary>A wrong password was given for this account (to sign in, or to change it), the <paramref name="FailuresInARow"/>th since the last right one or lockout.</summary>
public sealed record PasswordRefused(int FailuresInARow);

/// <summary>Too many wrong passwords in a row: no password is accepted for the account until <paramref name="Until"/>.</summary>
public sealed record AccountLocked(DateTimeOffset Until);

/// <summary>An admin changed what the user may do: their role and the sites they act for.</summary>
public sealed record AccessChanged(string Role, IReadOnlyList<string> Sites);

/// <summary>An admin closed the account: it cannot sign in, and its open sessions end at their next request.</summary>
public sealed record AccountDisabled;

/// <summary>An admin reopened a disabled account.</summary>
public sealed record AccountEnabled;

/// <summary>A user name is unique across the registry; this document's key enforces it inside the transaction.</summary>
public sealed record UserNameClaim(string Id, Guid AccountId);

/// <summary>The account as it stands, folded from its stream (an inline snapshot), read at every sign-in and session request.</summary>
public sealed class UserAccount
{
    public Guid Id { get; set; }
    public string UserName { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Role { get; set; } = "";
    public List<string> Sites { get; set; } = [];
    public string PasswordHash { get; set; } = "";
    public bool MustChangePassword { get; set; }
    public int FailedSignIns { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public bool Disabled { get; set; }

    public bool IsLockedAt(DateTimeOffset now) => LockedUntil > now;

    public static UserAccount Create(UserAccountOpened e) => new()
    {
        Id = e.Id, UserName = e.UserName, DisplayName = e.DisplayName, Role = e.Role, Sites = [.. e.Sites],
        PasswordHash = e.PasswordHash, MustChangePassword = e.MustChangePassword,
    };

    // A new password ends a lockout: an admin's reset is how a locked-out user gets back in early.
    public void Apply(PasswordChanged e)
    {
        PasswordHash = e.PasswordHash;
        MustChangePassword = e.MustChangePassword;
        FailedSignIns = 0;
        LockedUntil = null;
    }

    public void Apply(SignedIn _)
    {
        FailedSignIns = 0;
        LockedUntil = null;
    }

    public void Apply(PasswordRefused e) => FailedSignIns = e.FailuresInARow;

    // After a lockout the count starts again, as ASP.NET Core Identity's does.
    public void Apply(AccountLocked e)
    {
        LockedUntil = e.Until;
        FailedSignIns = 0;
    }

    public void Apply(AccessChanged e)
    {
        Role = e.Role;
        Sites = [.. e.Sites];
    }

    public void Apply(AccountDisabled _) => Disabled = true;

    public void Apply(AccountEnabled _) => Disabled = false;
}
