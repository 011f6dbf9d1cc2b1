using System.CommandLine;
using System.Security.Claims;
using Alba;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Registry.Api.Auth;
using Registry.Api.Cli;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Access;

/// <summary>
/// Tokens signed with the registry's own key that still cannot be used — no user, no or an unknown role, a site that
/// is not a code — are refused with 401 before any route runs; and no 401 tells a caller why a token failed.
/// </summary>
public sealed class TokenTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    // No sub; empty and blank sub; no role; an unknown role, alone or beside a known one; an empty and a numeric site.
    public static TheoryData<Claim[]> UnusableTokens =>
    [
        [new("role", "admin")],
        [new("sub", ""), new("role", "admin")],
        [new("sub", "  "), new("role", "admin")],
        [new("sub", "alice")],
        [new("sub", "alice"), new("role", "superuser")],
        [new("sub", "alice"), new("role", "admin"), new("role", "root")],
        [new("sub", "alice"), new("role", "admin"), new("site", "")],
        [new("sub", "alice"), new("role", "admin"), new("site", "7", ClaimValueTypes.Integer)],
    ];

    [Theory]
    [MemberData(nameof(UnusableTokens))]
    public async Task A_signed_token_that_cannot_be_used_is_refused_with_401_and_nothing_is_recorded(Claim[] claims)
    {
        var result = await app.RefusedAsync(401, s =>
        {
            s.WithBearerToken(Signed(claims));
            s.Post.Json(Scenarios.Protocol()).ToUrl("/api/studies");
        });
        var body = await result.ReadAsTextAsync();
        foreach (var leak in new[] { "Exception", "sub", " at ", ".cs" }) Assert.DoesNotContain(leak, body, StringComparison.Ordinal);
        Assert.Equal("Bearer", result.Context.Response.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task A_token_with_sub_and_a_known_role_is_still_accepted()
    {
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(Signed([new("sub", "alice"), new("role", "admin"), new("site", "S1")]));
            s.Post.Json(Scenarios.Protocol()).ToUrl("/api/studies");
            s.StatusCodeShouldBe(201);
        });
    }

    [Fact]
    public async Task The_token_verb_mints_no_token_without_a_user()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await RegistryCli.RunAsync(["token", "--user", " ", "--role", Roles.Admin], new InvocationConfiguration { Output = output, Error = error });

        Assert.NotEqual(0, exitCode);
        Assert.DoesNotContain("eyJ", output.ToString());
        Assert.Contains("--user must name the user the token speaks for.", error.ToString());
    }

    public static TheoryData<string> RefusedTokens => new()
    {
        new TokenIssuer(new byte[32]).Mint("mallory", [Roles.Admin], [], TimeSpan.FromHours(1)),
        Signed([new("sub", "alice"), new("role", "admin")], expires: DateTime.UtcNow.AddHours(-2)),
        Signed([new("sub", "alice"), new("role", "admin")], audience: "someone-else"),
        "not-a-token",
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task A_refused_token_is_challenged_with_Bearer_alone_never_why_it_failed(string token)
    {
        var result = await app.RefusedAsync(401, s =>
        {
            s.WithBearerToken(token);
            s.Get.Url("/api/studies");
        });
        Assert.Equal("Bearer", result.Context.Response.Headers.WWWAuthenticate.ToString());
        Assert.DoesNotContain("error_description", await result.ReadAsTextAsync());
    }

    private static string Signed(Claim[] claims, DateTime? expires = null, string audience = TokenIssuer.Audience)
    {
        var expiry = expires ?? DateTime.UtcNow.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenIssuer.Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = expiry.AddHours(-3),
            NotBefore = expiry.AddHours(-3),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(RegistryApp.SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }
}
