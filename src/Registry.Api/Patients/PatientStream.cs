using System.Security.Claims;
using JasperFx;
using JasperFx.Events;
using Marten;
using Registry.Api.Audit;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Domain.Patients;

namespace Registry.Api.Patients;

/// <summary>The response to a recorded entry: the stream versions now holding it.</summary>
public sealed record Recorded(Guid PatientId, long FirstVersion, long Version);

/// <summary>
/// Reading and appending to one patient's stream. Every write goes through <see cref="RecordAsync"/>: load the
/// timeline, check the caller's site, decide on the domain rules, append at the exact next version.
/// </summary>
public static class PatientStream
{
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

        var events = entries(timeline);
        var decision = PatientDecisions.Decide(timeline, events);
        if (!decision.Accepted) return Problems.Conflict(decision.Violations);

        var version = timeline.Version + events.Count;
        var appended = session.Events.Append(patientId, version, events.ToArray());
        AuditChain.Seal(session, user.UserName(), ChainLink.Of(stored[^1]), appended.Events);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is ConcurrencyException or EventStreamUnexpectedMaxEventIdException)
        {
            return Problems.Conflict(["Another entry was recorded for this patient at the same moment; nothing was recorded. Reload and try again."]);
        }
        return Results.Created($"/api/patients/{patientId}/history", new Recorded(patientId, timeline.Version + 1, version));
    }

    private static IResult StaleVersion(long actual, long expected) => Problems.Conflict([
        $"The patient's record is at version {actual}, not the expected {expected}: an entry was recorded since you read it. Reload and try again."]);
}
