using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Marten;
using Registry.Api.Infrastructure;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Figures;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

namespace Registry.Api.StudyViews;

/// <summary>A view answered, or why not: the query's field errors (a 400) or no such study (a 404).</summary>
public sealed record ViewAnswer<T>(T? View, ViewRefusal? Refusal) where T : class
{
    public static ViewAnswer<T> Answered(T view) => new(view, null);

    public static ViewAnswer<T> Refused(Dictionary<string, string[]> errors) => new(null, new ViewRefusal(errors, null));

    /// <summary>The route's answer: the view (or <paramref name="shape"/> of it) as JSON, else the refusal as a problem.</summary>
    public IResult ToResult(Func<T, object>? shape = null) => View is { } view ? Results.Ok(shape is null ? view : shape(view)) : Refusal!.ToResult();
}

/// <summary>
/// The investigator views as functions of a loaded study: what the JSON routes, their figures and CSV tables and the
/// dashboard page all call, so each question is parsed and answered one way. The scope is loaded once
/// (<see cref="StudyViewLoader"/>: <c>asOf</c>, <c>dataCut</c>, <c>consistent</c>) and any number of views read it.
/// </summary>
public static class StudyViewQueries
{
    public static async Task<ViewAnswer<StudyViewScope>> LoadAsync(IQuerySession session, Guid studyId, string? asOf, string? dataCut, bool? consistent,
        CancellationToken ct)
    {
        var (scope, refusal) = await StudyViewLoader.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return new ViewAnswer<StudyViewScope>(scope, refusal);
    }

    // Answers computed from a scope, kept while the scope is: the loader hands out the same scope until its patients or protocol change.
    private static readonly ConditionalWeakTable<StudyViewScope, ConcurrentDictionary<string, object>> Answers = new();

    /// <summary>At most this many answers are kept per scope (distinct parameters); beyond, answers are computed and not kept.</summary>
    public const int MaximumAnswersKept = 64;

    /// <summary>The answer kept for this scope and question, else <paramref name="answer"/> computed (and kept when answered).</summary>
    private static ViewAnswer<T> Kept<T>(StudyViewScope scope, string view, string?[] parameters, Func<ViewAnswer<T>> answer) where T : class
    {
        var answers = Answers.GetValue(scope, _ => new ConcurrentDictionary<string, object>());
        var key = $"{view}({string.Join(",", parameters.Select(p => p is null ? "-" : $"'{p}'"))})";
        if (answers.TryGetValue(key, out var kept)) return (ViewAnswer<T>)kept;
        var fresh = answer();
        if (fresh.View is not null && answers.Count < MaximumAnswersKept) answers.TryAdd(key, fresh);
        return fresh;
    }

    // Figures drawn of a kept answer, kept while it is (the answer's study code, and so the figure, cannot change under it).
    private static readonly ConditionalWeakTable<object, ConcurrentDictionary<string, byte[]>> Figures = new();

    /// <summary>The figure <paramref name="draw"/> makes of <paramref name="view"/>, drawn once per kept view and figure (format, options).</summary>
    private static byte[] Drawn(object view, string figure, Func<byte[]> draw)
    {
        var figures = Figures.GetValue(view, _ => new ConcurrentDictionary<string, byte[]>());
        if (figures.TryGetValue(figure, out var drawn)) return drawn;
        drawn = draw();
        if (figures.Count < MaximumAnswersKept) figures.TryAdd(figure, drawn);
        return drawn;
    }

    // The plot routes, the dashboard and the start's warm-up draw through these, so each figure of a kept view is drawn once.
    public static byte[] KaplanMeierFigure(SurvivalView view, string studyCode, bool ci, PlotFormat format, CancellationToken ct) =>
        Drawn(view, $"km {ci} {format}", () => KaplanMeierPlot.Draw(view, studyCode, ci, ct).Render(format, ct));

    public static byte[] ForestFigure(SubgroupsView view, string studyCode, PlotFormat format, CancellationToken ct) =>
        Drawn(view, $"forest {format}", () => ForestPlot.Draw(view, studyCode, ct).Render(format, ct));

    /// <summary>Drawn once per list of points: the scopes hand back the same list while no cut's point changed.</summary>
    public static byte[] MaturityFigure(MaturityView view, string studyCode, PlotFormat format, CancellationToken ct) =>
        Drawn(view.Cuts, $"maturity {view.Endpoint} {view.Arm} {view.Reference} {format}", () => MaturityPlot.Draw(view, studyCode, ct).Render(format, ct));

    public static ViewAnswer<SurvivalView> Survival(StudyViewScope scope, string? endpoint, string? arms, string? unit, string? landmarks, CancellationToken ct) =>
        Kept(scope, nameof(Survival), [endpoint, arms, unit, landmarks], () => ComputeSurvival(scope, endpoint, arms, unit, landmarks, ct));

    private static ViewAnswer<SurvivalView> ComputeSurvival(StudyViewScope scope, string? endpoint, string? arms, string? unit, string? landmarks, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var which = ViewQuery.TimeToEventEndpoint(endpoint, scope.Protocol, errors);
        var groups = ViewQuery.Groups(arms, scope.Protocol, errors);
        var inDays = ViewQuery.InDays(unit, scope.Protocol, errors);
        var marks = ViewQuery.Landmarks(landmarks, scope.Protocol, errors);
        if (errors.Count > 0) return ViewAnswer<SurvivalView>.Refused(errors);
        return ViewAnswer<SurvivalView>.Answered(SurvivalCurves.Compute(scope, which!, groups!, inDays, marks, ct));
    }

    /// <summary>One comparison (<c>arm</c> vs <c>reference</c>), or with no <c>arm</c> every comparison the analysis plan names.</summary>
    public static ViewAnswer<PlannedComparisonsView> Comparisons(StudyViewScope scope, string? endpoint, string? arm, string? reference, string? strata,
        string? adjust, CancellationToken ct) =>
        Kept(scope, nameof(Comparisons), [endpoint, arm, reference, strata, adjust], () => ComputeComparisons(scope, endpoint, arm, reference, strata, adjust, ct));

    private static ViewAnswer<PlannedComparisonsView> ComputeComparisons(StudyViewScope scope, string? endpoint, string? arm, string? reference, string? strata,
        string? adjust, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var which = ViewQuery.TimeToEventEndpoint(endpoint, scope.Protocol, errors);
        var (strataVariable, adjustVariables) = HazardComparison.Covariates(strata, adjust, scope.Protocol, errors);
        var pairs = Pairs(arm, reference, scope.Protocol, errors);
        if (errors.Count > 0) return ViewAnswer<PlannedComparisonsView>.Refused(errors);
        var patients = HazardComparison.EndpointPatients.Of(scope.Outcomes, which!.Code, adjustVariables, ct);
        var views = pairs!.Select(p => HazardComparison.Compute(patients, p.Arm, p.Reference, strataVariable, scope.AsOf, scope.DataCut, ct)).ToList();
        return ViewAnswer<PlannedComparisonsView>.Answered(new PlannedComparisonsView(which!.Code, views, scope.AsOf, scope.DataCut));
    }

    /// <summary>The forest plot's data for <c>arm</c> vs <c>reference</c>, or the plan's first comparison.</summary>
    public static ViewAnswer<SubgroupsView> Subgroups(StudyViewScope scope, string? endpoint, string? arm, string? reference, CancellationToken ct) =>
        Kept(scope, nameof(Subgroups), [endpoint, arm, reference], () => ComputeSubgroups(scope, endpoint, arm, reference, ct));

    private static ViewAnswer<SubgroupsView> ComputeSubgroups(StudyViewScope scope, string? endpoint, string? arm, string? reference, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var which = ViewQuery.TimeToEventEndpoint(endpoint, scope.Protocol, errors);
        var pair = Pairs(arm ?? "", reference, scope.Protocol, errors, arm is null)?.First();
        if (errors.Count > 0) return ViewAnswer<SubgroupsView>.Refused(errors);
        var (experimental, against) = pair!.Value;
        var key = $"{scope.Study.Id}/{scope.Study.ProtocolVersion}/{which!.Code}/{experimental.Label}/{against.Label}/{scope.AsOf:O}/{scope.DataCut:O}";
        var (view, kept) = SubgroupForest.Compute(scope.Outcomes, scope.Protocol, which.Code, experimental, against, scope.AsOf, scope.DataCut,
            Forests.Find(key), ct);
        Forests.Keep(key, kept);
        return ViewAnswer<SubgroupsView>.Answered(view);
    }

    // The forests computed last with their fits: the same forest after an entry fits again only what the entry changed.
    private static readonly RecentForests Forests = new();

    /// <summary>
    /// The last forests computed, by study, protocol version, endpoint, comparison, moment and cut: two, as a forest at
    /// 100 000 patients keeps ~3.6 MB (its subjects' times, events, arms, order and layout, and each one's group per variable).
    /// </summary>
    private sealed class RecentForests
    {
        private const int Kept = 2;
        private readonly List<(string Key, KeptForest Forest)> _recent = [];

        public KeptForest? Find(string key)
        {
            lock (_recent) return _recent.FirstOrDefault(r => r.Key == key).Forest;
        }

        public void Keep(string key, KeptForest forest)
        {
            lock (_recent)
            {
                _recent.RemoveAll(r => r.Key == key);
                _recent.Insert(0, (key, forest));
                if (_recent.Count > Kept) _recent.RemoveAt(Kept);
            }
        }
    }

    public static ViewAnswer<BaselineView> Baseline(StudyViewScope scope, string? arms, CancellationToken ct) =>
        Kept(scope, nameof(Baseline), [arms], () => Tables(scope, arms, groups => StudyTables.Baseline(scope, groups, ct)));

    public static ViewAnswer<ResponseView> Response(StudyViewScope scope, string? arms, CancellationToken ct) =>
        Kept(scope, nameof(Response), [arms], () => Tables(scope, arms, groups => StudyTables.Response(scope, groups, ct)));

    public static ViewAnswer<SafetyView> Safety(StudyViewScope scope, string? arms, CancellationToken ct) =>
        Kept(scope, nameof(Safety), [arms], () => Tables(scope, arms, groups => StudyTables.Safety(scope, groups, ct)));

    private static ViewAnswer<T> Tables<T>(StudyViewScope scope, string? arms, Func<IReadOnlyList<ArmGroup>, T> table) where T : class
    {
        var errors = new Dictionary<string, string[]>();
        var groups = ViewQuery.Groups(arms, scope.Protocol, errors);
        return errors.Count > 0 ? ViewAnswer<T>.Refused(errors) : ViewAnswer<T>.Answered(table(groups!));
    }

    /// <summary>
    /// The comparison at each successive data cut. It reads no scope: each cut derives its own outcomes from the
    /// charts, as the registry knew them at the end of that day (each cut's point kept until an entry recorded by then arrives).
    /// </summary>
    public static async Task<(ViewAnswer<MaturityView> Answer, Study? Study)> MaturityAsync(Guid studyId, string? endpoint, string? arm, string? reference,
        string? every, IQuerySession session, CancellationToken ct)
    {
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study)
            return (new ViewAnswer<MaturityView>(null, new ViewRefusal(null, $"No study {studyId} is registered.")), null);
        var errors = new Dictionary<string, string[]>();
        var which = ViewQuery.TimeToEventEndpoint(endpoint, study.Protocol, errors);
        var step = MaturityTimeline.Step(every ?? "1m", errors);
        var pair = Pairs(arm ?? "", reference, study.Protocol, errors, arm is null)?.First();
        if (errors.Count > 0) return (ViewAnswer<MaturityView>.Refused(errors), study);

        var points = await StudyScopes.Of(session.DocumentStore).MaturityAsync(session, study, which!.Code, pair!.Value.Arm, pair.Value.Reference, step!.Value, ct);
        if (points is null)
            return (ViewAnswer<MaturityView>.Refused(new() { ["every"] = [$"every={every} makes more than {MaturityTimeline.MaximumCuts} data cuts over this study's span; choose a longer step."] }), study);
        return (ViewAnswer<MaturityView>.Answered(new MaturityView(which.Code, pair.Value.Arm.Label, pair.Value.Reference.Label, every ?? "1m", points)), study);
    }

    /// <summary>
    /// The arm/reference pairs a comparison view answers: the one named, or (no arm) the plan's comparisons, else each
    /// arm against the plan's reference. A single-arm study has none.
    /// </summary>
    private static IReadOnlyList<(ArmGroup Arm, ArmGroup Reference)>? Pairs(string? arm, string? reference, Protocol protocol,
        Dictionary<string, string[]> errors, bool firstPlanned = false)
    {
        // A reference alone would be silently replaced by the plan's comparison: refuse it instead.
        if ((arm is null || firstPlanned) && reference is not null)
        {
            errors["arm"] = ["arm is required when reference is given; without both, the analysis plan's comparisons are answered."];
            return null;
        }
        if (arm is not null && !firstPlanned)
        {
            var experimental = ViewQuery.Group(arm, protocol, "arm", errors);
            var control = ViewQuery.Group(reference ?? protocol.Analysis?.Reference, protocol, "reference", errors);
            if (experimental is null || control is null) return null;
            if (experimental.Arms.Intersect(control.Arms).Any())
            {
                errors["reference"] = ["arm and reference must not share an arm."];
                return null;
            }
            return [(experimental, control)];
        }
        var planned = PlannedPairs(protocol);
        if (planned.Count == 0)
        {
            errors["arm"] = [protocol.Arms.Count < 2
                ? $"Study {protocol.Code} has one arm: there is nothing to compare."
                : "arm and reference are required: the study's analysis plan names no comparisons."];
            return null;
        }
        var pairs = new List<(ArmGroup, ArmGroup)>();
        foreach (var (a, b) in firstPlanned ? planned.Take(1) : planned)
        {
            if (ViewQuery.Group(a, protocol, "arm", errors) is not { } x || ViewQuery.Group(b, protocol, "reference", errors) is not { } y) return null;
            pairs.Add((x, y));
        }
        return pairs;
    }

    /// <summary>The comparisons a study answers when none is named: the plan's, else each arm against its reference, else the second arm against the first.</summary>
    public static IReadOnlyList<(string Arm, string Reference)> PlannedPairs(Protocol protocol) =>
        protocol.Analysis?.Comparisons is { Count: > 0 } comparisons
            ? comparisons.Select(c => (c.Arm, c.Reference)).ToList()
            : protocol.Analysis?.Reference is { } r ? protocol.Arms.Where(a => a.Code != r).Select(a => (a.Code, r)).ToList()
            : protocol.Arms.Count == 2 ? [(protocol.Arms[1].Code, protocol.Arms[0].Code)] : [];
}

public static class ViewRefusals
{
    /// <summary>A refused view as the routes answer it: field errors are a 400 naming each parameter, an unknown study a 404.</summary>
    public static IResult ToResult(this ViewRefusal refusal) =>
        refusal.Errors is { } errors ? RequestValidation.QueryProblem(errors) : Problems.NotFound(refusal.NotFound!);
}
