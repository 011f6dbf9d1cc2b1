using System.Text.Json.Serialization;
using FluentValidation.Results;
using Registry.Domain.Patients;

namespace Registry.Api.Patients;

/// <summary>
/// A clinical entry as a coordinator sends it, whether to its own route or as a correction's <c>replacement</c>
/// (then named by <c>kind</c>). Both paths run the same <see cref="Validate"/> and the same protocol checks, so an
/// entry and the correction that replaces it obey one set of rules; no missing field is filled by a default.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(EnrolPatient), "enrolled")]
[JsonDerivedType(typeof(RandomizePatient), "randomized")]
[JsonDerivedType(typeof(StartTreatment), "treatmentStarted")]
[JsonDerivedType(typeof(AssessImaging), "imagingAssessed")]
[JsonDerivedType(typeof(RecordAdverseEvent), "adverseEventRecorded")]
[JsonDerivedType(typeof(RecordProgression), "diseaseProgressed")]
[JsonDerivedType(typeof(RecordRelapse), "relapsed")]
[JsonDerivedType(typeof(RecordDeath), "died")]
[JsonDerivedType(typeof(RecordFollowUp), "lastKnownAlive")]
[JsonDerivedType(typeof(WithdrawFromFollowUp), "withdrewFromFollowUp")]
public abstract record EntryRequest
{
    /// <summary>The entry's own field rules (types, ranges, dates, RECIST consistency), keyed by JSON name.</summary>
    public abstract ValidationResult Validate();

    /// <summary>The facts the entry records. <paramref name="patient"/> is the patient's enrolment when one exists (null when enrolling).</summary>
    public abstract IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient);
}
