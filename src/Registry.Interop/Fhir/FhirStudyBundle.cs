using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Interop.Datasets;
using Task = System.Threading.Tasks.Task;

namespace Registry.Interop.Fhir;

/// <summary>
/// A study as one FHIR R4 <c>Bundle</c> of type collection (docs/interop.md, "FHIR R4"): the <c>ResearchStudy</c> with
/// its arms, an <c>Organization</c> per site, and for each patient a <c>Patient</c> (subject code, no name; death as
/// <c>deceasedDateTime</c>), a <c>ResearchSubject</c>, an <c>Observation</c> per RECIST timepoint and per progression
/// or relapse, and an <c>AdverseEvent</c> per adverse event. Entries in force only (voided ones left out, corrected ones
/// as corrected and marked amended). Pure: the same source and moment give the same bundle, ids included.
/// </summary>
public static class FhirStudyBundle
{
    public static Bundle Build(AnalysisSource source, DateTimeOffset generatedAt)
    {
        var study = source.Study;
        var bundle = new Bundle
        {
            Id = Derived("bundle", study.Id, source.AsOf?.ToString("O") ?? "now").ToString(),
            Type = Bundle.BundleType.Collection,
            Identifier = new Identifier(FhirCodes.StudySystem, study.Code),
            Timestamp = source.AsOf ?? generatedAt,
        };
        var researchStudy = Add(bundle, ResearchStudyOf(source));
        var sites = source.Patients.Select(p => p.Enrolment.Site).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .ToDictionary(site => site, site => Add(bundle, new Organization
            {
                Id = Derived("site", study.Id, site).ToString(),
                Identifier = [new Identifier(FhirCodes.SiteSystem, site)],
                Name = site,
            }), StringComparer.Ordinal);

        foreach (var patient in source.InOrder)
        {
            var entries = patient.Timeline.Entries.Where(e => !e.Voided && (source.DataCut is null || e.Current.ClinicalDate <= source.DataCut)).ToList();
            var subject = Add(bundle, PatientOf(patient, entries, study.Code, sites[patient.Enrolment.Site]));
            Add(bundle, ResearchSubjectOf(patient, entries, researchStudy, subject));
            foreach (var entry in entries)
                if (EntryResource(entry, patient.Timeline.PatientId, subject, researchStudy) is { } resource) Add(bundle, resource);
        }
        return bundle;
    }

    /// <summary>The bundle as FHIR JSON.</summary>
    public static async Task WriteAsync(Bundle bundle, Stream body, CancellationToken ct)
    {
        // A file to read, not HTML to embed: "+00:00" and "≥" are written as themselves.
        await using var json = new Utf8JsonWriter(body, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        new BaseFhirJsonSerializer(ModelInfo.ModelInspector).Serialize(bundle, json);
        await json.FlushAsync(ct);
    }

    private static ResearchStudy ResearchStudyOf(AnalysisSource source)
    {
        var protocol = source.Study.Protocol;
        return new ResearchStudy
        {
            Id = source.Study.Id.ToString(),
            Identifier = [new Identifier(FhirCodes.StudySystem, protocol.Code)],
            Title = protocol.Title,
            // The registry keeps no study lifecycle: a registered study is recording follow-up.
            Status = ResearchStudy.ResearchStudyStatus.Active,
            Category = [new CodeableConcept { Text = protocol.Design }],
            Description = $"{protocol.Title}. Design: {protocol.Design}; time origin: {protocol.TimeOrigin}; protocol version {source.Study.ProtocolVersion}.",
            Arm = protocol.Arms.Select(a => new ResearchStudy.ArmComponent { Name = a.Code, Description = ArmDescription(a) }).ToList(),
        };
    }

    private static string ArmDescription(ProtocolArm arm) => arm.Regimen is { Count: > 0 } regimen
        ? $"{arm.Name}: {string.Join(" + ", regimen.Select(c => c.Agent ?? c.Class))}"
        : arm.Name;

    private static Patient PatientOf(AnalysisPatient patient, IReadOnlyList<PatientEntry> entries, string studyCode, ResourceReference site)
    {
        var died = entries.Select(e => e.Current).OfType<PatientDied>().Select(d => (DateOnly?)d.DiedOn).Min();
        return new Patient
        {
            Id = patient.Timeline.PatientId.ToString(),
            Identifier = [new Identifier(FhirCodes.SubjectSystem(studyCode), patient.SubjectCode)],
            ManagingOrganization = site,
            Deceased = died is { } on ? Date(on) : null,
        };
    }

    /// <summary>
    /// Status from the record in force: withdrawn once a withdrawal is recorded; off-study once dead; follow-up after
    /// progression or relapse; on-study-intervention once treatment started; else on-study. The period runs from
    /// enrolment to the withdrawal or death that ended participation.
    /// </summary>
    private static ResearchSubject ResearchSubjectOf(AnalysisPatient patient, IReadOnlyList<PatientEntry> entries, ResourceReference study, ResourceReference subject)
    {
        var facts = entries.Select(e => e.Current).ToList();
        DateOnly? First<T>(Func<T, DateOnly> date) => facts.OfType<T>().Select(f => (DateOnly?)date(f)).Min();
        var withdrew = First<WithdrewFromFollowUp>(w => w.WithdrewOn);
        var died = First<PatientDied>(d => d.DiedOn);
        var progressed = First<DiseaseProgressed>(p => p.ProgressedOn) ?? First<DiseaseRelapsed>(r => r.RelapsedOn);
        var treated = First<TreatmentStarted>(t => t.StartedOn);
        var arm = facts.OfType<PatientRandomized>().OrderBy(r => r.RandomizedOn).FirstOrDefault()?.Arm ?? patient.Enrolment.Arm;
        var ended = new[] { withdrew, died }.Min();
        return new ResearchSubject
        {
            Id = Derived("research-subject", patient.Timeline.PatientId).ToString(),
            Status = withdrew is not null ? ResearchSubject.ResearchSubjectStatus.Withdrawn
                : died is not null ? ResearchSubject.ResearchSubjectStatus.OffStudy
                : progressed is not null ? ResearchSubject.ResearchSubjectStatus.FollowUp
                : treated is not null ? ResearchSubject.ResearchSubjectStatus.OnStudyIntervention
                : ResearchSubject.ResearchSubjectStatus.OnStudy,
            Period = new Period { StartElement = Date(patient.Enrolment.EnrolledOn), EndElement = ended is { } end ? Date(end) : null },
            Study = study,
            Individual = subject,
            AssignedArm = arm,
            // The registry records the arm a patient is treated in, not a crossover: the actual arm is the assigned one once treated.
            ActualArm = treated is not null ? arm : null,
        };
    }

    private static Resource? EntryResource(PatientEntry entry, Guid patientId, ResourceReference subject, ResourceReference study)
    {
        var id = Derived("entry", patientId, entry.Version).ToString();
        var status = entry.AmendedBy.Count > 0 ? ObservationStatus.Amended : ObservationStatus.Final;
        return entry.Current switch
        {
            ImagingAssessed scan => new Observation
            {
                Id = id,
                Status = status,
                Category = [Coded(FhirCodes.ObservationCategory, "imaging", "Imaging")],
                Code = Coded(FhirCodes.Observed.System, FhirCodes.Observed.TimepointResponse, "RECIST 1.1 timepoint response"),
                Subject = subject,
                Effective = Date(scan.AssessedOn),
                Value = Coded(FhirCodes.RecistResponse, scan.Response.ToString(), FhirCodes.ResponseDisplay(scan.Response)),
                Component =
                [
                    .. scan.TargetLesionSumMm is { } sum
                        ? [Component(FhirCodes.Observed.TargetLesionSum, "Sum of target lesion diameters",
                            new Quantity((decimal)sum, "mm", FhirCodes.Ucum) { Unit = "mm" })]
                        : Array.Empty<Observation.ComponentComponent>(),
                    Component(FhirCodes.Observed.NonTargetLesions, "Non-target lesions", Coded(FhirCodes.NonTargetStatus, scan.NonTargetStatus.ToString(), null)),
                    Component(FhirCodes.Observed.NewLesions, "New lesions", new FhirBoolean(scan.NewLesions)),
                ],
            },
            DiseaseProgressed progression => DiseaseStatus(id, status, subject, progression.ProgressedOn, "progressed", "Disease progressed",
                Coded(FhirCodes.ObservationCategory, progression.Basis == ProgressionBasis.Radiological ? "imaging" : "exam", null),
                [Component(FhirCodes.Observed.ProgressionBasis, "Basis of progression", Coded(FhirCodes.ProgressionBasisSystem, progression.Basis.ToString(), null)),
                 .. progression.Site is { } site ? [SiteComponent(site)] : Array.Empty<Observation.ComponentComponent>()]),
            DiseaseRelapsed relapse => DiseaseStatus(id, status, subject, relapse.RelapsedOn, "relapsed", "Disease relapsed", null, [SiteComponent(relapse.Type)]),
            AdverseEventRecorded ae => AdverseEventOf(id, ae, subject, study),
            _ => null,
        };
    }

    private static Observation DiseaseStatus(string id, ObservationStatus status, ResourceReference subject, DateOnly on, string code, string display,
        CodeableConcept? category, List<Observation.ComponentComponent> components) => new()
    {
        Id = id,
        Status = status,
        Category = category is null ? [] : [category],
        Code = Coded(FhirCodes.Observed.System, FhirCodes.Observed.DiseaseStatus, "Disease status"),
        Subject = subject,
        Effective = Date(on),
        Value = Coded(FhirCodes.DiseaseStatusSystem, code, display),
        Component = components,
    };

    private static Observation.ComponentComponent SiteComponent(FailureSite site) =>
        Component(FhirCodes.Observed.FailureSite, "Site of failure", Coded(FhirCodes.FailureSiteSystem, site.ToString(), null));

    /// <summary>
    /// The CTCAE grade exactly, as an extension (R4's severity has three levels), and severity as CTCAE names grades
    /// 1–3 (mild, moderate, severe; 4 and 5 are severe too); grade 5 is a fatal outcome.
    /// </summary>
    private static AdverseEvent AdverseEventOf(string id, AdverseEventRecorded ae, ResourceReference subject, ResourceReference study) => new()
    {
        Id = id,
        Actuality = AdverseEvent.AdverseEventActuality.Actual,
        Event = new CodeableConcept { Text = ae.Term },
        Subject = subject,
        DateElement = Date(ae.OnsetOn),
        Seriousness = Coded(FhirCodes.Seriousness, ae.Serious ? "serious" : "non-serious", ae.Serious ? "Serious" : "Non-serious"),
        Severity = ae.Grade switch
        {
            1 => Coded(FhirCodes.Severity, "mild", "Mild"),
            2 => Coded(FhirCodes.Severity, "moderate", "Moderate"),
            _ => Coded(FhirCodes.Severity, "severe", "Severe"),
        },
        Outcome = ae.Grade == 5 ? Coded(FhirCodes.AdverseEventOutcome, "fatal", "Fatal") : null,
        Study = [study],
        Extension =
        [
            new Extension(FhirCodes.CtcaeGradeExtension, new Integer(ae.Grade)),
            new Extension(FhirCodes.AttributionExtension, new Code(ae.Attribution.ToString())),
        ],
    };

    private static Observation.ComponentComponent Component(string code, string display, DataType value) =>
        new() { Code = Coded(FhirCodes.Observed.System, code, display), Value = value };

    private static CodeableConcept Coded(string system, string code, string? display) => new(system, code, display, null);

    private static FhirDateTime Date(DateOnly date) => new(date.Year, date.Month, date.Day);

    private static ResourceReference Add(Bundle bundle, Resource resource)
    {
        var url = $"urn:uuid:{resource.Id}";
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = url, Resource = resource });
        return new ResourceReference(url);
    }

    /// <summary>A name-based UUID (RFC 9562 version 8 over SHA-256): a resource keeps its id from one export to the next.</summary>
    internal static Guid Derived(params object[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('/', parts)));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
