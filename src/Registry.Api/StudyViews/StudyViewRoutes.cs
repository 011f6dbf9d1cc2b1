using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Registry.Api.Infrastructure;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;
using Wolverine.Http;

namespace Registry.Api.StudyViews;

/// <summary>
/// The investigator views: thin routes that parse the query, load the read side and call its pure query functions
/// (Registry.Projections/StudyViews). Each view follows the study's protocol: its endpoints, groupings, analysis plan.
/// </summary>
public static class StudyViewRoutes
{
    public const string Readers = $"{Auth.Roles.Investigator},{Auth.Roles.Auditor},{Auth.Roles.Admin}";

    [WolverineGet("/api/studies/{studyId}/survival")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    public static async Task<IResult> Survival(Guid studyId, string? endpoint, string? arms, string? asOf, string? dataCut, string? unit, string? landmarks,
        bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var (view, _, refusal) = await SurvivalAsync(studyId, endpoint, arms, asOf, dataCut, unit, landmarks, consistent, session, ct);
        return view is null ? refusal! : Results.Ok(view);
    }

    public static async Task<(SurvivalView? View, Study? Study, IResult? Refusal)> SurvivalAsync(Guid studyId, string? endpoint, string? arms, string? asOf,
        string? dataCut, string? unit, string? landmarks, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var (scope, refusal) = await LoadAsync(studyId, asOf, dataCut, consistent, session, ct);
        if (scope is null) return (null, null, refusal);
        var errors = new Dictionary<string, string[]>();
        var which = ViewQuery.TimeToEventEndpoint(endpoint, scope.Protocol, errors);
        var groups = ViewQuery.Groups(arms, scope.Protocol, errors);
        var inDays = ViewQuery.InDays(unit, scope.Protocol, errors);
        var marks = ViewQuery.Landmarks(landmarks, scope.Protocol, errors);
        if (errors.Count > 0) return (null, null, RequestValidation.QueryProblem(errors));
        return (SurvivalCurves.Compute(scope, which!, groups!, inDays, marks, ct), scope.Study, null);
    }

    /// <summary>One comparison (<c>arm</c> vs <c>reference</c>), or with no <c>arm</c> every comparison the analysis plan names.</summary>
    [WolverineGet("/api/studies/{studyId}/comparisons")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    public static async Task<IResult> Comparisons(Guid studyId, string? endpoint, string? arm, string? reference, string? strata, string? adjust,
        string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var (scope, refusal) = await LoadAsync(studyId, asOf, dataCut, consistent, session, ct);
        if (scope is null) return refusal!;
        var errors = new Dictionary<string, string[]>();
        var which = ViewQuery.TimeToEventEndpoint(endpoint, scope.Protocol, errors);
        var (strataVariable, adjustVariables) = HazardComparison.Covariates(strata, adjust, scope.Protocol, errors);
        var pairs = Pairs(arm, reference, scope.Protocol, errors);
        if (errors.Count > 0) return RequestValidation.QueryProblem(errors);

        var views = pairs!.Select(p => HazardComparison.Compute(scope.Outcomes, which!.Code, p.Arm, p.Reference, strataVariable, adjustVariables, scope.AsOf, scope.DataCut, ct)).ToList();
        return arm is null ? Results.Ok(new PlannedComparisonsView(which!.Code, views, scope.AsOf, scope.DataCut)) : Results.Ok(views[0]);
    }

    [WolverineGet("/api/studies/{studyId}/subgroups")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    public static async Task<IResult> Subgroups(Guid studyId, string? endpoint, string? arm, string? reference, string? asOf, string? dataCut, bool? consistent,
        IQuerySession session, CancellationToken ct)
    {
        var (view, _, refusal) = await SubgroupsAsync(studyId, endpoint, arm, reference, asOf, dataCut, consistent, session, ct);
        return view is null ? refusal! : Results.Ok(view);
    }

    public static async Task<(SubgroupsView? View, Study? Study, IResult? Refusal)> SubgroupsAsync(Guid studyId, string? endpoint, string? arm, string? reference,
        string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var (scope, refusal) = await LoadAsync(studyId, asOf, dataCut, consistent, session, ct);
        if (scope is null) return (null, null, refusal);
        var errors = new Dictionary<string, string[]>();
        var which = ViewQuery.TimeToEventEndpoint(endpoint, scope.Protocol, errors);
        var pair = Pairs(arm ?? "", reference, scope.Protocol, errors, arm is null)?.First();
        if (errors.Count > 0) return (null, null, RequestValidation.QueryProblem(errors));
        return (SubgroupForest.Compute(scope.Outcomes, scope.Protocol, which!.Code, pair!.Value.Arm, pair.Value.Reference, scope.AsOf, scope.DataCut, ct), scope.Study, null);
    }

    [WolverineGet("/api/studies/{studyId}/baseline")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    public static async Task<IResult> Baseline(Guid studyId, string? arms, string? asOf, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var (scope, refusal) = await LoadAsync(studyId, asOf, null, consistent, session, ct);
        if (scope is null) return refusal!;
        var errors = new Dictionary<string, string[]>();
        var groups = ViewQuery.Groups(arms, scope.Protocol, errors);
        return errors.Count > 0 ? RequestValidation.QueryProblem(errors) : Results.Ok(StudyTables.Baseline(scope, groups!, ct));
    }

    [WolverineGet("/api/studies/{studyId}/response")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    public static async Task<IResult> Response(Guid studyId, string? arms, string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var (scope, refusal) = await LoadAsync(studyId, asOf, dataCut, consistent, session, ct);
        if (scope is null) return refusal!;
        var errors = new Dictionary<string, string[]>();
        var groups = ViewQuery.Groups(arms, scope.Protocol, errors);
        return errors.Count > 0 ? RequestValidation.QueryProblem(errors) : Results.Ok(StudyTables.Response(scope, groups!, ct));
    }

    [WolverineGet("/api/studies/{studyId}/safety")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    public static async Task<IResult> Safety(Guid studyId, string? arms, string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var (scope, refusal) = await LoadAsync(studyId, asOf, dataCut, consistent, session, ct);
        if (scope is null) return refusal!;
        var errors = new Dictionary<string, string[]>();
        var groups = ViewQuery.Groups(arms, scope.Protocol, errors);
        return errors.Count > 0 ? RequestValidation.QueryProblem(errors) : Results.Ok(StudyTables.Safety(scope, groups!, ct));
    }

    [WolverineGet("/api/studies/{studyId}/maturity")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    public static async Task<IResult> Maturity(Guid studyId, string? endpoint, string? arm, string? reference, string? every,
        IQuerySession session, CancellationToken ct)
    {
        var (view, _, refusal) = await MaturityAsync(studyId, endpoint, arm, reference, every, session, ct);
        return view is null ? refusal! : Results.Ok(view);
    }

    public static async Task<(MaturityView? View, Study? Study, IResult? Refusal)> MaturityAsync(Guid studyId, string? endpoint, string? arm, string? reference,
        string? every, IQuerySession session, CancellationToken ct)
    {
        // Each cut derives its own outcomes from the charts, so only the study is loaded up front.
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study)
            return (null, null, Problems.NotFound($"No study {studyId} is registered."));
        var errors = new Dictionary<string, string[]>();
        var which = ViewQuery.TimeToEventEndpoint(endpoint, study.Protocol, errors);
        var step = MaturityTimeline.Step(every ?? "1m", errors);
        var pair = Pairs(arm ?? "", reference, study.Protocol, errors, arm is null)?.First();
        if (errors.Count > 0) return (null, null, RequestValidation.QueryProblem(errors));

        var charts = await session.Query<PatientChart>().Where(c => c.StudyId == studyId).ToListAsync(ct);
        if (MaturityTimeline.CountCuts(charts, step!.Value) > MaturityTimeline.MaximumCuts)
            return (null, null, RequestValidation.QueryProblem(new() { ["every"] = [$"every={every} makes more than {MaturityTimeline.MaximumCuts} data cuts over this study's span; choose a longer step."] }));
        var points = MaturityTimeline.Compute(charts, study, which!.Code, pair!.Value.Arm, pair.Value.Reference, step.Value, ct);
        return (new MaturityView(which.Code, pair.Value.Arm.Label, pair.Value.Reference.Label, every ?? "1m", points), study, null);
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
        var planned = protocol.Analysis?.Comparisons is { Count: > 0 } comparisons
            ? comparisons.Select(c => (c.Arm, c.Reference)).ToList()
            : protocol.Analysis?.Reference is { } r ? protocol.Arms.Where(a => a.Code != r).Select(a => (a.Code, r)).ToList()
            : protocol.Arms.Count == 2 ? [(protocol.Arms[1].Code, protocol.Arms[0].Code)] : [];
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

    private static async Task<(StudyViewScope? Scope, IResult? Refusal)> LoadAsync(Guid studyId, string? asOf, string? dataCut, bool? consistent,
        IQuerySession session, CancellationToken ct)
    {
        var (scope, refusal) = await StudyViewLoader.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope is not null ? (scope, null)
            : (null, refusal!.Errors is { } errors ? RequestValidation.QueryProblem(errors) : Problems.NotFound(refusal.NotFound!));
    }
}
