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
public record EntryRequest
{
    public const string Kinds = "enrolled, randomized, treatmentStarted, imagingAssessed, adverseEventRecorded, diseaseProgressed, relapsed, died, lastKnownAlive, withdrewFromFollowUp";

    /// <summary>
    /// The entry's own field rules (types, ranges, dates, RECIST consistency), keyed by JSON name. A replacement sent
    /// without its <c>kind</c> reads as this base record, which says what is missing.
    /// </summary>
    public virtual ValidationResult Validate() => new([new ValidationFailure("kind", $"kind is required: one of {Kinds}.")]);

    /// <summary>The facts the entry records. <paramref name="patient"/> is the patient's enrolment when one exists (null when enrolling).</summary>
    public virtual IReadOnlyList<IPatientFact> ToFacts(PatientEnrolled? patient) =>
        throw new InvalidOperationException("An entry without a kind records nothing; Validate refuses it first.");

    /// <summary>
    /// <see cref="ToFacts"/> as the events to append. Copied one by one: spreading a list of facts into a list of
    /// objects goes through a covariant cast that cost a bulk load more than judging the entry.
    /// </summary>
    public IReadOnlyList<object> ToEvents(PatientEnrolled? patient)
    {
        var facts = ToFacts(patient);
        var events = new object[facts.Count];
        for (var i = 0; i < facts.Count; i++) events[i] = facts[i];
        return events;
    }
}
