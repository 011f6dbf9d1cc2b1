using System.Collections.Concurrent;
using Marten;
using Registry.Domain.Studies;
using Registry.Projections.StudyViews;

namespace Registry.Api.StudyViews;

/// <summary>A maturity question as the routes' query and the dashboard's pickers give it (null: the view's default).</summary>
public sealed record MaturityQuestion(Guid StudyId, string? Endpoint, string? Arm, string? Reference, string? Every);

/// <summary>
/// Maturity answered apart from the request that asks. A study's first question reads every chart at every
/// cut (seconds at 100 000 patients; its other endpoints and arm pairs are then compared from what that pass kept, in
/// <see cref="StudyScopes"/>), so the dashboard waits for it only a while (<see cref="WaitSetting"/>), shows everything
/// else, and the answer is kept for the next load. A question being answered is computed once however many pages and
/// routes ask it meanwhile; another question of the same study waits for the study's pass rather than reading beside it.
/// </summary>
public sealed class MaturityRuns(IDocumentStore store, IHostApplicationLifetime lifetime, TimeSpan dashboardWait)
{
    /// <summary>How long the dashboard waits for maturity before answering without it (seconds; default 1).</summary>
    public const string WaitSetting = "Registry:Views:DashboardMaturityWaitSeconds";

    public static TimeSpan WaitFrom(IConfiguration configuration) => TimeSpan.FromSeconds(configuration.GetValue(WaitSetting, 1.0));

    private readonly ConcurrentDictionary<MaturityQuestion, Lazy<Task<(ViewAnswer<MaturityView> Answer, Study? Study)>>> _running = new();

    /// <summary>The answer, and the study asked about (null when none is registered), however long it takes.</summary>
    public Task<(ViewAnswer<MaturityView> Answer, Study? Study)> AnswerAsync(MaturityQuestion question, CancellationToken ct) =>
        Running(question).WaitAsync(ct);

    /// <summary>The answer if it is in within the dashboard's wait, else null while it goes on being computed.</summary>
    public async Task<ViewAnswer<MaturityView>?> WithinWaitAsync(MaturityQuestion question, CancellationToken ct)
    {
        var run = Running(question);
        if (!run.IsCompleted) await Task.WhenAny(run, Task.Delay(dashboardWait, ct));
        ct.ThrowIfCancellationRequested();
        return run.IsCompleted ? (await run).Answer : null;
    }

    private Task<(ViewAnswer<MaturityView> Answer, Study? Study)> Running(MaturityQuestion question) =>
        // On the thread pool: a page's renderer context would otherwise run the pass, and the page could not stop waiting.
        _running.GetOrAdd(question, q => new(() => Task.Run(() => ComputeAsync(q)))).Value;

    /// <summary>The question answered on a session of its own, until the registry stops rather than until the page that asked goes.</summary>
    private async Task<(ViewAnswer<MaturityView> Answer, Study? Study)> ComputeAsync(MaturityQuestion question)
    {
        try
        {
            await using var session = store.QuerySession();
            return await StudyViewQueries.MaturityAsync(question.StudyId, question.Endpoint, question.Arm, question.Reference, question.Every,
                session, lifetime.ApplicationStopping);
        }
        finally
        {
            _running.TryRemove(question, out _);
        }
    }
}
