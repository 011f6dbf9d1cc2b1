using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Marten;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Projections.Outcomes;
using Registry.Projections.StudyViews;
using Wolverine.Http;

namespace Registry.Api.Studies;

public sealed record StudySummary(Guid Id, string Code, string Title, string Design, string TimeOrigin, int ProtocolVersion,
    IReadOnlyList<ProtocolArm> Arms, IReadOnlyList<string> Endpoints, string? PrimaryEndpoint, int ProjectionFaults)
{
    public static StudySummary From(Study s, int faults = 0) => new(s.Id, s.Code, s.Title, s.Protocol.Design, s.Protocol.TimeOrigin, s.ProtocolVersion,
        s.Protocol.Arms, s.Protocol.Endpoints, s.Protocol.PrimaryEndpoint, faults);
}

/// <summary>The protocol as it stood at a moment, with every version's number, time, author and reason.</summary>
public sealed record ProtocolView(Guid StudyId, int Version, DateTimeOffset RecordedAt, string? RecordedBy, string? Reason, Protocol Protocol,
    IReadOnlyList<ProtocolVersionSummary> Versions);

public sealed record ProtocolVersionSummary(int Version, DateTimeOffset RecordedAt, string? RecordedBy, string? Reason);

[Tags(ApiTags.Studies)]
public static class ListingStudiesEndpoint
{
    private const string AnyRole = $"{Roles.Admin},{Roles.Coordinator},{Roles.Investigator},{Roles.Auditor}";

    [WolverineGet("/api/studies")]
    [Authorize(Roles = AnyRole)]
    [EndpointName("listStudies"), EndpointSummary("List the registered studies")]
    public static async Task<IReadOnlyList<StudySummary>> List(IQuerySession session, CancellationToken ct) =>
        (await session.Query<Study>().OrderBy(s => s.Id).ToListAsync(ct)).OrderBy(s => s.Code).Select(s => StudySummary.From(s)).ToList();

    /// <summary>The study, with how many patients its outcome projection has set aside (see <c>projectionFaults</c> in /health).</summary>
    [WolverineGet("/api/studies/{studyId}")]
    [Authorize(Roles = AnyRole)]
    [EndpointName("getStudy"), EndpointSummary("Read a study: design, arms, endpoints, protocol version")]
    [ProducesResponseType<StudySummary>(200)]
    public static async Task<IResult> Get(Guid studyId, IQuerySession session, CancellationToken ct)
    {
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study) return Problems.NotFound($"No study {studyId} is registered.");
        var faults = await session.Query<ProjectionFault>().Where(f => f.StudyId == studyId).CountAsync(ct);
        return Results.Ok(StudySummary.From(study, faults));
    }

    [WolverineGet("/api/studies/{studyId}/protocol")]
    [Authorize(Roles = AnyRole)]
    [EndpointName("getProtocol"), EndpointSummary("Read the protocol as it stood at a moment, with every version's reason")]
    [ProducesResponseType<ProtocolView>(200)]
    public static async Task<IResult> GetProtocol(Guid studyId, string? asOf, IQuerySession session, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var moment = StudyViewLoader.ParseMoment(asOf, errors);
        if (errors.Count > 0) return RequestValidation.QueryProblem(errors);
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study) return Problems.NotFound($"No study {studyId} is registered.");
        if (study.RevisionAsOf(moment) is not { } revision) return Problems.NotFound($"Study {study.Code} was not yet registered at {moment:O}.");
        return Results.Ok(new ProtocolView(studyId, revision.Version, revision.RecordedAt, revision.RecordedBy, revision.Reason, revision.Protocol,
            study.Revisions.Where(r => r.Version <= revision.Version).Select(r => new ProtocolVersionSummary(r.Version, r.RecordedAt, r.RecordedBy, r.Reason)).ToList()));
    }

    /// <summary>
    /// The protocol in force, alone, as a file to edit and send back as an amendment: indented, fields that are not set
    /// left out, read back exactly as written.
    /// </summary>
    [WolverineGet("/api/studies/{studyId}/protocol.json")]
    [Authorize(Roles = AnyRole)]
    [EndpointName("downloadProtocol"), EndpointSummary("Download the protocol in force as a file to edit and amend")]
    [ProducesResponseType<Protocol>(200, "application/json")]
    public static async Task<IResult> GetProtocolFile(Guid studyId, IQuerySession session, IOptions<JsonOptions> json, CancellationToken ct)
    {
        if (await session.LoadAsync<Study>(studyId, ct) is not { } study) return Problems.NotFound($"No study {studyId} is registered.");
        var options = new JsonSerializerOptions(json.Value.SerializerOptions) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        return Results.File(JsonSerializer.SerializeToUtf8Bytes(study.Protocol, options), "application/json", $"{study.Code}-protocol-v{study.ProtocolVersion}.json");
    }

    /// <summary>The JSON Schema a protocol is written to (docs/protocol.md).</summary>
    [WolverineGet("/api/protocol-schema")]
    [AllowAnonymous]
    [EndpointName("getProtocolSchema"), EndpointSummary("Read the JSON Schema a protocol is written to")]
    [ProducesResponseType<JsonObject>(200, "application/schema+json")]
    public static IResult GetSchema() => Results.Text(ProtocolSchema.Json, "application/schema+json");
}
