using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using static Registry.Domain.Tests.Support.Fixtures;

namespace Registry.Domain.Tests.Patients;

/// <summary>Given the events of a stream, when new entries arrive, then they are accepted or refused with a reason.</summary>
public sealed class PatientDecisionTests
{
    private static readonly Guid PatientId = Guid.NewGuid();

    // A 45-year-old woman with a liver metastasis, EBV DNA positive: the values the first schema's test recorded.
    private static readonly BaselineValues Baseline = Support.Fixtures.Baseline(
        ("age", BaselineValue.Of(45)), ("sex", BaselineValue.Of("female")), ("karnofskyScore", BaselineValue.Of(90)),
        ("bodyMassIndex", BaselineValue.Of(21.0)), ("npcFamilyHistory", BaselineValue.Of(false)),
        ("diseaseStatus", BaselineValue.Of("metastatic")), ("treatmentLine", BaselineValue.Of(2)),
        ("metastaticSites.count", BaselineValue.Of(1)), ("metastaticSites.liver", BaselineValue.Of(true)),
        ("ebvDna", BaselineValue.Of("positive")), ("pdL1Cps", BaselineValue.MissingAs(MissingCodes.NotDone)));

    private static PatientTimeline Given(params object[] events) => Timeline(Enrolment(PatientId, D("2020-01-05"), "ITC", Baseline), events);

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

    // The protocol reshaping added randomization and typed relapses; the rules below cover them.

    [Fact]
    public void A_second_randomization_is_refused()
    {
        var decision = PatientDecisions.Decide(Given(new PatientRandomized(D("2020-01-06"), "ITC", null)),
            [new PatientRandomized(D("2020-01-07"), "IC", null)]);
        Assert.Equal(["The patient was already randomized on 2020-01-06 to ITC; a patient is randomized once."], decision.Violations);
    }

    [Fact]
    public void A_relapse_before_treatment_started_is_refused_like_a_progression()
    {
        // PatientTimeline.ProgressedOn counts relapses, so the progression-before-treatment rule holds them too.
        var decision = PatientDecisions.Decide(Given(new TreatmentStarted(D("2020-02-01"), [], 1)),
            [new DiseaseRelapsed(D("2020-01-20"), FailureSite.Distant)]);
        Assert.Equal(["Progression on 2020-01-20 is before treatment started on 2020-02-01."], decision.Violations);
    }

    [Fact]
    public void An_entry_dated_before_enrolment_is_refused()
    {
        var decision = PatientDecisions.Decide(Given(), [new TreatmentStarted(D("2020-01-04"), [], 1)]);
        Assert.Equal(["treatment start dated 2020-01-04 is before enrolment on 2020-01-05."], decision.Violations);
    }

    [Fact]
    public void A_fatal_adverse_event_sent_with_its_death_is_accepted_but_alone_is_refused()
    {
        var timeline = Given(new TreatmentStarted(D("2020-01-10"), [], 2));
        var fatal = new AdverseEventRecorded("Haemorrhage", 5, D("2020-03-01"), true, Attribution.Possible);

        Assert.True(PatientDecisions.Decide(timeline, [fatal, new PatientDied(D("2020-03-01"), "Haemorrhage")]).Accepted);
        Assert.Single(PatientDecisions.Decide(timeline, [fatal]).Violations, v => v.Contains("needs a death recorded"));
    }

    [Fact]
    public void A_second_death_is_refused()
    {
        var decision = PatientDecisions.Decide(Given(new PatientDied(D("2020-03-01"), null)), [new PatientDied(D("2020-03-01"), null)]);
        Assert.Contains(decision.Violations, v => v.Contains("a second death cannot be recorded"));
    }

    [Fact]
    public void A_correction_of_the_enrolment_may_change_its_date_but_not_its_subject_code()
    {
        var timeline = Given(new TreatmentStarted(D("2020-01-10"), [], 2));
        var enrolment = timeline.Enrolment;

        Assert.True(PatientDecisions.Decide(timeline, [new EntryCorrected(1, enrolment with { EnrolledOn = D("2020-01-06") }, "typo")]).Accepted);
        Assert.Equal(["A correction of the enrolment cannot change the study or the subject code."],
            PatientDecisions.Decide(timeline, [new EntryCorrected(1, enrolment with { SubjectCode = "NPC-999" }, "typo")]).Violations);
        // Moving the enrolment after the treatment start leaves that start before enrolment: the same rule as for a new entry.
        Assert.Equal(["treatment start dated 2020-01-10 is before enrolment on 2020-01-11."],
            PatientDecisions.Decide(timeline, [new EntryCorrected(1, enrolment with { EnrolledOn = D("2020-01-11") }, "typo")]).Violations);
    }

    [Fact]
    public void A_second_enrolment_is_refused()
    {
        var decision = PatientDecisions.Decide(Given(), [Enrolment(PatientId, D("2020-01-05"))]);
        Assert.Equal(["The patient is already enrolled."], decision.Violations);
    }
}
