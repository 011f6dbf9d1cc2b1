using System.Text.Json.Serialization;
using Registry.Domain.Protocols;

namespace Registry.Domain.Patients;

public enum TimepointResponse { CR, PR, SD, PD, NE }

public enum NonTargetStatus { None, CR, NonCRNonPD, PD, NE }

public enum ProgressionBasis { Radiological, Clinical }

public enum Attribution { Unrelated, Unlikely, Possible, Probable, Definite }

/// <summary>Where disease failed: locoregionally, at a distant site, or both at once.</summary>
public enum FailureSite { Locoregional, Distant, Both }

/// <summary>
/// A clinical fact about one patient. Its <see cref="ClinicalDate"/> is the date the fact describes, distinct from
/// when it was recorded. A correction carries a replacement fact, so the discriminator names every kind.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(PatientEnrolled), "enrolled")]
[JsonDerivedType(typeof(PatientRandomized), "randomized")]
[JsonDerivedType(typeof(TreatmentStarted), "treatmentStarted")]
[JsonDerivedType(typeof(ImagingAssessed), "imagingAssessed")]
[JsonDerivedType(typeof(AdverseEventRecorded), "adverseEventRecorded")]
[JsonDerivedType(typeof(DiseaseProgressed), "diseaseProgressed")]
[JsonDerivedType(typeof(DiseaseRelapsed), "relapsed")]
[JsonDerivedType(typeof(PatientDied), "died")]
[JsonDerivedType(typeof(LastKnownAlive), "lastKnownAlive")]
[JsonDerivedType(typeof(WithdrewFromFollowUp), "withdrewFromFollowUp")]
public interface IPatientFact
{
    DateOnly ClinicalDate { get; }
}

/// <summary>
/// Enrolment with the baseline values of the study's data dictionary. <see cref="Arm"/> is the arm assigned at
/// enrolment; in a randomized study it is null until the randomization entry assigns one.
/// </summary>
public sealed record PatientEnrolled(
    Guid PatientId,
    Guid StudyId,
    string? Arm,
    string Site,
    string SubjectCode,
    DateOnly EnrolledOn,
    BaselineValues Baseline) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => EnrolledOn;
}

/// <summary>Allocation to an arm in a randomized study, with the stratification factor values used.</summary>
public sealed record PatientRandomized(DateOnly RandomizedOn, string Arm, IReadOnlyDictionary<string, string>? Strata) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => RandomizedOn;
}

public sealed record TreatmentStarted(DateOnly StartedOn, IReadOnlyList<string>? Agents, int? Line) : IPatientFact
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

/// <summary>Progression of measurable disease; <see cref="Site"/> says where when it is known, for the site-specific endpoints.</summary>
public sealed record DiseaseProgressed(DateOnly ProgressedOn, ProgressionBasis Basis, FailureSite? Site = null) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => ProgressedOn;
}

/// <summary>Relapse after curative-intent treatment (locoregionally advanced disease), typed so EFS, FFS, DMFS and LRRFS derive.</summary>
public sealed record DiseaseRelapsed(DateOnly RelapsedOn, FailureSite Type) : IPatientFact
{
    DateOnly IPatientFact.ClinicalDate => RelapsedOn;
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
