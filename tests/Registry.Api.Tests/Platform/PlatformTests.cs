using Alba;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Platform;

public sealed class PlatformTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task Health_checks_the_event_store()
    {
        var result = await app.Host.Scenario(s => s.Get.Url("/health"));
        Assert.Equal("Healthy", await result.ReadAsTextAsync());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_write_routes_and_has_an_interactive_page()
    {
        var document = await (await app.Host.Scenario(s => s.Get.Url("/openapi/v1.json"))).JsonAsync();
        var paths = document.GetProperty("paths");
        foreach (var route in new[] { "/api/studies", "/api/studies/{studyId}/amendments", "/api/studies/{studyId}/protocol", "/api/protocol-schema",
                     "/api/studies/{studyId}/patients", "/api/patients/{patientId}/randomizations", "/api/patients/{patientId}/progressions",
                     "/api/patients/{patientId}/relapses", "/api/patients/{patientId}/corrections", "/api/patients/{patientId}/history" })
            Assert.True(paths.TryGetProperty(route, out _), $"OpenAPI lacks {route}");

        await app.Host.Scenario(s => s.Get.Url("/scalar/v1"));
    }

    public static TheoryData<string, string> ForgedTokens()
    {
        var key = new SymmetricSecurityKey(RegistryApp.SigningKey);
        string Mint(string issuer, string audience, DateTime expires, SigningCredentials credentials) =>
            new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = issuer, Audience = audience, IssuedAt = expires.AddHours(-2), NotBefore = expires.AddHours(-2), Expires = expires,
                Claims = new Dictionary<string, object> { ["sub"] = "eve", ["role"] = "admin" },
                SigningCredentials = credentials,
            });
        var good = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        var later = DateTime.UtcNow.AddHours(1);
        return new TheoryData<string, string>
        {
            { "expired", Mint(TokenIssuer.Issuer, TokenIssuer.Audience, DateTime.UtcNow.AddMinutes(-5), good) },
            { "wrong issuer", Mint("someone-else", TokenIssuer.Audience, later, good) },
            { "wrong audience", Mint(TokenIssuer.Issuer, "another-api", later, good) },
            { "wrong key", Mint(TokenIssuer.Issuer, TokenIssuer.Audience, later,
                new SigningCredentials(new SymmetricSecurityKey(new byte[32]), SecurityAlgorithms.HmacSha256)) },
            { "HS512, not the registry's HS256", Mint(TokenIssuer.Issuer, TokenIssuer.Audience, later,
                new SigningCredentials(new SymmetricSecurityKey([.. RegistryApp.SigningKey, .. RegistryApp.SigningKey]), SecurityAlgorithms.HmacSha512)) },
            { "no expiry", new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
                { Issuer = TokenIssuer.Issuer, Audience = TokenIssuer.Audience, Claims = new Dictionary<string, object> { ["sub"] = "eve", ["role"] = "admin" }, SigningCredentials = good }) },
            { "unsigned", new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
                { Issuer = TokenIssuer.Issuer, Audience = TokenIssuer.Audience, Expires = later, Claims = new Dictionary<string, object> { ["sub"] = "eve", ["role"] = "admin" } }) },
        };
    }

    [Theory]
    [MemberData(nameof(ForgedTokens))]
    public async Task Tokens_the_registry_did_not_issue_are_unauthorised(string why, string token)
    {
        await app.RefusedAsync(401, s =>
        {
            s.WithBearerToken(token);
            // The body would register a study: only the token (forged: {why}) stops it.
            s.Post.Json(Scenarios.Protocol($"FORGED-{why.Length}")).ToUrl("/api/studies");
        });
    }
}
