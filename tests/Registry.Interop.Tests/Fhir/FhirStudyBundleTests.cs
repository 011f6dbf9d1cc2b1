// The SDK's POCOs declare every element nullable; these tests read them where the mapping must have set them.
#nullable disable warnings

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Registry.Domain.Patients;
using Registry.Interop.Fhir;
using static Registry.Interop.Tests.Datasets.SmallStudy;
using Task = System.Threading.Tasks.Task;

namespace Registry.Interop.Tests.Fhir;

public sealed class FhirStudyBundleTests
{
    private static readonly DateTimeOffset Generated = new(2021, 9, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// S-001 (arm A, site S1, enrolled 28 Dec 2020): treated 1 Jan 2021 (v2), PR on 1 Mar (v3), grade 3 serious
    /// neutropenia on 10 Mar (v4), SD on 1 May (v5, corrected to 2 May by v9), radiological distant progression on 1 Jun
    /// (v6), grade 1 fatigue (v7, voided by v10), died 1 Aug (v8).
    /// </summary>
    private static PatientTimeline S001() => Timeline(Enrolled("S-001", "A"),
        new TreatmentStarted(D("2021-01-01"), ["drug"], 2),
        Scan("2021-03-01", TimepointResponse.PR),
        new AdverseEventRecorded("Neutropenia", 3, D("2021-03-10"), true, Attribution.Probable),
        Scan("2021-05-01", TimepointResponse.SD),
        new DiseaseProgressed(D("2021-06-01"), ProgressionBasis.Radiological, FailureSite.Distant),
        new AdverseEventRecorded("Fatigue", 1, D("2021-06-10"), false, Attribution.Possible),
        new PatientDied(D("2021-08-01"), "Disease"),
        new EntryCorrected(5, Scan("2021-05-02", TimepointResponse.SD), "Date misread"),
        new EntryVoided(7, "Entered for the wrong patient"));

    private static async Task<Bundle> RoundTripAsync(params PatientTimeline[] patients) =>
        FhirJson.Parse(await FhirJson.WriteAsync(FhirStudyBundle.Build(Source(null, patients), Generated)));

    private static T Resolve<T>(Bundle bundle, ResourceReference reference) where T : Resource =>
        (T)bundle.Entry.Single(e => e.FullUrl == reference.Reference).Resource;

    [Fact]
    public async Task One_patient_field_by_field()
    {
        var timeline = S001();
        var bundle = await RoundTripAsync(timeline);

        Assert.Equal(Bundle.BundleType.Collection, bundle.Type);
        Assert.Equal(Generated, bundle.Timestamp);
        Assert.Equal(["ResearchStudy", "Organization", "Patient", "ResearchSubject", "Observation", "AdverseEvent", "Observation", "Observation"],
            bundle.Entry.Select(e => e.Resource.TypeName));
        Assert.All(bundle.Entry, e => Assert.Equal($"urn:uuid:{e.Resource.Id}", e.FullUrl));

        var study = bundle.Entry.Select(e => e.Resource).OfType<ResearchStudy>().Single();
        Assert.Equal(("A small study", ResearchStudy.ResearchStudyStatus.Active, "urn:trial-registry:study", "SMALL-1"),
            (study.Title, study.Status, study.Identifier[0].System, study.Identifier[0].Value));
        Assert.Equal([("A", "Arm A"), ("B", "Arm B")], study.Arm.Select(a => (a.Name, a.Description)));

        var patient = bundle.Entry.Select(e => e.Resource).OfType<Patient>().Single();
        Assert.Equal(timeline.PatientId.ToString(), patient.Id);
        Assert.Equal(("urn:trial-registry:study:SMALL-1:subject", "S-001"), (patient.Identifier.Single().System, patient.Identifier.Single().Value));
        Assert.Empty(patient.Name);
        Assert.Null(patient.BirthDate);
        Assert.Equal("2021-08-01", ((FhirDateTime)patient.Deceased).Value);
        var site = Resolve<Organization>(bundle, patient.ManagingOrganization);
        Assert.Equal(("S1", "urn:trial-registry:site", "S1"), (site.Name, site.Identifier[0].System, site.Identifier[0].Value));

        var subject = bundle.Entry.Select(e => e.Resource).OfType<ResearchSubject>().Single();
        Assert.Equal(ResearchSubject.ResearchSubjectStatus.OffStudy, subject.Status);
        Assert.Equal(("2020-12-28", "2021-08-01"), (subject.Period.Start, subject.Period.End));
        Assert.Equal(("A", "A"), (subject.AssignedArm, subject.ActualArm));
        Assert.Same(patient, Resolve<Patient>(bundle, subject.Individual));
        Assert.Same(study, Resolve<ResearchStudy>(bundle, subject.Study));

        var observations = bundle.Entry.Select(e => e.Resource).OfType<Observation>().ToList();
        Assert.All(observations, o => Assert.Same(patient, Resolve<Patient>(bundle, o.Subject)));
        var (pr, sd, progression) = (observations[0], observations[1], observations[2]);
        Assert.Equal((ObservationStatus.Final, "imaging", FhirCodes.Observed.System, "recist-timepoint-response", "2021-03-01", FhirCodes.RecistResponse, "PR", "Partial response"),
            (pr.Status, pr.Category.Single().Coding[0].Code, pr.Code.Coding[0].System, pr.Code.Coding[0].Code, ((FhirDateTime)pr.Effective).Value,
                ((CodeableConcept)pr.Value).Coding[0].System, ((CodeableConcept)pr.Value).Coding[0].Code, ((CodeableConcept)pr.Value).Coding[0].Display));
        var sum = (Quantity)pr.Component.Single(c => c.Code.Coding[0].Code == "target-lesion-sum").Value;
        Assert.Equal((40m, "mm", "http://unitsofmeasure.org", "mm"), (sum.Value, sum.Unit, sum.System, sum.Code));
        Assert.Equal("None", ((CodeableConcept)pr.Component.Single(c => c.Code.Coding[0].Code == "non-target-lesions").Value).Coding[0].Code);
        Assert.False(((FhirBoolean)pr.Component.Single(c => c.Code.Coding[0].Code == "new-lesions").Value).Value);
        Assert.Equal((ObservationStatus.Amended, "2021-05-02", "SD"), (sd.Status, ((FhirDateTime)sd.Effective).Value, ((CodeableConcept)sd.Value).Coding[0].Code));
        Assert.Equal((ObservationStatus.Final, "imaging", "disease-status", "2021-06-01", "progressed"),
            (progression.Status, progression.Category.Single().Coding[0].Code, progression.Code.Coding[0].Code, ((FhirDateTime)progression.Effective).Value,
                ((CodeableConcept)progression.Value).Coding[0].Code));
        Assert.Equal([("progression-basis", "Radiological"), ("failure-site", "Distant")],
            progression.Component.Select(c => (c.Code.Coding[0].Code, ((CodeableConcept)c.Value).Coding[0].Code)));

        // The voided fatigue is left out; the neutropenia is the one adverse event.
        var ae = bundle.Entry.Select(e => e.Resource).OfType<AdverseEvent>().Single();
        Assert.Equal((AdverseEvent.AdverseEventActuality.Actual, "Neutropenia", "2021-03-10", "serious", "severe"),
            (ae.Actuality, ae.Event.Text, ae.Date, ae.Seriousness.Coding[0].Code, ae.Severity.Coding[0].Code));
        Assert.Null(ae.Outcome);
        Assert.Equal(3, ((Integer)ae.GetExtension(FhirCodes.CtcaeGradeExtension).Value).Value);
        Assert.Equal("Probable", ((Code)ae.GetExtension(FhirCodes.AttributionExtension).Value).Value);
        Assert.Same(patient, Resolve<Patient>(bundle, ae.Subject));
        Assert.Same(study, Resolve<ResearchStudy>(bundle, ae.Study.Single()));
    }

    public static TheoryData<string, object[], ResearchSubject.ResearchSubjectStatus, string?, string?> Statuses() => new()
    {
        { "enrolled", [], ResearchSubject.ResearchSubjectStatus.OnStudy, null, null },
        { "treated", [new TreatmentStarted(D("2021-01-01"), [], 1)], ResearchSubject.ResearchSubjectStatus.OnStudyIntervention, null, "A" },
        { "progressed", [new TreatmentStarted(D("2021-01-01"), [], 1), new DiseaseProgressed(D("2021-04-01"), ProgressionBasis.Clinical)],
            ResearchSubject.ResearchSubjectStatus.FollowUp, null, "A" },
        { "relapsed", [new TreatmentStarted(D("2021-01-01"), [], 1), new DiseaseRelapsed(D("2021-04-01"), FailureSite.Locoregional)],
            ResearchSubject.ResearchSubjectStatus.FollowUp, null, "A" },
        { "died untreated", [new PatientDied(D("2021-02-01"), null)], ResearchSubject.ResearchSubjectStatus.OffStudy, "2021-02-01", null },
        { "withdrew after progression", [new TreatmentStarted(D("2021-01-01"), [], 1), new DiseaseProgressed(D("2021-04-01"), ProgressionBasis.Radiological),
            new WithdrewFromFollowUp(D("2021-05-01"), "Moved abroad")], ResearchSubject.ResearchSubjectStatus.Withdrawn, "2021-05-01", "A" },
    };

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task A_subjects_status_and_period_follow_the_record(string _, object[] entries, ResearchSubject.ResearchSubjectStatus status, string? end, string? actualArm)
    {
        var bundle = await RoundTripAsync(Timeline(Enrolled("S-002", "A"), entries));
        var subject = bundle.Entry.Select(e => e.Resource).OfType<ResearchSubject>().Single();
        Assert.Equal((status, "2020-12-28", end, "A", actualArm), (subject.Status, subject.Period.Start, subject.Period.End, subject.AssignedArm, subject.ActualArm));
    }

    [Fact]
    public async Task A_randomized_patient_is_assigned_the_randomized_arm()
    {
        var bundle = await RoundTripAsync(Timeline(Enrolled("S-003", "A") with { Arm = null }, new PatientRandomized(D("2020-12-30"), "B", null)));
        Assert.Equal("B", bundle.Entry.Select(e => e.Resource).OfType<ResearchSubject>().Single().AssignedArm);
    }

    [Theory]
    [InlineData(1, "mild", null)]
    [InlineData(2, "moderate", null)]
    [InlineData(3, "severe", null)]
    [InlineData(4, "severe", null)]
    [InlineData(5, "severe", "fatal")]
    public async Task An_adverse_events_CTCAE_grade_is_kept_exactly_beside_R4s_three_severities(int grade, string severity, string? outcome)
    {
        var bundle = await RoundTripAsync(Timeline(Enrolled("S-004", "A"), new AdverseEventRecorded("Pneumonitis", grade, D("2021-02-01"), grade >= 3, Attribution.Possible)));
        var ae = bundle.Entry.Select(e => e.Resource).OfType<AdverseEvent>().Single();
        Assert.Equal((grade, severity, outcome, grade >= 3 ? "serious" : "non-serious"),
            (((Integer)ae.GetExtension(FhirCodes.CtcaeGradeExtension).Value).Value, ae.Severity.Coding[0].Code, ae.Outcome?.Coding[0].Code, ae.Seriousness.Coding[0].Code));
    }

    [Fact]
    public async Task Every_reference_resolves_inside_the_bundle_and_ids_hold_from_one_export_to_the_next()
    {
        var source = Source(null, S001(), Timeline(Enrolled("S-005", "B") with { Site = "S2" }, new TreatmentStarted(D("2021-01-05"), [], 1)));
        var json = await FhirJson.WriteAsync(FhirStudyBundle.Build(source, Generated));

        Assert.Empty(FhirJson.UnresolvedReferences(json));
        Assert.Equal(2, FhirJson.Parse(json).Entry.Count(e => e.Resource is Organization));
        Assert.Equal(json, await FhirJson.WriteAsync(FhirStudyBundle.Build(source, Generated)));
    }

    [Fact]
    public async Task The_parser_the_tests_read_with_refuses_what_R4_does_not_define()
    {
        var json = await FhirJson.WriteAsync(FhirStudyBundle.Build(Source(null, S001()), Generated));
        Assert.Throws<DeserializationFailedException>(() => FhirJson.Parse(json.Replace("\"resourceType\": \"Patient\",", "\"resourceType\": \"Patient\", \"colour\": \"red\",")));
        Assert.Throws<DeserializationFailedException>(() => FhirJson.Parse(json.Replace("\"status\": \"amended\"", "\"status\": \"revised\"")));
    }

    [Fact]
    public async Task At_a_data_cut_what_came_after_it_is_left_out()
    {
        var bundle = FhirJson.Parse(await FhirJson.WriteAsync(FhirStudyBundle.Build(Source(D("2021-05-15"), S001()), Generated)));

        Assert.Equal(["2021-03-01", "2021-05-02"], bundle.Entry.Select(e => e.Resource).OfType<Observation>().Select(o => ((FhirDateTime)o.Effective).Value));
        Assert.Null(bundle.Entry.Select(e => e.Resource).OfType<Patient>().Single().Deceased);
        Assert.Equal(ResearchSubject.ResearchSubjectStatus.OnStudyIntervention, bundle.Entry.Select(e => e.Resource).OfType<ResearchSubject>().Single().Status);
    }
}
