using System.Security.Claims;

namespace Registry.Api.Auth;

public static class CallerExtensions
{
    /// <summary>The authenticated user recorded on every event: the token's subject, never a client-chosen header.</summary>
    public static string UserName(this ClaimsPrincipal user) =>
        user.FindFirstValue(RegistryClaims.Subject) ?? throw new InvalidOperationException("An authenticated caller has no subject claim.");

    /// <summary>Whether the token names this site; coordinators act only for the sites in their token.</summary>
    public static bool HasSite(this ClaimsPrincipal user, string site) => user.HasClaim(RegistryClaims.Site, site);
}
