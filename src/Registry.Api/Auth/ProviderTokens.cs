using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Registry.Api.Auth;

/// <summary>
/// An external OpenID Connect provider (Keycloak, Entra ID, …) whose access tokens the API accepts beside its own,
/// from <c>Auth:Oidc</c>: where it is (<c>Authority</c>), which audience its tokens must name (<c>Audience</c>), and
/// which of its claims say the registry's user, roles and sites. See docs/authentication.md.
/// </summary>
public sealed record ProviderTokens(string Authority, string Audience, string Issuer, string UserClaim, string RoleClaim, string SiteClaim, bool RequireHttpsMetadata)
{
    /// <summary>The provider configured, or null when <c>Auth:Oidc:Authority</c> is not set (only the registry's own tokens).</summary>
    public static ProviderTokens? From(IConfiguration configuration)
    {
        var section = configuration.GetSection("Auth:Oidc");
        if (section["Authority"] is not { Length: > 0 } authority) return null;
        var audience = section["Audience"] is { Length: > 0 } a ? a
            : throw new InvalidOperationException("Auth:Oidc:Audience must name the audience the provider's tokens carry for the registry (e.g. trial-registry).");
        return new ProviderTokens(authority, audience,
            section["Issuer"] is { Length: > 0 } issuer ? issuer : authority.TrimEnd('/'),
            section["UserClaim"] ?? "sub", section["RoleClaim"] ?? "role", section["SiteClaim"] ?? "site",
            section.GetValue("RequireHttpsMetadata", true));
    }

    public void Configure(JwtBearerOptions options)
    {
        options.Authority = Authority;
        options.Audience = Audience;
        options.RequireHttpsMetadata = RequireHttpsMetadata;
        options.MapInboundClaims = false;
        options.IncludeErrorDetails = false;
        options.TokenValidationParameters.ValidIssuer = Issuer;
        options.TokenValidationParameters.NameClaimType = RegistryClaims.Subject;
        options.TokenValidationParameters.RoleClaimType = RegistryClaims.Role;
        options.Events = new JwtBearerEvents { OnTokenValidated = MapClaims };
    }

    /// <summary>
    /// The provider's claims become the registry's: its user claim the subject, the registry's roles among its roles
    /// (a provider gives every user roles of its own, like <c>offline_access</c>, which are not the registry's
    /// business), its site claim the sites. The same rules as for the registry's tokens then apply.
    /// </summary>
    private Task MapClaims(TokenValidatedContext context)
    {
        var token = context.Principal!;
        var claims = new List<Claim>();
        if (Values(token, UserClaim).FirstOrDefault() is { } user) claims.Add(new Claim(RegistryClaims.Subject, user));
        claims.AddRange(Values(token, RoleClaim).Where(r => Roles.All.Contains(r, StringComparer.Ordinal)).Distinct().Select(r => new Claim(RegistryClaims.Role, r)));
        claims.AddRange(Values(token, SiteClaim).Select(s => new Claim(RegistryClaims.Site, s)));
        var mapped = new ClaimsPrincipal(new ClaimsIdentity(claims, context.Scheme.Name, RegistryClaims.Subject, RegistryClaims.Role));
        if (UsableTokens.Unusable(mapped) is { } reason) context.Fail(reason);
        else context.Principal = mapped;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The string values of a claim named by a path: <c>role</c>, or <c>realm_access.roles</c> into a JSON object
    /// claim (Keycloak nests its roles so). A JSON array gives each of its strings; anything else gives nothing.
    /// </summary>
    public static IEnumerable<string> Values(ClaimsPrincipal token, string path)
    {
        var parts = path.Split('.');
        foreach (var claim in token.FindAll(parts[0]))
        {
            if (claim.ValueType is not (JsonClaimValueTypes.Json or JsonClaimValueTypes.JsonArray))
            {
                if (parts.Length == 1 && !string.IsNullOrWhiteSpace(claim.Value)) yield return claim.Value;
                continue;
            }
            using var json = JsonDocument.Parse(claim.Value);
            foreach (var value in Strings(json.RootElement, parts.AsSpan(1).ToArray())) yield return value;
        }
    }

    private static IEnumerable<string> Strings(JsonElement element, string[] path)
    {
        foreach (var part in path)
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element)) return [];
        return element.ValueKind switch
        {
            JsonValueKind.String => [element.GetString()!],
            JsonValueKind.Array => element.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!).ToList(),
            _ => [],
        };
    }
}
