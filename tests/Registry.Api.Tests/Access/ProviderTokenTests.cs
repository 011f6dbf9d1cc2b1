using System.Security.Cryptography;
using Alba;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Access;

/// <summary>The registry configured as docs/authentication.md says for Keycloak, with the provider faked in process.</summary>
public sealed class ProviderApp : RegistryApp
{
    public FakeOpenIdProvider Provider { get; } = new();

    protected override void ConfigureHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Auth:Oidc:Authority", FakeOpenIdProvider.Authority);
        builder.UseSetting("Auth:Oidc:Audience", "trial-registry");
        builder.UseSetting("Auth:Oidc:UserClaim", "preferred_username");
        builder.UseSetting("Auth:Oidc:RoleClaim", "realm_access.roles");
        builder.UseSetting("Auth:Oidc:SiteClaim", "site");
        // The back channel (discovery and keys) reaches the fake instead of the network.
        builder.ConfigureServices(services => services.Configure<JwtBearerOptions>(SignInSchemes.Provider, o => o.BackchannelHttpHandler = Provider));
    }
}

public sealed class ProviderTokenTests(ProviderApp app) : IClassFixture<ProviderApp>
{
    [Fact]
    public async Task A_provider_token_with_the_coordinator_role_records_an_entry_as_that_user()
    {
        var studyId = await app.RegisteredStudyAsync();
        var token = app.Provider.Token("kc-alice", ["offline_access", "default-roles-trial", Roles.Coordinator], ["S1"]);

        var enrolled = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(token);
            s.Post.Json(new Dictionary<string, object?>
            {
                ["subjectCode"] = $"KC-{Guid.NewGuid():N}"[..10], ["arm"] = "ITC", ["site"] = "S1", ["enrolledOn"] = "2020-01-05", ["baseline"] = Scenarios.Baseline(),
            }).ToUrl($"/api/studies/{studyId}/patients");
            s.StatusCodeShouldBe(201);
        });

        var patientId = (await enrolled.JsonAsync()).GetProperty("id").GetGuid();
        var history = await app.HistoryAsync(patientId);
        Assert.Equal("kc-alice", history.GetProperty("events")[0].GetProperty("recordedBy").GetString());
        Assert.True(app.Provider.MetadataRequests > 0);
    }

    [Fact]
    public async Task The_provider_roles_and_sites_bound_what_its_token_may_do()
    {
        var studyId = await app.RegisteredStudyAsync();
        var otherSite = app.Provider.Token("kc-bob", [Roles.Coordinator], ["S2"]);
        await app.RefusedAsync(403, s =>
        {
            s.WithBearerToken(otherSite);
            s.Post.Json(new Dictionary<string, object?>
            {
                ["subjectCode"] = "KC-S1", ["arm"] = "ITC", ["site"] = "S1", ["enrolledOn"] = "2020-01-05", ["baseline"] = Scenarios.Baseline(),
            }).ToUrl($"/api/studies/{studyId}/patients");
        });
        var investigator = app.Provider.Token("kc-carol", [Roles.Investigator], []);
        await app.Host.Scenario(s => { s.WithBearerToken(investigator); s.Get.Url($"/api/studies/{studyId}"); s.StatusCodeShouldBe(200); });
        await app.RefusedAsync(403, s => { s.WithBearerToken(investigator); s.Post.Json(Scenarios.Protocol()).ToUrl("/api/studies"); });
    }

    [Theory]
    [InlineData("an issuer the registry does not trust")]
    [InlineData("the provider's issuer but another key")]
    [InlineData("another audience")]
    [InlineData("no role the registry has")]
    [InlineData("no user name")]
    public async Task A_token_the_provider_did_not_sign_for_the_registry_or_that_names_no_registry_user_and_role_is_401(string why)
    {
        // A stranger's key that even reuses the provider's key id.
        var stranger = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "realm-key-1" };
        var token = why switch
        {
            "an issuer the registry does not trust" => FakeOpenIdProvider.Sign(new()
            {
                ["preferred_username"] = "mallory", ["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { Roles.Admin } },
            }, "trial-registry", "https://evil.test/realms/trial", stranger),
            "the provider's issuer but another key" => app.Provider.Token("mallory", [Roles.Admin], [], signedWith: stranger),
            "another audience" => app.Provider.Token("alice", [Roles.Admin], [], audience: "account"),
            "no role the registry has" => app.Provider.Token("alice", ["offline_access", "uma_authorization"], []),
            _ => app.Provider.Token(" ", [Roles.Admin], []),
        };
        var mark = await app.EventStoreMarkAsync();

        var result = await app.RefusedAsync(401, s =>
        {
            s.WithBearerToken(token);
            s.Post.Json(Scenarios.Protocol()).ToUrl("/api/studies");
        });

        Assert.Equal("Bearer", result.Context.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal(mark, await app.EventStoreMarkAsync());
    }

    [Fact]
    public async Task The_registry_own_tokens_still_work_beside_the_provider()
    {
        await app.Host.Scenario(s => { s.WithBearerToken(app.Admin); s.Get.Url("/api/studies"); s.StatusCodeShouldBe(200); });
    }
}
