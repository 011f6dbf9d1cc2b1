using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Registry.Audit;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Patients;
using Registry.Projections.StudyViews;
using Wolverine.Http;

namespace Registry.Api.Patients;

/// <summary>One stored event; <c>protocolVersion</c> is the study protocol in force when it was recorded (absent before protocols).</summary>
public sealed record HistoryEvent(long Version, string Type, DateTimeOffset RecordedAt, string? RecordedBy, string? Reason, string? Hash, int? ProtocolVersion, object Data);

/// <summary>A correction or void recorded against an entry: who, when, why, and what a correction made it say.</summary>
public sealed record Amendment(long Version, string Action, DateTimeOffset RecordedAt, string? RecordedBy, string? Reason, IPatientFact? Replacement)
{
    public static Amendment From(HistoryEvent e) => new(e.Version, e.Data is EntryVoided ? "voided" : "corrected", e.RecordedAt, e.RecordedBy,
        e.Reason, (e.Data as EntryCorrected)?.Replacement);
}

/// <summary>One clinical entry for the audit view: as first recorded, as it now stands, and every amendment in between.</summary>
public sealed record EntryState(long Version, string Kind, DateOnly ClinicalDate, bool Voided, IReadOnlyList<long> AmendedBy, IPatientFact Current,
    IPatientFact Original, DateTimeOffset RecordedAt, string? RecordedBy, IReadOnlyList<Amendment> Amendments);

public sealed record DerivedState(
    PatientStatus Status,
    string? Arm,
    string Site,
    string SubjectCode,
    Guid StudyId,
    DateOnly EnrolledOn,
    DateOnly? RandomizedOn,
    DateOnly? TreatmentStartedOn,
    DateOnly? ProgressedOn,
    DateOnly? DiedOn,
    DateOnly LastKnownAliveOn,
    DateOnly? WithdrewOn,
    long Version,
    IReadOnlyList<EntryState> Entries)
{
    public static DerivedState From(PatientTimeline t, IReadOnlyList<HistoryEvent> events)
    {
        var byVersion = events.ToDictionary(e => e.Version);
        return new(t.Status, t.Arm, t.Enrolment.Site, t.Enrolment.SubjectCode,
            t.Enrolment.StudyId, t.Enrolment.EnrolledOn, t.Randomization?.RandomizedOn, t.TreatmentStartedOn, t.ProgressedOn, t.DiedOn, t.LastContactOn, t.WithdrewOn,
            t.Version,
            t.Entries.Select(e => new EntryState(e.Version, PatientRules.Describe(e.Current), e.Current.ClinicalDate, e.Voided, e.AmendedBy, e.Current,
                e.Original, e.RecordedAt, e.RecordedBy, e.AmendedBy.Select(v => Amendment.From(byVersion[v])).ToList())).ToList());
    }
}

public sealed record PatientHistory(Guid PatientId, DateTimeOffset? AsOf, IReadOnlyList<HistoryEvent> Events, DerivedState State);

[Tags(ApiTags.Patients)]
public static class GettingHistoryEndpoint
{
    /// <summary>
    /// The patient's events in order with who recorded them, when and why; with <c>asOf</c>, exactly what the
    /// registry held at that moment (later entries and later corrections are absent).
    /// </summary>
    [WolverineGet("/api/patients/{patientId}/history")]
    [Authorize(Roles = $"{Roles.Auditor},{Roles.Coordinator}")]
    [EndpointName("getPatientHistory"), EndpointSummary("Read a patient's recorded history, as of any moment")]
    [ProducesResponseType<PatientHistory>(200)]
    public static async Task<IResult> Get(Guid patientId, string? asOf, IQuerySession session, ClaimsPrincipal user, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var moment = StudyViewLoader.ParseMoment(asOf, errors);
        if (errors.Count > 0) return RequestValidation.QueryProblem(errors);

        if (await ReadAsync(session, patientId, moment, ct) is not { } history)
            return Problems.NotFound(moment is null
                ? $"No patient {patientId} is enrolled."
                : $"No patient {patientId} was enrolled as of {moment:O}.");
        if (!user.IsInRole(Roles.Auditor) && !user.HasSite(history.State.Site))
            return Problems.Forbidden($"Your token does not cover site '{history.State.Site}', where this patient is enrolled.");
        return Results.Ok(history);
    }

    /// <summary>The patient's history as of <paramref name="asOf"/> (now when null), as the route and the pages show it; null when not enrolled then.</summary>
    public static async Task<PatientHistory?> ReadAsync(IQuerySession session, Guid patientId, DateTimeOffset? asOf, CancellationToken ct)
    {
        var (timeline, events) = await PatientStream.LoadAsync(session, patientId, asOf, ct);
        if (timeline is null) return null;
        var history = events.Select(e => new HistoryEvent(e.Version, e.EventTypeName, e.Timestamp, e.UserName,
            AuditChain.ReasonOf(e.Data), ChainLink.Of(e).Hash, ProtocolVersionOf(e), e.Data)).ToList();
        return new PatientHistory(patientId, asOf, history, DerivedState.From(timeline, history));
    }

    private static int? ProtocolVersionOf(JasperFx.Events.IEvent e) =>
        e.GetHeader(PatientStream.ProtocolVersionHeader) is { } v && int.TryParse(v.ToString(), out var version) ? version : null;
}
