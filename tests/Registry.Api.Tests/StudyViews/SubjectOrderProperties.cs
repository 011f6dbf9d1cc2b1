using FsCheck.Xunit;
using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// A set at a moment is ordered by following the whole records' set (<see cref="SubjectOrder.Following"/>) rather than
/// sorted: for any patients (subject codes that tie, so the id decides) and any set taken from them — patients left out,
/// outcomes shared, derived again under the same subject code, or under another (an enrolment corrected since) — the
/// order is the one a sort of the set gives.
/// </summary>
public sealed class SubjectOrderProperties
{
    [Property(MaxTest = 500)]
    public void A_set_following_the_ordered_patients_is_in_the_order_a_sort_gives(byte[] codes, byte[] fates, byte[] otherCodes)
    {
        var patients = codes.Select((code, i) => Outcome(new Guid(i, 0, 0, new byte[8]), $"S{code % 7}")).Order(SubjectOrder.Outcomes).ToList();
        var set = new Dictionary<Guid, PatientOutcome>();
        for (var i = 0; i < patients.Count; i++)
        {
            var patient = patients[i];
            switch (fates.Length == 0 ? 1 : fates[i % fates.Length] % 4)
            {
                case 1: set[patient.PatientId] = patient; break;
                case 2: set[patient.PatientId] = patient with { Site = "derived again" }; break;
                case 3: set[patient.PatientId] = patient with { SubjectCode = $"S{(otherCodes.Length == 0 ? i : otherCodes[i % otherCodes.Length]) % 9}" }; break;
            }
        }

        var ordered = SubjectOrder.Following(patients, id => set.GetValueOrDefault(id), set.Count);

        Assert.Equal(set.Values.Order(SubjectOrder.Outcomes), ordered, ReferenceEqualityComparer.Instance);
    }

    [Fact]
    public void An_outcome_of_a_patient_the_ordered_list_does_not_hold_is_refused()
    {
        var (held, other) = (Outcome(Guid.NewGuid(), "S1"), Outcome(Guid.NewGuid(), "S2"));
        var set = new Dictionary<Guid, PatientOutcome> { [held.PatientId] = held, [other.PatientId] = other };

        Assert.Throws<InvalidOperationException>(() => SubjectOrder.Following([held], id => set.GetValueOrDefault(id), set.Count));
    }

    private static PatientOutcome Outcome(Guid id, string subjectCode) =>
        new(id, "A", "site", BaselineValues.Empty, null, null, new Dictionary<string, TimeToEvent>(), BestOverallResponse.NE, false, [], null, subjectCode);
}
