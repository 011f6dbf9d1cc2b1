using Microsoft.Extensions.Diagnostics.HealthChecks;
using Registry.Api.StudyViews;

namespace Registry.Api.Health;

/// <summary>
/// Where this node's start-up warm-up of the study views is (<see cref="WarmingStudyViews"/>): a load balancer that
/// routes to a node only once <c>/health/ready</c> answers 200 sends no view to a node still reading its sets (seconds
/// at 100 000 patients), while <c>/health</c>, the liveness check, answers throughout.
/// </summary>
public sealed class StudyViewsWarmUp(bool warmOnStart)
{
    private volatile string? _pending = warmOnStart ? "waiting for the server to start" : null;

    /// <summary>What the warm-up is doing; null once it is done, failed (each view then reads its set itself) or is off.</summary>
    public string? Pending => _pending;

    public void Doing(string step) => _pending = step;

    public void Done() => _pending = null;
}

/// <summary>Ready when the study views are warmed; unhealthy (503 on <c>/health/ready</c>), saying what it waits for, until then.</summary>
public sealed class StudyViewsReadiness(StudyViewsWarmUp warmUp) : IHealthCheck
{
    public const string Tag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(warmUp.Pending is { } pending
            ? HealthCheckResult.Unhealthy($"warming the study views: {pending}.")
            : HealthCheckResult.Healthy("study views warmed"));
}
