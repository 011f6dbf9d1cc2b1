using System.Text.Json;
using Alba;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Limits;

/// <summary>The registry with a small view limit: a burst of 3 per user, one more per minute.</summary>
public sealed class SmallRateLimitApp : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"trial-registry-test-data-{Guid.NewGuid():N}");

    public IAlbaHost Host { get; private set; } = null!;
    public TokenIssuer Tokens { get; } = new(RegistryApp.SigningKey);

    public async Task InitializeAsync()
    {
        var connectionString = await TestCluster.NewDatabaseAsync();
        Host = await AlbaHost.For<Program>(builder =>
        {
            RegistryApp.UseTestSettings(builder, connectionString, _dataDirectory);
            builder.UseSetting("Registry:RateLimits:Burst", "3");
            builder.UseSetting("Registry:RateLimits:PerMinute", "1");
        });
    }

    public string Investigator(string user) => Tokens.Mint(user, [Roles.Investigator], [], TimeSpan.FromHours(1));

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }
}

/// <summary>
/// The expensive views are limited per user (Registry:RateLimits): past the burst a caller is answered 429 with a
/// problem body and Retry-After, while other users and the cheap routes are unaffected.
/// </summary>
public sealed class RateLimitTests(SmallRateLimitApp app) : IClassFixture<SmallRateLimitApp>
{
    private Task<IScenarioResult> GetAsync(string token, string url, int status) => app.Host.Scenario(s =>
    {
        s.WithBearerToken(token);
        s.Get.Url(url);
        s.StatusCodeShouldBe(status);
    });

    [Fact]
    public async Task Past_the_burst_a_caller_gets_429_with_Retry_After_and_others_are_served()
    {
        var alice = app.Investigator("alice");
        var study = Guid.NewGuid();
        // Any view counts, whatever its answer (here: no such study).
        foreach (var view in new[] { "survival", "comparisons", "plots/km.svg" })
            await GetAsync(alice, $"/api/studies/{study}/{view}", 404);

        var refused = await GetAsync(alice, $"/api/studies/{study}/subgroups", 429);
        var retryAfter = int.Parse(refused.Context.Response.Headers.RetryAfter.ToString());
        Assert.InRange(retryAfter, 1, 60);
        var problem = await refused.JsonAsync();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("Too many requests for study views; try again shortly.", problem.GetProperty("title").GetString());
        Assert.Contains("1 per minute (bursts of 3)", problem.GetProperty("detail").GetString());
        Console.WriteLine($"429 after a burst of 3: Retry-After {retryAfter} s");

        // Another investigator has a bucket of their own; the cheap routes are not limited.
        await GetAsync(app.Investigator("bob"), $"/api/studies/{study}/survival", 404);
        await GetAsync(alice, "/api/studies", 200);
        await GetAsync(alice, $"/api/studies/{study}", 404);
    }
}
