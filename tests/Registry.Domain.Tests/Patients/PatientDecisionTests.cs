using Registry.Domain.Patients;

namespace Registry.Domain.Tests.Patients;

/// <summary>Given the events of a stream, when new entries arrive, then they are accepted or refused with a reason.</summary>
public sealed class PatientDecisionTests
{
    private static readonly Guid PatientId = Guid.NewGuid();

    private static readonly BaselineCovariates Baseline = new(45, Sex.Female, 90, 21.0, false, DiseaseStatus.Metastatic, 2,
        new MetastaticSites(1, Liver: true, Lung: false, Bone: false, Other: false), EbvDnaStatus.Positive, null);

    private static PatientTimeline Given(params object[] events) => PatientTimeline.From(PatientId,
        new object[] { new PatientEnrolled(PatientId, Guid.NewGuid(), "ITC", "S1", "NPC-1", new DateOnly(2020, 1, 5), Baseline) }
            .Concat(events)
            .Select((e, i) => new RecordedEvent(i + 1, e, DateTimeOffset.UnixEpoch.AddDays(i), "alice")))!;

    private static DateOnly D(string iso) => DateOnly.Parse(iso);

    [Fact]
    public void Progression_on_the_day_treatment_started_is_accepted()
    {
        var decision = PatientDecisions.Decide(Given(new TreatmentStarted(D("2020-01-10"), [], 2)),
            [new DiseaseProgressed(D("2020-01-10"), ProgressionBasis.Clinical)]);
        Assert.True(decision.Accepted);
    }

    [Fact]
    public void Treatment_started_after_an_already_recorded_progression_is_refused()
    {
        var decision = PatientDecisions.Decide(Given(new DiseaseProgressed(D("2020-03-01"), ProgressionBasis.Radiological)),
            [new TreatmentStarted(D("2020-04-01"), [], 2)]);
        Assert.Equal(["Progression on 2020-03-01 is before treatment started on 2020-04-01."], decision.Violations);
    }

    [Fact]
    public void Correcting_the_death_earlier_than_recorded_imaging_is_refused()
    {
        var timeline = Given(
            new TreatmentStarted(D("2020-01-10"), [], 2),
            new ImagingAssessed(D("2020-05-01"), 10, NonTargetStatus.None, false, TimepointResponse.PR),
            new PatientDied(D("2020-06-01"), null));
        var decision = PatientDecisions.Decide(timeline, [new EntryCorrected(4, new PatientDied(D("2020-04-01"), null), "typo")]);
        Assert.Equal(["imaging assessment dated 2020-05-01 is after the patient's death on 2020-04-01."], decision.Violations);
    }

    [Fact]
    public void Voiding_the_death_behind_a_fatal_adverse_event_is_refused()
    {
        var timeline = Given(
            new TreatmentStarted(D("2020-01-10"), [], 2),
            new AdverseEventRecorded("Haemorrhage", 5, D("2020-03-01"), true, Attribution.Possible),
            new PatientDied(D("2020-03-02"), "Haemorrhage"));
        var decision = PatientDecisions.Decide(timeline, [new EntryVoided(4, "entered on the wrong patient")]);
        Assert.Single(decision.Violations, v => v.Contains("grade 5"));
    }

    [Fact]
    public void A_voided_progression_no_longer_counts_and_the_status_returns_to_on_treatment()
    {
        var timeline = Given(new TreatmentStarted(D("2020-01-10"), [], 2), new DiseaseProgressed(D("2020-03-01"), ProgressionBasis.Radiological))
            .Apply(new RecordedEvent(4, new EntryVoided(3, "pseudo-progression"), DateTimeOffset.UnixEpoch, "bob"));
        Assert.Null(timeline.ProgressedOn);
        Assert.Equal(PatientStatus.OnTreatment, timeline.Status);
        Assert.Equal([4L], timeline.EntryAt(3)!.AmendedBy);
    }

    [Fact]
    public void The_earliest_progression_in_force_is_the_patients_progression()
    {
        var timeline = Given(
            new TreatmentStarted(D("2020-01-10"), [], 2),
            new DiseaseProgressed(D("2020-05-01"), ProgressionBasis.Radiological),
            new DiseaseProgressed(D("2020-03-01"), ProgressionBasis.Clinical));
        Assert.Equal(D("2020-03-01"), timeline.ProgressedOn);
    }

    [Fact]
    public void Amendments_must_name_a_clinical_entry_and_keep_its_kind()
    {
        var timeline = Given(new TreatmentStarted(D("2020-01-10"), [], 2), new EntryVoided(2, "wrong patient"));
        Assert.Contains("already voided", PatientDecisions.Decide(timeline, [new EntryVoided(2, "again")]).Violations[0]);
        Assert.Contains("not a clinical entry", PatientDecisions.Decide(timeline, [new EntryVoided(3, "a void")]).Violations[0]);
        Assert.Contains("cannot be voided", PatientDecisions.Decide(timeline, [new EntryVoided(1, "x")]).Violations[0]);
        Assert.Contains("same kind", PatientDecisions.Decide(Given(new TreatmentStarted(D("2020-01-10"), [], 2)),
            [new EntryCorrected(2, new PatientDied(D("2020-02-01"), null), "x")]).Violations[0]);
    }
}
