using Registry.Domain.Outcomes;

namespace Registry.Projections.StudyViews;

/// <summary>
/// The one order a study's patients reach a statistic in: subject code (ordinal), then patient id. Floating-point sums
/// depend on their order, so every path to the same patients — the kept sets, a set at a moment or data cut — adds up
/// in this one, whatever order the database returned the rows in; the datasets list patients in it too. (Maturity's
/// cuts need no order: they count their patients per day before anything is summed.)
/// </summary>
public static class SubjectOrder
{
    public static int Compare(string subjectCode, Guid patientId, string otherSubjectCode, Guid otherPatientId) =>
        StringComparer.Ordinal.Compare(subjectCode, otherSubjectCode) is var byCode and not 0 ? byCode : patientId.CompareTo(otherPatientId);

    public static readonly Comparer<PatientOutcome> Outcomes = Comparer<PatientOutcome>.Create((a, b) => Compare(a.SubjectCode, a.PatientId, b.SubjectCode, b.PatientId));
}
