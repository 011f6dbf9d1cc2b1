namespace Registry.Api.Health;

/// <summary>
/// Where this node's start-up warm-up of the study views is (<see cref="Registry.Api.StudyViews.WarmingStudyViews"/>): a load
/// balancer that routes to a node only once <c>/health/ready</c> answers 200 sends no view to a node still reading its
/// sets (seconds at 100 000 patients), while <c>/health</c>, the liveness check, answers throughout.
/// </summary>
public sealed class StudyViewsWarmUp(bool warmOnStart)
{
    private volatile string? _pending = warmOnStart ? "waiting for the server to start" : null;

    /// <summary>What the warm-up is doing; null once it is done, failed (each view then reads its set itself) or is off.</summary>
    public string? Pending => _pending;

    public void Doing(string step) => _pending = step;

    public void Done() => _pending = null;
}
