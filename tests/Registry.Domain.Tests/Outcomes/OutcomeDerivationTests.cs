using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using static Registry.Domain.Tests.Support.Fixtures;

namespace Registry.Domain.Tests.Outcomes;

/// <summary>
/// PFS, OS and best overall response as docs/outcomes.md defines them, for a single-arm study counting time from
/// treatment start; every expected number is worked by hand.
/// </summary>
public sealed class OutcomeDerivationTests
{
    private static readonly Guid PatientId = Guid.NewGuid();

    private static readonly Protocol Study = SingleArm(TimeOrigins.TreatmentStart);

    private static PatientTimeline Chart(params object[] events) => Timeline(Enrolment(PatientId, D("2020-01-01")), events);

    [Fact]
    public void Progression_is_the_PFS_event_and_OS_is_censored_at_the_last_date_known_alive()
    {
        var outcome = OutcomeDerivation.Derive(Chart(
            new TreatmentStarted(D("2020-01-10"), [], 2),
            Scan("2020-02-21", TimepointResponse.PR),
            new DiseaseProgressed(D("2020-05-09"), ProgressionBasis.Radiological),
            new LastKnownAlive(D("2020-12-31"))), Study);

        Assert.Equal(new TimeToEvent(120, true), outcome.Time("pfs")); // 10 Jan → 9 May 2020 = 120 days
        Assert.Equal(new TimeToEvent(356, false), outcome.Time("os")); // 10 Jan → 31 Dec 2020 = 356 days
        Assert.Equal(BestOverallResponse.PR, outcome.BestOverallResponse);
    }

    [Fact]
    public void Without_progression_or_death_PFS_is_censored_at_the_last_assessment_and_death_ends_both()
    {
        var censored = OutcomeDerivation.Derive(Chart(
            new TreatmentStarted(D("2020-01-10"), [], 2),
            Scan("2020-03-01", TimepointResponse.SD),
            new LastKnownAlive(D("2020-06-01"))), Study);
        Assert.Equal(new TimeToEvent(51, false), censored.Time("pfs")); // 10 Jan → 1 Mar 2020 = 51 days

        var died = OutcomeDerivation.Derive(Chart(new TreatmentStarted(D("2020-01-10"), [], 2), new PatientDied(D("2020-04-19"), null)), Study);
        Assert.Equal(new TimeToEvent(100, true), died.Time("pfs")); // 10 Jan → 19 Apr 2020 = 21 + 29 + 31 + 19 = 100 days
        Assert.Equal(new TimeToEvent(100, true), died.Time("os"));
        Assert.Equal(BestOverallResponse.NE, died.BestOverallResponse);
    }

    [Fact]
    public void With_no_assessment_PFS_is_censored_at_treatment_start_and_no_start_means_no_PFS_or_OS()
    {
        var started = OutcomeDerivation.Derive(Chart(new TreatmentStarted(D("2020-01-10"), [], 2)), Study);
        Assert.Equal(new TimeToEvent(0, false), started.Time("pfs"));

        var notStarted = OutcomeDerivation.Derive(Chart(new LastKnownAlive(D("2020-03-01"))), Study);
        Assert.Null(notStarted.Time("pfs"));
        Assert.Null(notStarted.Time("os"));
        Assert.False(notStarted.Analysable);
    }

    [Fact]
    public void A_data_cut_ignores_later_facts_and_ends_follow_up_at_the_cut()
    {
        var chart = Chart(
            new TreatmentStarted(D("2020-01-10"), [], 2),
            Scan("2020-03-01", TimepointResponse.SD),
            Scan("2020-05-01", TimepointResponse.SD),
            new DiseaseProgressed(D("2020-07-01"), ProgressionBasis.Radiological),
            new PatientDied(D("2021-01-01"), null));

        var atCut = OutcomeDerivation.Derive(chart, Study, dataCut: D("2020-06-01"));
        Assert.Equal(new TimeToEvent(112, false), atCut.Time("pfs")); // censored at the 1 May scan: 112 days
        Assert.Equal(new TimeToEvent(143, false), atCut.Time("os"));  // alive at the 1 Jun cut: 143 days
    }

    [Fact]
    public void A_voided_progression_puts_the_patient_back_at_risk()
    {
        var chart = Chart(
            new TreatmentStarted(D("2020-01-10"), [], 2),
            Scan("2020-03-01", TimepointResponse.SD),
            new DiseaseProgressed(D("2020-04-01"), ProgressionBasis.Clinical),
            new EntryVoided(4, "pseudo-progression"));
        Assert.Equal(new TimeToEvent(51, false), OutcomeDerivation.Derive(chart, Study).Time("pfs"));
    }

    [Theory]
    [InlineData(41, "NE")] // SD seen 41 days after start: short of the 42-day window
    [InlineData(42, "SD")]
    public void Stable_disease_counts_only_after_the_minimum_interval(int daysAfterStart, string expected)
    {
        var start = D("2020-01-10");
        var bor = OutcomeDerivation.BestResponse(start, null, [Scan(start.AddDays(daysAfterStart).ToString("yyyy-MM-dd"), TimepointResponse.SD)], ResponseCriteria.Default);
        Assert.Equal(Enum.Parse<BestOverallResponse>(expected), bor);
    }

    [Fact]
    public void Responses_after_progression_do_not_count_and_confirmation_is_a_study_option()
    {
        var start = D("2020-01-10");
        Assert.Equal(BestOverallResponse.PD, OutcomeDerivation.BestResponse(start, D("2020-02-01"),
            [Scan("2020-02-01", TimepointResponse.PD), Scan("2020-04-01", TimepointResponse.PR)], ResponseCriteria.Default));

        var confirming = new ResponseCriteria(RequireConfirmation: true);
        ImagingAssessed[] once = [Scan("2020-03-01", TimepointResponse.PR)];
        ImagingAssessed[] twice = [Scan("2020-03-01", TimepointResponse.PR), Scan("2020-03-29", TimepointResponse.PR)];
        Assert.Equal(BestOverallResponse.SD, OutcomeDerivation.BestResponse(start, null, once, confirming));
        Assert.Equal(BestOverallResponse.PR, OutcomeDerivation.BestResponse(start, null, twice, confirming));
        Assert.Equal(BestOverallResponse.PR, OutcomeDerivation.BestResponse(start, null, once, ResponseCriteria.Default));
    }

    [Fact]
    public void Adverse_events_keep_the_worst_grade_per_term()
    {
        var outcome = OutcomeDerivation.Derive(Chart(
            new TreatmentStarted(D("2020-01-10"), [], 2),
            new AdverseEventRecorded("Neutropenia", 2, D("2020-02-01"), false, Attribution.Probable),
            new AdverseEventRecorded("neutropenia ", 4, D("2020-03-01"), true, Attribution.Probable),
            new AdverseEventRecorded("Rash", 1, D("2020-03-05"), false, Attribution.Possible)), Study);
        Assert.Equal([new AdverseEventSummary("Neutropenia", 4, true), new AdverseEventSummary("Rash", 1, false)], outcome.AdverseEvents);
    }

    [Fact]
    public void Adverse_events_accepted_without_a_term_are_counted_under_term_not_recorded()
    {
        // Entries accepted before terms were required carry "" or blanks; they still count, under one heading.
        var outcome = OutcomeDerivation.Derive(Chart(
            new TreatmentStarted(D("2020-01-10"), [], 2),
            new AdverseEventRecorded("", 1, D("2020-02-01"), false, Attribution.Unlikely),
            new AdverseEventRecorded("   ", 3, D("2020-02-02"), false, Attribution.Unlikely)), Study);
        Assert.Equal([new AdverseEventSummary("Term not recorded", 3, false)], outcome.AdverseEvents);
    }

    [Fact]
    public void The_outcome_carries_the_patients_arm_site_and_baseline_for_tables()
    {
        var outcome = OutcomeDerivation.Derive(Chart(new TreatmentStarted(D("2020-01-10"), [], 2)), Study);
        Assert.Equal(("ITC", "S1", D("2020-01-10")), (outcome.Arm, outcome.Site, outcome.OriginOn));
        Assert.Equal(NpcBaseline, outcome.Baseline);
    }
}
