using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Registry.Api.Auth;

/// <summary>
/// A correctly signed token is still unusable when it does not say who the caller is (every event records the
/// subject), names no role or a role the registry does not have, or names a site that is not a plain code: such a token
/// is refused like a forged one (401), before any route runs, so nothing is recorded under an unknown user.
/// </summary>
public static class UsableTokens
{
    public static Task RefuseUnusable(TokenValidatedContext context)
    {
        if (context.Principal is { } principal && Unusable(principal) is { } reason) context.Fail(reason);
        return Task.CompletedTask;
    }

    /// <summary>Why the token cannot be used, or null when it can.</summary>
    public static string? Unusable(ClaimsPrincipal principal)
    {
        if (string.IsNullOrWhiteSpace(principal.FindFirstValue(RegistryClaims.Subject))) return "The token names no user (sub).";
        var roles = principal.FindAll(RegistryClaims.Role).ToList();
        if (roles.Count == 0 || roles.Any(r => !Roles.All.Contains(r.Value, StringComparer.Ordinal))) return "The token names no role the registry has.";
        if (principal.FindAll(RegistryClaims.Site).Any(s => s.ValueType != ClaimValueTypes.String || string.IsNullOrWhiteSpace(s.Value)))
            return "The token names a site that is not a site code.";
        return null;
    }
}
