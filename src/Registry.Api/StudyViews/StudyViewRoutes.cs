using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Registry.Api.Infrastructure;
using Registry.Projections.StudyViews;
using Wolverine.Http;

namespace Registry.Api.StudyViews;

/// <summary>
/// The investigator views: thin routes that load the study and answer with <see cref="StudyViewQueries"/>, the
/// functions the figures, CSV tables and dashboard page call too. Each view follows the study's protocol: its
/// endpoints, groupings, analysis plan.
/// </summary>
[Tags(ApiTags.StudyViews)]
public static class StudyViewRoutes
{
    public const string Readers = $"{Auth.Roles.Investigator},{Auth.Roles.Auditor},{Auth.Roles.Admin}";

    [WolverineGet("/api/studies/{studyId}/survival")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("getSurvival"), EndpointSummary("Kaplan–Meier survival by arm for an endpoint")]
    [ProducesResponseType<SurvivalView>(200)]
    public static async Task<IResult> Survival(Guid studyId, string? endpoint, string? arms, string? asOf, string? dataCut, string? unit, string? landmarks,
        bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult() : StudyViewQueries.Survival(scope.View, endpoint, arms, unit, landmarks, ct).ToResult();
    }

    /// <summary>One comparison (<c>arm</c> vs <c>reference</c>), or with no <c>arm</c> every comparison the analysis plan names.</summary>
    [WolverineGet("/api/studies/{studyId}/comparisons")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("getComparisons"), EndpointSummary("Hazard ratios and log-rank tests of the planned comparisons")]
    [ProducesResponseType<PlannedComparisonsView>(200), ProducesResponseType<ComparisonView>(200)]
    [EndpointDescription("With `arm` (and `reference`), the one comparison asked for; without, every comparison the analysis plan names.")]
    public static async Task<IResult> Comparisons(Guid studyId, string? endpoint, string? arm, string? reference, string? strata, string? adjust,
        string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult()
            : StudyViewQueries.Comparisons(scope.View, endpoint, arm, reference, strata, adjust, ct).ToResult(v => arm is null ? v : v.Comparisons[0]);
    }

    [WolverineGet("/api/studies/{studyId}/subgroups")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("getSubgroups"), EndpointSummary("Hazard ratios by subgroup, for a forest plot")]
    [ProducesResponseType<SubgroupsView>(200)]
    public static async Task<IResult> Subgroups(Guid studyId, string? endpoint, string? arm, string? reference, string? asOf, string? dataCut, bool? consistent,
        IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult() : StudyViewQueries.Subgroups(scope.View, endpoint, arm, reference, ct).ToResult();
    }

    [WolverineGet("/api/studies/{studyId}/baseline")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("getBaseline"), EndpointSummary("Table 1: baseline characteristics by arm")]
    [ProducesResponseType<BaselineView>(200)]
    public static async Task<IResult> Baseline(Guid studyId, string? arms, string? asOf, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, null, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult() : StudyViewQueries.Baseline(scope.View, arms, ct).ToResult();
    }

    [WolverineGet("/api/studies/{studyId}/response")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("getResponse"), EndpointSummary("Table 2: best overall response and response rates by arm")]
    [ProducesResponseType<ResponseView>(200)]
    public static async Task<IResult> Response(Guid studyId, string? arms, string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult() : StudyViewQueries.Response(scope.View, arms, ct).ToResult();
    }

    [WolverineGet("/api/studies/{studyId}/safety")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("getSafety"), EndpointSummary("Table 3: adverse events by term, grade and arm")]
    [ProducesResponseType<SafetyView>(200)]
    public static async Task<IResult> Safety(Guid studyId, string? arms, string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult() : StudyViewQueries.Safety(scope.View, arms, ct).ToResult();
    }

    [WolverineGet("/api/studies/{studyId}/maturity")]
    [Authorize(Roles = Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("getMaturity"), EndpointSummary("Events and follow-up at successive data cuts (maturity)")]
    [ProducesResponseType<MaturityView>(200)]
    public static async Task<IResult> Maturity(Guid studyId, string? endpoint, string? arm, string? reference, string? every,
        MaturityRuns runs, CancellationToken ct) =>
        (await runs.AnswerAsync(new MaturityQuestion(studyId, endpoint, arm, reference, every), ct)).Answer.ToResult();
}
