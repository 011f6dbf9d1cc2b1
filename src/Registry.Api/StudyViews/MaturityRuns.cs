using System.Collections.Concurrent;
using Marten;
using Registry.Projections.StudyViews;

namespace Registry.Api.StudyViews;

/// <summary>A maturity question as the dashboard's pickers give it (null: the view's default).</summary>
public sealed record MaturityQuestion(Guid StudyId, string? Endpoint, string? Arm, string? Reference, string? Every);

/// <summary>
/// Maturity answered apart from the page that asks. A question's first answer reads every chart at every cut (seconds
/// at 100 000 patients), so the dashboard waits for it only <see cref="DashboardWait"/>, shows everything else, and the
/// answer is kept by <see cref="StudyScopes"/> for the next load. A question being answered is computed once however
/// many pages ask it meanwhile: two passes over every chart side by side would only double the memory.
/// </summary>
public sealed class MaturityRuns(IDocumentStore store, IHostApplicationLifetime lifetime, TimeSpan dashboardWait)
{
    /// <summary>How long the dashboard waits for maturity before answering without it (seconds; default 1).</summary>
    public const string WaitSetting = "Registry:Views:DashboardMaturityWaitSeconds";

    public static TimeSpan WaitFrom(IConfiguration configuration) => TimeSpan.FromSeconds(configuration.GetValue(WaitSetting, 1.0));

    public TimeSpan DashboardWait => dashboardWait;

    private readonly ConcurrentDictionary<MaturityQuestion, Lazy<Task<ViewAnswer<MaturityView>>>> _running = new();

    /// <summary>The answer if it is in within <see cref="DashboardWait"/>, else null while it goes on being computed.</summary>
    public async Task<ViewAnswer<MaturityView>?> WithinWaitAsync(MaturityQuestion question, CancellationToken ct)
    {
        var run = _running.GetOrAdd(question, q => new Lazy<Task<ViewAnswer<MaturityView>>>(() => AnswerAsync(q))).Value;
        if (!run.IsCompleted) await Task.WhenAny(run, Task.Delay(dashboardWait, ct));
        ct.ThrowIfCancellationRequested();
        return run.IsCompleted ? await run : null;
    }

    /// <summary>The question answered on a session of its own, until the registry stops rather than until the page that asked goes.</summary>
    private async Task<ViewAnswer<MaturityView>> AnswerAsync(MaturityQuestion question)
    {
        try
        {
            // Off the asking page's thread, so its wait starts at once.
            await Task.Yield();
            await using var session = store.QuerySession();
            return (await StudyViewQueries.MaturityAsync(question.StudyId, question.Endpoint, question.Arm, question.Reference, question.Every,
                session, lifetime.ApplicationStopping)).Answer;
        }
        finally
        {
            _running.TryRemove(question, out _);
        }
    }
}
