using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Registry.Api.Auth;

namespace Registry.Api.Accounts;

/// <summary>
/// A browser session speaks for an account only while the account agrees: at every request the cookie is held
/// against the account (one read by key). A disabled account or a password changed elsewhere ends the session; a
/// new role, sites or name replace the cookie's claims.
/// </summary>
public static class Sessions
{
    public const string AccountClaim = "account";
    public const string StampClaim = "stamp";
    public const string MustChangePasswordClaim = "must_change_password";

    /// <summary>Changes with the password, and only then: a password reset ends every session signed in with the old one.</summary>
    public static string Stamp(UserAccount account) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(account.PasswordHash)))[..16];

    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal!;
        var account = Guid.TryParse(principal.FindFirstValue(AccountClaim), out var id)
            ? await context.HttpContext.RequestServices.GetRequiredService<UserDirectory>().LoadAsync(id, context.HttpContext.RequestAborted)
            : null;
        if (account is null || account.Disabled || principal.FindFirstValue(StampClaim) != Stamp(account))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(SignInSchemes.Session);
            return;
        }
        var current = UserDirectory.Principal(account, SignInSchemes.Session);
        if (!Describe(current).SequenceEqual(Describe(principal)))
        {
            context.ReplacePrincipal(current);
            context.ShouldRenew = true;
        }
    }

    private static IEnumerable<string> Describe(ClaimsPrincipal principal) =>
        principal.Claims.Select(c => $"{c.Type}={c.Value}").Order(StringComparer.Ordinal);
}
