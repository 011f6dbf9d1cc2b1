using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Studies;

namespace Registry.Interop.Datasets;

/// <summary>One patient as the datasets read them: the record as the registry knew it, and the outcome derived from it.</summary>
public sealed record AnalysisPatient(PatientTimeline Timeline, PatientOutcome Outcome)
{
    public PatientEnrolled Enrolment => Timeline.Enrolment;

    public string SubjectCode => Enrolment.SubjectCode;

    /// <summary>The entries in force up to the data cut, with their stream versions: what the derivation read.</summary>
    public IEnumerable<(IPatientFact Fact, long Version)> Entries(DateOnly? dataCut) => Timeline.Entries
        .Where(e => !e.Voided && (dataCut is null || e.Current.ClinicalDate <= dataCut))
        .Select(e => (e.Current, e.Version));

    public IEnumerable<(T Fact, long Version)> Entries<T>(DateOnly? dataCut) where T : IPatientFact =>
        Entries(dataCut).Where(e => e.Fact is T).Select(e => ((T)e.Fact, e.Version));
}

/// <summary>
/// What the analysis datasets are built from: the study as it stood at <see cref="AsOf"/> (its protocol then), every
/// patient enrolled by the data cut as the registry knew them at that moment, each with the outcome the registry's
/// views derive (<see cref="OutcomeDerivation"/>, with the data cut), and the moment and cut themselves.
/// </summary>
public sealed record AnalysisSource(Study Study, IReadOnlyList<AnalysisPatient> Patients, DateTimeOffset? AsOf, DateOnly? DataCut)
{
    /// <summary>Patients in USUBJID order, as every dataset lists them.</summary>
    public IEnumerable<AnalysisPatient> InOrder => Patients.OrderBy(p => p.SubjectCode, StringComparer.Ordinal);

    public string StudyCode => Study.Code;

    public string UniqueSubjectId(AnalysisPatient patient) => $"{Study.Code}-{patient.SubjectCode}";

    public string? ArmName(string? code) => code is null ? null : Study.Protocol.Arm(code)?.Name ?? code;
}
