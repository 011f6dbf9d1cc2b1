using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Registry.Api.Infrastructure;
using Registry.Projections.StudyViews;
using Wolverine.Http;

namespace Registry.Api.StudyViews;

/// <summary>
/// Each investigator view as a CSV table (<see cref="StudyViewCsv"/>), for a spreadsheet or a statistician: the same
/// query as its JSON route, refused the same way (400 naming the parameter, 404 for an unknown study).
/// </summary>
[Tags(ApiTags.StudyViews)]
public static class GettingViewTablesEndpoint
{
    [WolverineGet("/api/studies/{studyId}/survival.csv")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportSurvivalCsv"), EndpointSummary("Kaplan–Meier survival by arm, as CSV")]
    [ProducesResponseType<string>(200, "text/csv")]
    public static async Task<IResult> Survival(Guid studyId, string? endpoint, string? arms, string? asOf, string? dataCut, string? unit, string? landmarks,
        bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult()
            : Csv(StudyViewQueries.Survival(scope.View, endpoint, arms, unit, landmarks, ct), scope.View, "survival", StudyViewCsv.SurvivalAsync, ct);
    }

    [WolverineGet("/api/studies/{studyId}/comparisons.csv")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportComparisonsCsv"), EndpointSummary("Planned comparisons, as CSV")]
    [ProducesResponseType<string>(200, "text/csv")]
    public static async Task<IResult> Comparisons(Guid studyId, string? endpoint, string? arm, string? reference, string? strata, string? adjust,
        string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult()
            : Csv(StudyViewQueries.Comparisons(scope.View, endpoint, arm, reference, strata, adjust, ct), scope.View, "comparisons", StudyViewCsv.ComparisonsAsync, ct);
    }

    [WolverineGet("/api/studies/{studyId}/subgroups.csv")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportSubgroupsCsv"), EndpointSummary("Hazard ratios by subgroup, as CSV")]
    [ProducesResponseType<string>(200, "text/csv")]
    public static async Task<IResult> Subgroups(Guid studyId, string? endpoint, string? arm, string? reference, string? asOf, string? dataCut, bool? consistent,
        IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult()
            : Csv(StudyViewQueries.Subgroups(scope.View, endpoint, arm, reference, ct), scope.View, "subgroups", StudyViewCsv.SubgroupsAsync, ct);
    }

    [WolverineGet("/api/studies/{studyId}/baseline.csv")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportBaselineCsv"), EndpointSummary("Table 1 (baseline characteristics), as CSV")]
    [ProducesResponseType<string>(200, "text/csv")]
    public static async Task<IResult> Baseline(Guid studyId, string? arms, string? asOf, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, null, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult() : Csv(StudyViewQueries.Baseline(scope.View, arms, ct), scope.View, "baseline", StudyViewCsv.BaselineAsync, ct);
    }

    [WolverineGet("/api/studies/{studyId}/response.csv")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportResponseCsv"), EndpointSummary("Table 2 (response), as CSV")]
    [ProducesResponseType<string>(200, "text/csv")]
    public static async Task<IResult> Response(Guid studyId, string? arms, string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult() : Csv(StudyViewQueries.Response(scope.View, arms, ct), scope.View, "response", StudyViewCsv.ResponseAsync, ct);
    }

    [WolverineGet("/api/studies/{studyId}/safety.csv")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportSafetyCsv"), EndpointSummary("Table 3 (adverse events), as CSV")]
    [ProducesResponseType<string>(200, "text/csv")]
    public static async Task<IResult> Safety(Guid studyId, string? arms, string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope.View is null ? scope.Refusal!.ToResult() : Csv(StudyViewQueries.Safety(scope.View, arms, ct), scope.View, "safety", StudyViewCsv.SafetyAsync, ct);
    }

    [WolverineGet("/api/studies/{studyId}/maturity.csv")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportMaturityCsv"), EndpointSummary("Maturity at successive data cuts, as CSV")]
    [ProducesResponseType<string>(200, "text/csv")]
    public static async Task<IResult> Maturity(Guid studyId, string? endpoint, string? arm, string? reference, string? every,
        MaturityRuns runs, CancellationToken ct)
    {
        var (maturity, study) = await runs.AnswerAsync(new MaturityQuestion(studyId, endpoint, arm, reference, every), ct);
        return maturity.View is not { } view ? maturity.Refusal!.ToResult()
            : Results.Stream(body => StudyViewCsv.MaturityAsync(view, body, ct), CsvType, $"{study!.Code}-maturity.csv");
    }

    private const string CsvType = "text/csv; charset=utf-8";

    private static IResult Csv<T>(ViewAnswer<T> answer, StudyViewScope scope, string table, Func<T, Stream, CancellationToken, Task> write,
        CancellationToken ct) where T : class =>
        answer.View is not { } view ? answer.Refusal!.ToResult()
            : Results.Stream(body => write(view, body, ct), CsvType, $"{scope.Study.Code}-{table}.csv");
}
