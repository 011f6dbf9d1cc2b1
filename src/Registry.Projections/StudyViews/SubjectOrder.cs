using System.Runtime.InteropServices;
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

    /// <summary>
    /// The <paramref name="count"/> outcomes a set holds (<paramref name="outcomeOf"/> each patient's, null when not in
    /// it) in this order, every one of a patient of <paramref name="ordered"/>, which is in this order, but those
    /// <paramref name="added"/> (of patients it does not hold): each in its patient's place there while its subject code and
    /// id are the same (a record derived at a moment keeps them, unless the enrolment was corrected since), the others
    /// sorted on their own and merged in. One pass, no sort of every patient.
    /// </summary>
    public static List<PatientOutcome> Following(IReadOnlyList<PatientOutcome> ordered, Func<Guid, PatientOutcome?> outcomeOf, int count,
        IReadOnlyList<PatientOutcome>? added = null)
    {
        var inPlace = new List<PatientOutcome>(count);
        var moved = new List<PatientOutcome>(added ?? []);
        foreach (var there in ordered)
            if (outcomeOf(there.PatientId) is { } outcome)
                (ReferenceEquals(outcome, there) || Outcomes.Compare(outcome, there) == 0 ? inPlace : moved).Add(outcome);
        if (inPlace.Count + moved.Count != count)
            throw new InvalidOperationException($"{count - inPlace.Count - moved.Count} outcome(s) of the set are of patients the ordered list does not hold.");
        if (moved.Count == 0) return inPlace;
        moved.Sort(Outcomes);
        var merged = new List<PatientOutcome>(count);
        var (i, j) = (0, 0);
        while (i < inPlace.Count && j < moved.Count) merged.Add(Outcomes.Compare(inPlace[i], moved[j]) < 0 ? inPlace[i++] : moved[j++]);
        merged.AddRange(CollectionsMarshal.AsSpan(inPlace)[i..]);
        merged.AddRange(CollectionsMarshal.AsSpan(moved)[j..]);
        return merged;
    }
}
