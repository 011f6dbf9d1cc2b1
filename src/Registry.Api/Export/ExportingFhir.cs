using System.Text.Json.Nodes;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Registry.Api.Datasets;
using Registry.Api.Infrastructure;
using Registry.Api.StudyViews;
using Registry.Interop.Fhir;
using Registry.Projections.StudyViews;
using Wolverine.Http;

namespace Registry.Api.Export;

/// <summary>
/// The study as one FHIR R4 Bundle (<see cref="FhirStudyBundle"/>; docs/interop.md, "FHIR R4"), as the registry knew
/// it at <c>asOf</c>: the patients the analysis datasets read, for the same readers and under the same rate limit.
/// </summary>
[Tags(ApiTags.Exports)]
public static class ExportingFhirEndpoint
{
    public const string MediaType = "application/fhir+json";

    [WolverineGet("/api/studies/{studyId}/fhir.json")]
    [Authorize(Roles = StudyViewRoutes.Readers)]
    [EnableRateLimiting(RateLimits.Views)]
    [EndpointName("exportFhirBundle"), EndpointSummary("The study as a FHIR R4 Bundle: ResearchStudy, patients, subjects, responses, adverse events")]
    [EndpointDescription("A Bundle of type collection, as of `asOf` (now when left out); docs/interop.md, \"FHIR R4\", maps each resource and code.")]
    [ProducesResponseType<JsonObject>(200, MediaType)]
    public static async Task<IResult> Get(Guid studyId, string? asOf, IQuerySession session, CancellationToken ct)
    {
        var (source, refusal) = await AnalysisSources.LoadAsync(session, studyId, asOf, null, ct);
        if (source is null) return refusal!.ToResult();
        var bundle = FhirStudyBundle.Build(source, DateTimeOffset.UtcNow);
        return Results.Stream(body => FhirStudyBundle.WriteAsync(bundle, body, ct), MediaType, $"{source.StudyCode}-fhir.json");
    }
}
