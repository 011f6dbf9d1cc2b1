using Alba;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Api.Health;
using Registry.Api.StudyViews;
using Registry.Api.Tests.Infrastructure;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// <c>/health/ready</c> holds a balancer's traffic off a node until its study views are warmed; <c>/health</c>, the
/// liveness check, answers throughout. Its own host: the tests change the warm-up's state and count kept sets.
/// </summary>
public sealed class ReadinessTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task Ready_answers_503_saying_what_the_warm_up_waits_for_while_liveness_stays_healthy()
    {
        var warmUp = app.Host.Services.GetRequiredService<StudyViewsWarmUp>();
        // The test host turns the warm-up off: ready from the start.
        Assert.Null(warmUp.Pending);
        Assert.Equal("Healthy", await (await app.Host.Scenario(s => s.Get.Url("/health/ready"))).ReadAsTextAsync());
        try
        {
            warmUp.Doing("reading the studies' patients");
            var notReady = await app.Host.Scenario(s =>
            {
                s.Get.Url("/health/ready");
                s.StatusCodeShouldBe(503);
            });
            Assert.Equal("Unhealthy: warming the study views: reading the studies' patients.", await notReady.ReadAsTextAsync());
            Assert.Equal("Healthy", await (await app.Host.Scenario(s => s.Get.Url("/health"))).ReadAsTextAsync());
        }
        finally
        {
            warmUp.Done();
        }
        Assert.Equal("Healthy", await (await app.Host.Scenario(s => s.Get.Url("/health/ready"))).ReadAsTextAsync());
    }

    [Fact]
    public async Task A_node_is_ready_only_once_its_study_views_and_maturity_are_kept()
    {
        var studyId = await app.RegisteredStudyAsync();
        for (var i = 0; i < 3; i++)
        {
            var patient = await app.EnrolledPatientAsync(studyId);
            await app.RecordAsync(patient, "treatment-starts", new { startedOn = "2020-01-10" });
            await app.OutcomeRowAsync(patient, 2);
        }
        var scopes = StudyScopes.Of(app.Store);
        Assert.Equal((0, 0), scopes.Kept);
        var warmUp = new StudyViewsWarmUp(warmOnStart: true);
        var lifetime = new StartingLifetime();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [WarmingStudyViews.Setting] = "true" }).Build();
        var maturity = app.Host.Services.GetRequiredService<MaturityRuns>();
        using var warming = new WarmingStudyViews(app.Store, warmUp, maturity, lifetime, configuration, NullLogger<WarmingStudyViews>.Instance);

        await warming.StartAsync(CancellationToken.None);
        Assert.Equal("waiting for the server to start", warmUp.Pending);
        lifetime.Started();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (warmUp.Pending is { } pending)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Still not ready after 60 s: {pending}");
            await Task.Delay(20);
        }
        // Ready means kept: the study's current set and its read-your-write set, and the set at maturity's one cut
        // (today: the recording span is a day), which its point is derived from; its 3 patients in each.
        Assert.Equal((3, 9), scopes.Kept);
        // And its default maturity question answered: the first request derives no cut.
        var derived = scopes.MaturityCutsDerived;
        Assert.True(derived > 0, "The warm-up derived no maturity cut.");
        var answer = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{studyId}/maturity");
        });
        Assert.NotEqual(0, (await answer.JsonAsync()).GetProperty("cuts").GetArrayLength());
        Assert.Equal(derived, scopes.MaturityCutsDerived);
        await warming.StopAsync(CancellationToken.None);
    }

    private sealed class StartingLifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _started = new();

        public CancellationToken ApplicationStarted => _started.Token;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void Started() => _started.Cancel();

        public void StopApplication() { }
    }
}
