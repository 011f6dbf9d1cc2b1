using System.Text.Json.Serialization;

namespace Registry.Domain.Patients;

public enum TimepointResponse { CR, PR, SD, PD, NE }

public enum NonTargetStatus { None, CR, NonCRNonPD, PD, NE }

public enum ProgressionBasis { Radiological, Clinical }

public enum Attribution { Unrelated, Unlikely, Possible, Probable, Definite }

/// <summary>
/// A clinical fact about one patient. Its <see cref="ClinicalDate"/> is the date the fact describes, distinct from
/// when it was recorded. A correction carries a replacement fact, so the discriminator names every kind.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(PatientEnrolled), "enrolled")]
[JsonDerivedType(typeof(TreatmentStarted), "treatmentStarted")]
[JsonDerivedType(typeof(ImagingAssessed), "imagingAssessed")]
[JsonDerivedType(typeof(AdverseEventRecorded), "adverseEventRecorded")]
[JsonDerivedType(typeof(DiseaseProgressed), "diseaseProgressed")]
[JsonDerivedType(typeof(PatientDied), "died")]
[JsonDerivedType(typeof(LastKnownAlive), "lastKnownAlive")]
[JsonDerivedType(typeof(WithdrewFromFollowUp), "withdrewFromFollowUp")]
public interface IPatientFact
{
    DateOnly ClinicalDate { get; }
}

public sealed record PatientEnrolled(
    Guid PatientId,
    Guid StudyId,
    string Arm,
    string Site,
    string SubjectCode,
    DateOnly EnrolledOn,
    BaselineCovariates Baseline) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => EnrolledOn;
}

public sealed record TreatmentStarted(DateOnly StartedOn, IReadOnlyList<string> Agents, int? Line) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => StartedOn;
}

/// <summary>One RECIST 1.1 timepoint: the measurements and the response the investigator assigned from them.</summary>
public sealed record ImagingAssessed(
    DateOnly AssessedOn,
    double? TargetLesionSumMm,
    NonTargetStatus NonTargetStatus,
    bool NewLesions,
    TimepointResponse Response) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => AssessedOn;
}

public sealed record AdverseEventRecorded(
    string Term,
    int Grade,
    DateOnly OnsetOn,
    bool Serious,
    Attribution Attribution) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => OnsetOn;
}

public sealed record DiseaseProgressed(DateOnly ProgressedOn, ProgressionBasis Basis) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => ProgressedOn;
}

public sealed record PatientDied(DateOnly DiedOn, string? Cause) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => DiedOn;
}

public sealed record LastKnownAlive(DateOnly LastKnownAliveOn) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => LastKnownAliveOn;
}

public sealed record WithdrewFromFollowUp(DateOnly WithdrewOn, string Reason) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => WithdrewOn;
}

/// <summary>Replaces what an earlier entry says; the entry itself stays in the stream untouched.</summary>
public sealed record EntryCorrected(long EntryVersion, IPatientFact Replacement, string Reason);

/// <summary>Withdraws an earlier entry from every derived view; the entry itself stays in the stream untouched.</summary>
public sealed record EntryVoided(long EntryVersion, string Reason);
