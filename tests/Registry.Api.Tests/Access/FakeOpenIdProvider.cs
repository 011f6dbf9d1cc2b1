using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Registry.Api.Tests.Access;

/// <summary>
/// An OpenID Connect provider in the test process, shaped like a Keycloak realm: it answers the discovery document
/// and the signing keys (JWKS) on the registry's back channel, and signs access tokens with its RSA key.
/// </summary>
public sealed class FakeOpenIdProvider : HttpMessageHandler
{
    public const string Authority = "https://idp.test/realms/trial";
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "realm-key-1" };

    public int MetadataRequests { get; private set; }

    /// <summary>An access token as Keycloak issues one: realm roles nested under realm_access, the user's name in preferred_username.</summary>
    public string Token(string userName, string[] realmRoles, string[] sites, string audience = "trial-registry", string issuer = Authority, SecurityKey? signedWith = null) =>
        Sign(new Dictionary<string, object>
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["preferred_username"] = userName,
            ["realm_access"] = new Dictionary<string, object> { ["roles"] = realmRoles },
            ["site"] = sites,
            ["azp"] = "registry-client",
        }, audience, issuer, signedWith ?? _key);

    public static string Sign(Dictionary<string, object> claims, string audience, string issuer, SecurityKey key)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        object? body = request.RequestUri!.AbsoluteUri switch
        {
            $"{Authority}/.well-known/openid-configuration" => Discovery(),
            $"{Authority}/protocol/openid-connect/certs" => new { keys = new[] { JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId }) } },
            _ => null,
        };
        var response = body is null
            ? new HttpResponseMessage(HttpStatusCode.NotFound)
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(JsonSerializer.Serialize(body, Json), System.Text.Encoding.UTF8, "application/json") };
        return Task.FromResult(response);
    }

    private object Discovery()
    {
        MetadataRequests++;
        return new Dictionary<string, object>
        {
            ["issuer"] = Authority,
            ["jwks_uri"] = $"{Authority}/protocol/openid-connect/certs",
            ["authorization_endpoint"] = $"{Authority}/protocol/openid-connect/auth",
            ["token_endpoint"] = $"{Authority}/protocol/openid-connect/token",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        };
    }

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
}
