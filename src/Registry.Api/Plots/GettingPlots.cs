using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Registry.Api.Infrastructure;
using Registry.Api.StudyViews;
using Registry.Figures;
using Registry.Projections.StudyViews;
using Wolverine.Http;

namespace Registry.Api.Plots;

/// <summary>
/// The investigator views drawn as figures, SVG or PNG by the route's extension. Each takes the query of the JSON
/// view it draws and refuses as that view does (400 with field errors, 404 for an unknown study).
/// </summary>
[Tags(ApiTags.Plots)]
public static class GettingPlotsEndpoint
{
    [WolverineGet("/api/studies/{studyId}/plots/km.svg")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("plotKaplanMeierSvg"), EndpointSummary("Kaplan–Meier curves by arm (SVG)")]
    [ProducesResponseType<string>(200, "image/svg+xml")]
    public static Task<IResult> KaplanMeierSvg(Guid studyId, string? endpoint, string? arms, bool? ci, string? asOf, string? dataCut, string? unit, string? landmarks, bool? consistent,
        IQuerySession session, CancellationToken ct) => KaplanMeier(PlotFormat.Svg, studyId, endpoint, arms, ci, asOf, dataCut, unit, landmarks, consistent, session, ct);

    [WolverineGet("/api/studies/{studyId}/plots/km.png")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("plotKaplanMeierPng"), EndpointSummary("Kaplan–Meier curves by arm (PNG)")]
    [ProducesResponseType<byte[]>(200, "image/png")]
    public static Task<IResult> KaplanMeierPng(Guid studyId, string? endpoint, string? arms, bool? ci, string? asOf, string? dataCut, string? unit, string? landmarks, bool? consistent,
        IQuerySession session, CancellationToken ct) => KaplanMeier(PlotFormat.Png, studyId, endpoint, arms, ci, asOf, dataCut, unit, landmarks, consistent, session, ct);

    [WolverineGet("/api/studies/{studyId}/plots/forest.svg")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("plotForestSvg"), EndpointSummary("Forest plot of hazard ratios by subgroup (SVG)")]
    [ProducesResponseType<string>(200, "image/svg+xml")]
    public static Task<IResult> ForestSvg(Guid studyId, string? endpoint, string? arm, string? reference, string? asOf, string? dataCut, bool? consistent,
        IQuerySession session, CancellationToken ct) => Forest(PlotFormat.Svg, studyId, endpoint, arm, reference, asOf, dataCut, consistent, session, ct);

    [WolverineGet("/api/studies/{studyId}/plots/forest.png")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("plotForestPng"), EndpointSummary("Forest plot of hazard ratios by subgroup (PNG)")]
    [ProducesResponseType<byte[]>(200, "image/png")]
    public static Task<IResult> ForestPng(Guid studyId, string? endpoint, string? arm, string? reference, string? asOf, string? dataCut, bool? consistent,
        IQuerySession session, CancellationToken ct) => Forest(PlotFormat.Png, studyId, endpoint, arm, reference, asOf, dataCut, consistent, session, ct);

    [WolverineGet("/api/studies/{studyId}/plots/maturity.svg")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("plotMaturitySvg"), EndpointSummary("Events and follow-up over data cuts (SVG)")]
    [ProducesResponseType<string>(200, "image/svg+xml")]
    public static Task<IResult> MaturitySvg(Guid studyId, string? endpoint, string? arm, string? reference, string? every,
        MaturityRuns runs, CancellationToken ct) => Maturity(PlotFormat.Svg, studyId, endpoint, arm, reference, every, runs, ct);

    [WolverineGet("/api/studies/{studyId}/plots/maturity.png")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("plotMaturityPng"), EndpointSummary("Events and follow-up over data cuts (PNG)")]
    [ProducesResponseType<byte[]>(200, "image/png")]
    public static Task<IResult> MaturityPng(Guid studyId, string? endpoint, string? arm, string? reference, string? every,
        MaturityRuns runs, CancellationToken ct) => Maturity(PlotFormat.Png, studyId, endpoint, arm, reference, every, runs, ct);

    private static async Task<IResult> KaplanMeier(PlotFormat format, Guid studyId, string? endpoint, string? arms, bool? ci, string? asOf, string? dataCut,
        string? unit, string? landmarks, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        if (scope.View is null) return scope.Refusal!.ToResult();
        var survival = StudyViewQueries.Survival(scope.View, endpoint, arms, unit, landmarks, ct);
        return survival.View is null ? survival.Refusal!.ToResult()
            : Image(StudyViewQueries.KaplanMeierFigure(survival.View, scope.View.Study.Code, ci == true, format, ct), format);
    }

    private static async Task<IResult> Forest(PlotFormat format, Guid studyId, string? endpoint, string? arm, string? reference, string? asOf, string? dataCut,
        bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var scope = await StudyViewQueries.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        if (scope.View is null) return scope.Refusal!.ToResult();
        var subgroups = StudyViewQueries.Subgroups(scope.View, endpoint, arm, reference, ct);
        return subgroups.View is null ? subgroups.Refusal!.ToResult()
            : Image(StudyViewQueries.ForestFigure(subgroups.View, scope.View.Study.Code, format, ct), format);
    }

    private static async Task<IResult> Maturity(PlotFormat format, Guid studyId, string? endpoint, string? arm, string? reference, string? every,
        MaturityRuns runs, CancellationToken ct)
    {
        var (maturity, study) = await runs.AnswerAsync(new MaturityQuestion(studyId, endpoint, arm, reference, every), ct);
        return maturity.View is null ? maturity.Refusal!.ToResult() : Image(StudyViewQueries.MaturityFigure(maturity.View, study!.Code, format, ct), format);
    }

    private static IResult Image(byte[] image, PlotFormat format) => Results.File(image, Figure.ContentType(format));
}
