using System.Runtime.CompilerServices;
using Marten;
using Registry.Domain.Patients;
using Registry.Domain.Studies;

namespace Registry.Audit;

/// <summary>
/// Which rows of a study's audit trail to export: one patient (by id or subject code), the rows recorded while the
/// patient was at one site, and a recorded-at window <c>[From, To)</c>. A patient or site filter leaves out the
/// study's own rows.
/// </summary>
public sealed record AuditTrailFilter(
    Guid? PatientId = null, string? SubjectCode = null, string? Site = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public static readonly AuditTrailFilter None = new();

    public bool PatientsOnly => PatientId is not null || SubjectCode is not null || Site is not null;

    public bool IsNone => this == None;

    internal bool Admits(string? site, DateTimeOffset recordedAt) =>
        (Site is null || site == Site) && (From is null || recordedAt >= From) && (To is null || recordedAt < To);
}

/// <summary>One exported event with whom it concerns: the study's code, and on a patient's row its subject code and site.</summary>
public sealed record AuditTrailRow(StoredEvent Event, string StudyCode, string? SubjectCode, string? Site);

public static class AuditTrailRows
{
    /// <summary>
    /// The study's rows in export order, filtered. A patient's site is the one in force when the row was recorded:
    /// its enrolment's, until a correction of the enrolment moves it (that correction itself still shows the old site).
    /// </summary>
    public static async IAsyncEnumerable<AuditTrailRow> ReadAsync(IDocumentStore store, Study study, AuditTrailFilter filter,
        [EnumeratorCancellation] CancellationToken ct)
    {
        Guid? stream = null;
        string? subjectCode = null, site = null;
        await foreach (var e in AuditLog.ReadAsync(store, study.Id, filter, ct))
        {
            if (e.StreamId != stream) (stream, subjectCode, site) = (e.StreamId, null, null);
            if (e.Data is PatientEnrolled enrolled) (subjectCode, site) = (enrolled.SubjectCode, enrolled.Site);
            var isStudyRow = e.StreamId == study.Id;
            if (filter.Admits(isStudyRow ? null : site, e.RecordedAt) && !(isStudyRow && filter.PatientsOnly))
                yield return new AuditTrailRow(e, study.Code, isStudyRow ? null : subjectCode, isStudyRow ? null : site);
            if (e.Data is EntryCorrected { Replacement: PatientEnrolled moved }) site = moved.Site;
        }
    }
}
