using Registry.Domain.Patients;

namespace Registry.Interop.Fhir;

/// <summary>
/// The systems the FHIR export codes with (docs/interop.md, "FHIR R4"): HL7's own code systems where R4 binds one
/// (observation category, adverse-event seriousness, severity and outcome; UCUM), and the registry's local systems,
/// under <c>urn:trial-registry:fhir:</c>, for what R4 leaves open: RECIST 1.1 responses, disease status, the CTCAE
/// grade and attribution. Codes of local systems are the registry's own values (<c>PR</c>, <c>Radiological</c>).
/// </summary>
public static class FhirCodes
{
    private const string Local = "urn:trial-registry:fhir:";

    public const string StudySystem = "urn:trial-registry:study";
    public const string SiteSystem = "urn:trial-registry:site";

    /// <summary>Subject codes are unique within a study, so each study has its own identifier system.</summary>
    public static string SubjectSystem(string studyCode) => $"urn:trial-registry:study:{studyCode}:subject";

    public const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
    public const string Seriousness = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness";
    public const string Severity = "http://terminology.hl7.org/CodeSystem/adverse-event-severity";
    public const string AdverseEventOutcome = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome";
    public const string Ucum = "http://unitsofmeasure.org";

    /// <summary>What an observation or one of its components observes: the codes of <see cref="System"/>.</summary>
    public static class Observed
    {
        public const string System = Local + "observation";
        public const string TimepointResponse = "recist-timepoint-response";
        public const string TargetLesionSum = "target-lesion-sum";
        public const string NonTargetLesions = "non-target-lesions";
        public const string NewLesions = "new-lesions";
        public const string DiseaseStatus = "disease-status";
        public const string ProgressionBasis = "progression-basis";
        public const string FailureSite = "failure-site";
    }

    public const string RecistResponse = Local + "recist-response";
    public const string NonTargetStatus = Local + "non-target-status";
    public const string DiseaseStatusSystem = Local + "disease-status";
    public const string ProgressionBasisSystem = Local + "progression-basis";
    public const string FailureSiteSystem = Local + "failure-site";

    public const string CtcaeGradeExtension = Local + "StructureDefinition/ctcae-grade";
    public const string AttributionExtension = Local + "StructureDefinition/ae-attribution";

    public static string ResponseDisplay(TimepointResponse response) => response switch
    {
        TimepointResponse.CR => "Complete response",
        TimepointResponse.PR => "Partial response",
        TimepointResponse.SD => "Stable disease",
        TimepointResponse.PD => "Progressive disease",
        _ => "Not evaluable",
    };
}
