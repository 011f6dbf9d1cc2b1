using System.Diagnostics;
using Marten;
using Registry.Api.Health;
using Registry.Api.Maintenance;
using Registry.Domain.Studies;
using Registry.Figures;
using Registry.Projections.Outcomes;
using Registry.Projections.StudyViews;

namespace Registry.Api.StudyViews;

/// <summary>
/// Gives PostgreSQL statistics for the tables a bulk load left without them (<see cref="TableStatistics"/>), writes
/// the compact entries of charts an earlier version stored without them (<see cref="CompactEntriesFill"/>), then
/// reads the studies' view sets into <see cref="StudyScopes"/> once the outcome projection has caught up after start,
/// so a study's first view does not pay for reading every patient (seconds at 100 000 patients), then answers each
/// such study's default maturity question (a pass over every chart), which the dashboard shows. In the background:
/// <c>/health</c> and every route answer meanwhile, a view asking for a set being read waits for that read rather
/// than starting its own, and <c>/health/ready</c> answers 503 until the sets and maturity are kept (<see cref="StudyViewsWarmUp"/>).
/// Off with <c>Registry:Views:WarmOnStart=false</c> (the tests, which count kept sets).
/// </summary>
public sealed class WarmingStudyViews(IDocumentStore store, StudyViewsWarmUp warmUp, MaturityRuns maturity, IHostApplicationLifetime lifetime,
    IConfiguration configuration, ILogger<WarmingStudyViews> logger)
    : BackgroundService
{
    public const string Setting = "Registry:Views:WarmOnStart";

    public static bool WarmsOnStart(IConfiguration configuration) => configuration.GetValue(Setting, true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!WarmsOnStart(configuration)) return;
        try
        {
            await StartedAsync(stoppingToken);
            var sinceStart = Stopwatch.StartNew();
            warmUp.Doing("analyzing the tables a bulk load left without statistics");
            var analyzed = await TableStatistics.AnalyzeStaleAsync(store, stoppingToken);
            if (analyzed.Count > 0)
                logger.LogInformation("Analyzed {Count} table(s) past autovacuum's threshold, e.g. after a bulk load, in {Seconds:0.0} s: {Tables}.",
                    analyzed.Count, sinceStart.Elapsed.TotalSeconds, string.Join(", ", analyzed));
            warmUp.Doing("writing the compact entries of charts stored without them");
            var filling = Stopwatch.StartNew();
            var filled = await CompactEntriesFill.FillAsync(store, n => warmUp.Doing($"writing the compact entries of charts stored without them: {n} written"), stoppingToken);
            if (filled > 0)
                logger.LogInformation("Wrote the compact entries of {Count} chart(s) stored without them (a database loaded by an earlier version) in {Seconds:0.0} s.",
                    filled, filling.Elapsed.TotalSeconds);
            warmUp.Doing("waiting for the outcome projection to catch up with the events stored at start");
            var catchingUp = Stopwatch.StartNew();
            await CaughtUpAsync(stoppingToken);
            var waited = catchingUp.Elapsed;
            warmUp.Doing("reading the studies' patients");
            var warmed = await WarmAsync(store, stoppingToken);
            var setsWarmed = sinceStart.Elapsed;
            var compared = warmed.ReadYourWrite.Where(s => s.Protocol.Arms.Count > 1).ToList();
            for (var i = 0; i < compared.Count; i++)
            {
                warmUp.Doing($"computing the comparison at each data cut (maturity) of {compared[i].Code}, study {i + 1} of {compared.Count}");
                await maturity.AnswerAsync(new MaturityQuestion(compared[i].Id, null, null, null, null), stoppingToken);
            }
            logger.LogInformation("Study views warmed: {Sets} set(s) of {Patients} patients kept {SetsSeconds:0.0} s after start ({Waited:0.0} s waiting for the outcome projection), the maturity of {Studies} study(ies) answered {Seconds:0.0} s after start ({MaturityMegabytes:0.0} MB of their cuts' patients kept).",
                warmed.Sets, warmed.Patients, setsWarmed.TotalSeconds, waited.TotalSeconds, compared.Count, sinceStart.Elapsed.TotalSeconds,
                StudyScopes.Of(store).MaturityBytesKept / 1048576.0);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Warming the study views failed; each view reads its study at its first request instead.");
        }
        finally
        {
            // Failed or stopped, the node still serves: each view then reads its set at its first request.
            warmUp.Done();
        }
    }

    /// <summary>
    /// Each study's current view, largest study first, while the sets fit in <see cref="StudyScopes.MaximumBytesKept"/>;
    /// then, room left, each study's read-your-write set (<c>consistent=true</c>, which the dashboard reads, and
    /// maturity's recording span); then the default answers of the views of every set kept, and their Kaplan–Meier and
    /// forest figures (SVG), so those first requests and the dashboard's first load answer from what is kept. A study
    /// that does not fit is left to its first request: reading it would only drop a set read before it.
    /// Returns the sets and patients kept then, and the studies whose read-your-write set is kept (maturity reads it).
    /// </summary>
    public static async Task<WarmedSets> WarmAsync(IDocumentStore store, CancellationToken ct)
    {
        var scopes = StudyScopes.Of(store);
        await using var session = store.QuerySession();
        var studies = new List<(Study Study, int Patients)>();
        foreach (var study in await session.Query<Study>().ToListAsync(ct))
            studies.Add((study, await session.Query<PatientOutcomeRow>().CountAsync(r => r.StudyId == study.Id, ct)));
        var largestFirst = studies.Where(s => s.Patients > 0).OrderByDescending(s => s.Patients).ThenBy(s => s.Study.Id).ToList();
        var room = scopes.MaximumBytesKept - (long)scopes.Kept.Patients * StudyScopes.BytesPerPatient;
        var kept = new List<StudyViewScope>();
        var readYourWrite = new List<Study>();
        foreach (var derived in new[] { false, true })
            foreach (var (study, patients) in largestFirst)
            {
                var bytes = (long)patients * StudyScopes.BytesPerPatient;
                if (bytes > room) continue;
                room -= bytes;
                kept.Add(derived ? await scopes.DerivedAsync(session, study, null, null, ct) : await scopes.CurrentAsync(session, study, ct));
                if (derived) readYourWrite.Add(study);
            }
        foreach (var scope in kept)
        {
            // Answers are kept beside their scope; a refusal (a single-arm study has no comparison) is simply not kept.
            if (StudyViewQueries.Survival(scope, null, null, null, null, ct).View is { } survival)
                StudyViewQueries.KaplanMeierFigure(survival, scope.Study.Code, false, PlotFormat.Svg, ct);
            StudyViewQueries.Comparisons(scope, null, null, null, null, null, ct);
            if (StudyViewQueries.Subgroups(scope, null, null, null, ct).View is { } subgroups)
                StudyViewQueries.ForestFigure(subgroups, scope.Study.Code, PlotFormat.Svg, ct);
            StudyViewQueries.Response(scope, null, ct);
            StudyViewQueries.Safety(scope, null, ct);
            StudyViewQueries.Baseline(scope, null, ct);
        }
        var (setsKept, patientsKept) = scopes.Kept;
        return new WarmedSets(setsKept, patientsKept, readYourWrite);
    }

    /// <summary>What <see cref="WarmAsync"/> kept: every set and patient held, and the studies whose read-your-write set is among them.</summary>
    public sealed record WarmedSets(int Sets, int Patients, IReadOnlyList<Study> ReadYourWrite);

    private async Task StartedAsync(CancellationToken ct)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = ct.Register(() => started.TrySetCanceled(ct));
        await started.Task;
    }

    /// <summary>Until the outcome rows reflect every event the store held at start (the live view reads them).</summary>
    private async Task CaughtUpAsync(CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        long? newest = null;
        while (true)
        {
            await using (var session = store.QuerySession())
            {
                newest ??= (await session.AdvancedSql.QueryAsync<long>($"select coalesce(max(seq_id), 0) from {schema}.mt_events", ct)).Single();
                var projected = (await session.AdvancedSql.QueryAsync<long>(
                    $"select coalesce(max(last_seq_id), 0) from {schema}.mt_event_progression where name = ?", ct, StudyScopes.OutcomeRowsProgression)).Single();
                if (projected >= newest) return;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }
}
