using Marten;
using Registry.Api.Patients;
using Registry.Domain.Patients;

namespace Registry.Api.Export;

/// <summary>Every patient of a study folded from its own stream, in enrolment order: what an export writes.</summary>
public static class StudyRecords
{
    public static async Task<IReadOnlyList<PatientTimeline>> LoadAsync(IQuerySession session, Guid studyId, CancellationToken ct)
    {
        var prefix = SubjectCodeClaim.Key(studyId, "");
        var ids = (await session.Query<SubjectCodeClaim>().Where(c => c.Id.StartsWith(prefix)).ToListAsync(ct)).Select(c => c.PatientId).ToArray();
        if (ids.Length == 0) return [];
        var events = await session.Events.QueryAllRawEvents().Where(e => ids.Contains(e.StreamId))
            .OrderBy(e => e.StreamId).ThenBy(e => e.Version).ToListAsync(ct);
        return events.GroupBy(e => e.StreamId)
            .Select(stream => (First: stream.First().Sequence, Timeline: PatientTimeline.From(stream.Key,
                stream.Select(e => new RecordedEvent(e.Version, e.Data, e.Timestamp, e.UserName)))))
            .Where(p => p.Timeline is not null)
            .OrderBy(p => p.First)
            .Select(p => p.Timeline!)
            .ToList();
    }
}
