using Marten;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Net.Http.Headers;
using Registry.Api.Infrastructure;
using Registry.Api.StudyViews;
using Registry.Interop.Datasets;
using Registry.Projections.StudyViews;
using Wolverine.Http;

namespace Registry.Api.Datasets;

/// <summary>
/// A study's CDISC ADaM-shaped analysis datasets (ADSL, ADTTE, ADRS, ADAE) as CSV or Dataset-JSON, and their data
/// definition, as of any moment and data cut: the patients, outcomes and refusals of the study views
/// (<see cref="StudyViewLoader.StreamPatientsAsync(IQuerySession, Guid, string?, string?, CancellationToken)"/>), for the views' readers and under their rate limit.
/// Each dataset and define.json is written once per store position and kept, deflated, beside the views' sets
/// (<see cref="AnalysisSources.DatasetAsync"/>); while events are above the committed position, it is written for the request only.
/// A client that accepts the <c>deflate</c> coding (browsers, curl <c>--compressed</c>, R's httr) is sent the kept bytes as they are.
/// </summary>
[Tags(ApiTags.AnalysisDatasets)]
public static class GettingDatasetsEndpoint
{
    private const string DeflateCoding =
        "Sent in the deflate coding (Content-Encoding: deflate, with its Content-Length) when Accept-Encoding allows it: a tenth to a thirtieth of the bytes.";

    private const string DatasetNotFound = "No study has this id, or there is no such dataset (adsl, adtte, adrs, adae).";

    [WolverineGet("/api/studies/{studyId}/datasets/{dataset}.csv")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportDatasetCsv"), EndpointSummary("An analysis dataset (ADSL, ADTTE, ADRS or ADAE) as CSV")]
    [EndpointDescription("A header row of the dataset's CDISC variable names, then one line per record. " + DeflateCoding)]
    [ProducesResponseType<string>(200, "text/csv")]
    [Refuses(404, DatasetNotFound)]
    public static async Task<IResult> Csv(Guid studyId, string dataset, string? asOf, string? dataCut, IQuerySession session, HttpContext http, CancellationToken ct)
    {
        if (AnalysisDatasets.FindShape(dataset) is not { } shapeOf) return Unknown(dataset);
        var (source, csv, refusal) = await AnalysisSources.DatasetAsync(session, studyId, shapeOf, json: false, asOf, dataCut, ct);
        if (source is null) return refusal!.ToResult();
        return Answer(http, source, csv!, "text/csv; charset=utf-8", "csv", ct);
    }

    [WolverineGet("/api/studies/{studyId}/datasets/{dataset}.json")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportDatasetJson"), EndpointSummary("An analysis dataset (ADSL, ADTTE, ADRS or ADAE) as CDISC Dataset-JSON 1.1")]
    [EndpointDescription("A CDISC Dataset-JSON 1.1 document: the dataset's columns, then its rows. " + DeflateCoding)]
    [ProducesResponseType<JsonObject>(200, "application/json")]
    [Refuses(404, DatasetNotFound)]
    public static async Task<IResult> Json(Guid studyId, string dataset, string? asOf, string? dataCut, IQuerySession session, HttpContext http, CancellationToken ct)
    {
        if (AnalysisDatasets.FindShape(dataset) is not { } shapeOf) return Unknown(dataset);
        var (source, written, refusal) = await AnalysisSources.DatasetAsync(session, studyId, shapeOf, json: true, asOf, dataCut, ct);
        if (source is null) return refusal!.ToResult();
        return Answer(http, source, written!, "application/json", "json", ct);
    }

    /// <summary>
    /// The dataset in the <c>deflate</c> coding when the request accepts it: the bytes kept, sent without inflating them
    /// (a tenth to a thirtieth of the file, with its length); else the file itself.
    /// </summary>
    private static IResult Answer(HttpContext http, AnalysisSource source, DeflatedDataset dataset, string contentType, string extension, CancellationToken ct)
    {
        var fileName = FileName(source, dataset.Shape.Name, extension);
        http.Response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (!AcceptsDeflate(http.Request))
            return Results.Stream(body => dataset.WriteAsync(source, DateTimeOffset.UtcNow, body, ct), contentType, fileName);
        var deflated = dataset.Deflated(source, DateTimeOffset.UtcNow);
        http.Response.Headers.ContentEncoding = "deflate";
        http.Response.ContentLength = deflated.Length;
        return Results.Stream(body => deflated.WriteAsync(body, ct), contentType, fileName);
    }

    /// <summary>Whether Accept-Encoding names <c>deflate</c>, or <c>*</c> without refusing deflate, with a quality above zero.</summary>
    private static bool AcceptsDeflate(HttpRequest request)
    {
        var codings = request.GetTypedHeaders().AcceptEncoding;
        var deflate = codings.FirstOrDefault(c => string.Equals(c.Value.Value, "deflate", StringComparison.OrdinalIgnoreCase))
            ?? codings.FirstOrDefault(c => c.Value == "*");
        return deflate is not null && (deflate.Quality ?? 1) > 0;
    }

    /// <summary>Every dataset's columns — name, label, type, length, keys, origin and code list — as the same query builds them.</summary>
    [WolverineGet("/api/studies/{studyId}/datasets/define.json")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("getDatasetDefinition"), EndpointSummary("The analysis datasets' definition: every column's label, type, origin and code list")]
    [ProducesResponseType<JsonObject>(200, "application/json")]
    public static async Task<IResult> Define(Guid studyId, string? asOf, string? dataCut, IQuerySession session, CancellationToken ct)
    {
        var (source, definition, refusal) = await AnalysisSources.DefinitionAsync(session, studyId, asOf, dataCut, ct);
        if (source is null) return refusal!.ToResult();
        return Results.Stream(body => body.WriteAsync(definition, ct).AsTask(), "application/json", $"{source.StudyCode}-define.json");
    }

    /// <summary>The file a dataset is saved as: <c>{study}-{dataset}.{csv|json}</c>, lower case as the routes name it.</summary>
    public static string FileName(AnalysisSource source, string dataset, string extension) => $"{source.StudyCode}-{dataset.ToLowerInvariant()}.{extension}";

    private static IResult Unknown(string dataset) =>
        Problems.NotFound($"There is no dataset '{dataset}'; the datasets are {string.Join(", ", AnalysisDatasets.Names)}, and define.json describes them.");
}
