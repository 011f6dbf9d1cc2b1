using Registry.Api.Accounts;

namespace Registry.Api.Web.Admin;

/// <summary>How the admin pages read and show an account's fields.</summary>
public static class AccountText
{
    /// <summary>Site codes as typed in one box: separated by commas or spaces, each once.</summary>
    public static List<string> Sites(string? typed) =>
        (typed ?? "").Split([',', ' ', ';', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();

    public static string Status(UserAccount account, DateTimeOffset now) =>
        account.Disabled ? "Disabled"
        : account.IsLockedAt(now) ? $"Locked until {account.LockedUntil!.Value.UtcDateTime:HH:mm} UTC"
        : "Active";

    /// <summary>What one event on an account's stream did, in words.</summary>
    public static string Describe(object e) => e switch
    {
        UserAccountOpened o => $"Account opened: {o.Role}{SitesOf(o.Sites)}{(o.MustChangePassword ? ", with a one-time password" : "")}",
        PasswordChanged p => p.MustChangePassword ? "Password reset to a one-time password" : "Password changed by the user",
        SignedIn => "Signed in",
        PasswordRefused r => $"Wrong password ({r.FailuresInARow} in a row)",
        AccountLocked l => $"Locked until {l.Until.UtcDateTime:yyyy-MM-dd HH:mm} UTC",
        AccessChanged a => $"Role and sites changed: {a.Role}{SitesOf(a.Sites)}",
        AccountDisabled => "Disabled",
        AccountEnabled => "Enabled",
        _ => e.GetType().Name,
    };

    private static string SitesOf(IReadOnlyList<string> sites) => sites.Count > 0 ? $", sites {string.Join(", ", sites)}" : "";
}
