using System.Security.Claims;
using JasperFx.Events;
using Marten;
using Registry.Audit;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;

namespace Registry.Api.Patients;

/// <summary>The response to a recorded entry: the stream versions now holding it.</summary>
public sealed record Recorded(Guid PatientId, long FirstVersion, long Version);

/// <summary>
/// Reading and appending to one patient's stream. Every write goes through <see cref="RecordAsync"/>: load the
/// timeline and the study, check the caller's site, check each entry (or correction's replacement) against the
/// protocol, decide on the domain rules, append at the exact next version stamped with the protocol version in force.
/// </summary>
public static class PatientStream
{
    public const string ProtocolVersionHeader = "protocolVersion";

    public static async Task<(PatientTimeline? Timeline, IReadOnlyList<IEvent> Events)> LoadAsync(
        IQuerySession session, Guid patientId, DateTimeOffset? asOf, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(patientId, timestamp: asOf, token: ct);
        var timeline = PatientTimeline.From(patientId,
            events.Select(e => new RecordedEvent(e.Version, e.Data, e.Timestamp, e.UserName)));
        return (timeline, events);
    }

    public static async Task<IResult> RecordAsync(
        IDocumentSession session,
        ClaimsPrincipal user,
        Guid patientId,
        long? expectedVersion,
        Func<PatientTimeline, IReadOnlyList<object>> entries,
        CancellationToken ct)
    {
        var (timeline, stored) = await LoadAsync(session, patientId, null, ct);
        if (timeline is null) return Problems.NotFound($"No patient {patientId} is enrolled.");
        if (!user.HasSite(timeline.Enrolment.Site))
            return Problems.Forbidden($"Your token does not cover site '{timeline.Enrolment.Site}', where this patient is enrolled.");
        if (expectedVersion is { } expected && expected != timeline.Version)
            return StaleVersion(timeline.Version, expected);
        if (await session.LoadAsync<Study>(timeline.Enrolment.StudyId, ct) is not { } study)
            return Problems.Unprocessable($"The patient's study {timeline.Enrolment.StudyId} is not registered.");

        var events = entries(timeline);
        if (ProtocolRefusal(events, study.Protocol, user) is { } refusal) return refusal;
        var decision = PatientDecisions.Decide(timeline, events);
        if (!decision.Accepted) return Problems.Conflict(decision.Violations);

        var version = timeline.Version + events.Count;
        var appended = session.Events.Append(patientId, version, events.ToArray());
        StampProtocolVersion(appended.Events, study.ProtocolVersion);
        AuditChain.Seal(session, user.UserName(), ChainLink.Of(stored[^1]), appended.Events);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (WriteConflicts.IsConcurrentWrite(e))
        {
            return Problems.Conflict(["Another entry was recorded for this patient at the same moment; nothing was recorded. Reload and try again."]);
        }
        return Results.Created($"/api/patients/{patientId}/history", new Recorded(patientId, timeline.Version + 1, version));
    }

    /// <summary>
    /// The protocol's verdict on new entries, a correction's replacement exactly as the same entry recorded first:
    /// 403 for an enrolment at a site outside the caller's, 400 with field errors, 422 for what the study does not have
    /// or an unmet eligibility criterion; null when every entry passes.
    /// </summary>
    public static IResult? ProtocolRefusal(IEnumerable<object> events, Protocol protocol, ClaimsPrincipal user)
    {
        foreach (var e in events)
        {
            var (fact, prefix) = e switch
            {
                IPatientFact f => (f, ""),
                EntryCorrected c => (c.Replacement, "replacement."),
                _ => ((IPatientFact?)null, ""),
            };
            if (fact is null) continue;
            if (fact is PatientEnrolled enrolled && !user.HasSite(enrolled.Site))
                return Problems.Forbidden($"Your token does not cover site '{enrolled.Site}'.");
            var check = EntryChecks.Check(fact, protocol, prefix);
            if (check.FieldErrors.Count > 0) return RequestValidation.Problem(check.FieldErrors.ToDictionary(p => p.Key, p => p.Value.ToArray()));
            if (check.Unprocessable.Count > 0) return Problems.Unprocessable(check.Unprocessable);
        }
        return null;
    }

    /// <summary>Every entry records the protocol version in force when it was made.</summary>
    public static void StampProtocolVersion(IEnumerable<IEvent> events, int protocolVersion)
    {
        foreach (var e in events) e.SetHeader(ProtocolVersionHeader, protocolVersion);
    }

    private static IResult StaleVersion(long actual, long expected) => Problems.Conflict([
        $"The patient's record is at version {actual}, not the expected {expected}: an entry was recorded since you read it. Reload and try again."]);
}
