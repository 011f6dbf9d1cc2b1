using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using static Registry.Domain.Tests.Support.Fixtures;

namespace Registry.Domain.Tests.Outcomes;

/// <summary>
/// Every endpoint of <see cref="EndpointCatalogue"/> on small histories. The expected days are worked by hand from the
/// catalogue's definitions (quoted above each test) in 2021, a common year: days from 1 Jan to the first of each month
/// are Feb 31, Mar 59, Apr 90, May 120, Jun 151, Jul 181, Aug 212; 31 Dec is day 364.
/// </summary>
public sealed class EndpointDerivationTests
{
    private static readonly Guid PatientId = Guid.NewGuid();

    private static readonly Protocol FromTreatmentStart = SingleArm(TimeOrigins.TreatmentStart);

    /// <summary>Enrolled 28 Dec 2020 on ITC and started treatment on 1 Jan 2021 (the time origin, day 0), then the events given.</summary>
    private static PatientTimeline Treated(params object[] events) =>
        Timeline(Enrolment(PatientId, D("2020-12-28")), [new TreatmentStarted(D("2021-01-01"), ["toripalimab"], 1), .. events]);

    /// <summary>The named endpoints' times as a dictionary, so a mismatch shows every endpoint side by side.</summary>
    private static void AssertTimes(PatientOutcome outcome, params (string Endpoint, int Days, bool Event)[] expected) =>
        Assert.Equal(
            expected.ToDictionary(e => e.Endpoint, e => (TimeToEvent?)new TimeToEvent(e.Days, e.Event)),
            expected.ToDictionary(e => e.Endpoint, e => outcome.Time(e.Endpoint)));

    // ── time origins ────────────────────────────────────────────────────────────────────────────────────────────

    [Theory]
    // Enrolled 4 Jan, randomized 11 Jan, treated from 18 Jan, died 11 Apr 2021. OS = "from the time origin to death":
    [InlineData(TimeOrigins.Randomization, "2021-01-11", 90)]  // 11 Jan → 11 Apr: 20 + 28 + 31 + 11 = 90
    [InlineData(TimeOrigins.TreatmentStart, "2021-01-18", 83)] // 18 Jan → 11 Apr: 13 + 28 + 31 + 11 = 83
    [InlineData(TimeOrigins.Enrolment, "2021-01-04", 97)]      //  4 Jan → 11 Apr: 27 + 28 + 31 + 11 = 97
    public void Time_is_counted_from_the_protocols_origin(string origin, string expectedOrigin, int expectedOsDays)
    {
        var randomized = origin == TimeOrigins.Randomization;
        var protocol = randomized ? Randomized() : SingleArm(origin);
        var enrolment = Enrolment(PatientId, D("2021-01-04"), arm: randomized ? null : "ITC");
        object[] allocation = randomized ? [new PatientRandomized(D("2021-01-11"), "IC", new Dictionary<string, string> { ["diseaseStatus"] = "recurrent" })] : [];

        var outcome = OutcomeDerivation.Derive(Timeline(enrolment,
            [.. allocation, new TreatmentStarted(D("2021-01-18"), [], 1), new PatientDied(D("2021-04-11"), null)]), protocol);

        Assert.Equal(D(expectedOrigin), outcome.OriginOn);
        Assert.Equal(new TimeToEvent(expectedOsDays, true), outcome.Time("os"));
        Assert.Equal(randomized ? "IC" : "ITC", outcome.Arm);
    }

    [Fact]
    public void The_earliest_treatment_start_in_force_is_the_origin_whatever_the_order_recorded()
    {
        // A second line recorded before the first was back-entered: the origin is still the first line, 1 Jan.
        var outcome = OutcomeDerivation.Derive(Timeline(Enrolment(PatientId, D("2020-12-28")),
            new TreatmentStarted(D("2021-03-01"), [], 2),
            new TreatmentStarted(D("2021-01-01"), [], 1),
            new PatientDied(D("2021-04-11"), null)), FromTreatmentStart);

        Assert.Equal(D("2021-01-01"), outcome.OriginOn);
        Assert.Equal(new TimeToEvent(100, true), outcome.Time("os")); // 1 Jan → 11 Apr = 90 + 10 = 100
    }

    // ── who is analysable ───────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void A_patient_of_a_randomized_study_who_was_never_randomized_is_excluded_as_not_randomized()
    {
        var outcome = OutcomeDerivation.Derive(Timeline(Enrolment(PatientId, D("2021-01-04"), arm: null),
            new TreatmentStarted(D("2021-01-18"), [], 1), new PatientDied(D("2021-04-11"), null)), Randomized());

        Assert.Equal("not randomized", outcome.ExcludedBecause);
        Assert.False(outcome.Analysable);
        Assert.Null(outcome.Arm);
        Assert.Null(outcome.OriginOn);
        Assert.Empty(outcome.Times); // no endpoint at all, so no view can count them by mistake
    }

    [Fact]
    public void A_voided_randomization_leaves_the_patient_not_randomized()
    {
        var outcome = OutcomeDerivation.Derive(Timeline(Enrolment(PatientId, D("2021-01-04"), arm: null),
            new PatientRandomized(D("2021-01-11"), "ITC", null), new EntryVoided(2, "randomized in error")), Randomized());
        Assert.Equal("not randomized", outcome.ExcludedBecause);
    }

    [Fact]
    public void Without_a_treatment_start_a_study_counting_from_treatment_start_excludes_the_patient()
    {
        var outcome = OutcomeDerivation.Derive(Timeline(Enrolment(PatientId, D("2021-01-04")), new LastKnownAlive(D("2021-06-01"))), FromTreatmentStart);

        Assert.Equal("no treatment start recorded", outcome.ExcludedBecause);
        Assert.Equal("ITC", outcome.Arm); // excluded from the analysis, still counted as enrolled on ITC
        Assert.Empty(outcome.Times);
    }

    [Fact]
    public void A_study_counting_from_enrolment_analyses_a_patient_who_never_started_treatment()
    {
        // 4 Jan → 1 Jun 2021: 27 + 28 + 31 + 30 + 31 + 1 = 148 days known alive; no assessment, so PFS censors at the origin.
        var outcome = OutcomeDerivation.Derive(Timeline(Enrolment(PatientId, D("2021-01-04")), new LastKnownAlive(D("2021-06-01"))),
            SingleArm(TimeOrigins.Enrolment));

        Assert.True(outcome.Analysable);
        AssertTimes(outcome, ("os", 148, false), ("pfs", 0, false), ("efs", 148, false));
    }

    // ── typed relapses ──────────────────────────────────────────────────────────────────────────────────────────

    [Theory]
    // Relapse on 2 Mar (day 60), last known alive 31 Dec (day 364).
    // DMFS: "to the first distant relapse … or death"; LRRFS: "to the first locoregional relapse … or death";
    // a relapse of both kinds is both at once.
    [InlineData(FailureSite.Distant, true, false)]
    [InlineData(FailureSite.Locoregional, false, true)]
    [InlineData(FailureSite.Both, true, true)]
    public void A_relapse_counts_for_the_site_specific_endpoints_of_its_type(FailureSite type, bool dmfsEvent, bool lrrfsEvent)
    {
        var outcome = OutcomeDerivation.Derive(Treated(new DiseaseRelapsed(D("2021-03-02"), type), new LastKnownAlive(D("2021-12-31"))), FromTreatmentStart);

        AssertTimes(outcome,
            ("dmfs", dmfsEvent ? 60 : 364, dmfsEvent),
            ("lrrfs", lrrfsEvent ? 60 : 364, lrrfsEvent),
            // EFS, FFS, PFS, TTP: any relapse, whatever its site, is the event.
            ("efs", 60, true), ("ffs", 60, true), ("pfs", 60, true), ("ttp", 60, true),
            ("os", 364, false));
    }

    [Fact]
    public void A_locoregional_relapse_then_a_distant_one_give_each_site_its_own_first_failure()
    {
        // Locoregional on 2 Mar (60), distant on 1 May (120), alive on 31 Dec (364).
        var outcome = OutcomeDerivation.Derive(Treated(
            new DiseaseRelapsed(D("2021-03-02"), FailureSite.Locoregional),
            new DiseaseRelapsed(D("2021-05-01"), FailureSite.Distant),
            new LastKnownAlive(D("2021-12-31"))), FromTreatmentStart);

        AssertTimes(outcome, ("lrrfs", 60, true), ("dmfs", 120, true), ("efs", 60, true), ("ffs", 60, true));
    }

    [Theory]
    // A progression entry with its site counts for that site's endpoint; without one (Site = null: "where, when it is
    // known", PatientEvents) it fails PFS/EFS/FFS/TTP but neither site-specific endpoint. Progression 2 Mar (60), alive 31 Dec (364).
    [InlineData(FailureSite.Distant, true, false)]
    [InlineData(FailureSite.Locoregional, false, true)]
    [InlineData(null, false, false)]
    public void A_progression_counts_for_the_site_specific_endpoints_only_when_its_site_is_known(FailureSite? site, bool dmfsEvent, bool lrrfsEvent)
    {
        var outcome = OutcomeDerivation.Derive(Treated(
            new DiseaseProgressed(D("2021-03-02"), ProgressionBasis.Radiological, site), new LastKnownAlive(D("2021-12-31"))), FromTreatmentStart);

        AssertTimes(outcome,
            ("dmfs", dmfsEvent ? 60 : 364, dmfsEvent), ("lrrfs", lrrfsEvent ? 60 : 364, lrrfsEvent),
            ("pfs", 60, true), ("efs", 60, true), ("ffs", 60, true), ("ttp", 60, true));
    }

    [Fact]
    public void Death_without_failure_is_an_event_for_efs_dmfs_lrrfs_and_pfs_but_censors_ffs_at_death_and_ttp_at_the_last_assessment()
    {
        // SD on 15 Feb (day 45), died 11 Apr (day 100) with no progression or relapse.
        // FFS: "death without failure censors at death"; TTP: "death without progression censors at the last tumour assessment".
        var outcome = OutcomeDerivation.Derive(Treated(Scan("2021-02-15", TimepointResponse.SD), new PatientDied(D("2021-04-11"), "pneumonia")), FromTreatmentStart);

        AssertTimes(outcome,
            ("ffs", 100, false), ("ttp", 45, false),
            ("os", 100, true), ("pfs", 100, true), ("efs", 100, true), ("dmfs", 100, true), ("lrrfs", 100, true));
        Assert.Equal(BestOverallResponse.SD, outcome.BestOverallResponse); // SD at day 45 ≥ the 42-day minimum
    }

    [Fact]
    public void Alive_without_failure_PFS_and_TTP_censor_at_the_last_assessment_and_the_others_at_the_last_date_known_alive()
    {
        // SD on 15 Feb (45), last known alive 31 Dec (364). PFS/TTP: "censored at the last tumour assessment";
        // OS/EFS/DMFS/LRRFS: "censored at the last date known alive"; FFS: no death either, so the same.
        var outcome = OutcomeDerivation.Derive(Treated(Scan("2021-02-15", TimepointResponse.SD), new LastKnownAlive(D("2021-12-31"))), FromTreatmentStart);

        AssertTimes(outcome,
            ("pfs", 45, false), ("ttp", 45, false),
            ("os", 364, false), ("efs", 364, false), ("ffs", 364, false), ("dmfs", 364, false), ("lrrfs", 364, false));
    }

    // ── imaging PD ──────────────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void An_imaging_timepoint_of_PD_without_a_progression_entry_ends_PFS_on_the_scan_date()
    {
        // PR on 12 Feb (42), PD on 1 Apr (90), alive 30 Jun (180). PFS: "including an imaging timepoint of PD".
        // The scan says nothing about the site, so DMFS and LRRFS stay at risk to the last date known alive.
        var outcome = OutcomeDerivation.Derive(Treated(
            Scan("2021-02-12", TimepointResponse.PR), Scan("2021-04-01", TimepointResponse.PD), new LastKnownAlive(D("2021-06-30"))), FromTreatmentStart);

        AssertTimes(outcome,
            ("pfs", 90, true), ("ttp", 90, true), ("efs", 90, true), ("ffs", 90, true),
            ("dmfs", 180, false), ("lrrfs", 180, false), ("os", 180, false),
            ("dor", 48, true)); // first response 12 Feb → PD 1 Apr: 16 + 31 + 1 = 48
        Assert.Equal(BestOverallResponse.PR, outcome.BestOverallResponse);
    }

    [Fact]
    public void A_PD_scan_before_the_time_origin_is_a_baseline_scan_not_a_progression()
    {
        // Enrolled 20 Dec 2020, baseline scan PD on 28 Dec, treated from 1 Jan; SD on 15 Feb (45), alive 2 Mar (60).
        var outcome = OutcomeDerivation.Derive(Timeline(Enrolment(PatientId, D("2020-12-20")),
            Scan("2020-12-28", TimepointResponse.PD),
            new TreatmentStarted(D("2021-01-01"), [], 1),
            Scan("2021-02-15", TimepointResponse.SD),
            new LastKnownAlive(D("2021-03-02"))), FromTreatmentStart);

        AssertTimes(outcome, ("pfs", 45, false), ("os", 60, false));
        Assert.Equal(BestOverallResponse.SD, outcome.BestOverallResponse);
    }

    // ── duration of response ───────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void DOR_runs_from_the_first_response_to_progression()
    {
        // SD 12 Feb, PR 15 Mar, PR 1 May, progression 1 Jul. DOR: "from the first response to progression or death":
        // 15 Mar → 1 Jul = 16 + 30 + 31 + 30 + 1 = 108. PFS from 1 Jan: 181.
        var outcome = OutcomeDerivation.Derive(Treated(
            Scan("2021-02-12", TimepointResponse.SD), Scan("2021-03-15", TimepointResponse.PR), Scan("2021-05-01", TimepointResponse.PR),
            new DiseaseProgressed(D("2021-07-01"), ProgressionBasis.Radiological)), FromTreatmentStart);

        AssertTimes(outcome, ("dor", 108, true), ("pfs", 181, true));
    }

    [Fact]
    public void DOR_of_a_responder_still_responding_is_censored_at_the_last_assessment()
    {
        // PR 15 Mar, PR 1 May, alive 30 Jun: censored at the 1 May scan, 15 Mar → 1 May = 16 + 30 + 1 = 47.
        var outcome = OutcomeDerivation.Derive(Treated(
            Scan("2021-03-15", TimepointResponse.PR), Scan("2021-05-01", TimepointResponse.PR), new LastKnownAlive(D("2021-06-30"))), FromTreatmentStart);
        AssertTimes(outcome, ("dor", 47, false));
    }

    [Fact]
    public void Death_ends_a_response()
    {
        // CR 15 Mar, died 11 Apr: 16 + 11 = 27 days of response.
        var outcome = OutcomeDerivation.Derive(Treated(Scan("2021-03-15", TimepointResponse.CR), new PatientDied(D("2021-04-11"), null)), FromTreatmentStart);
        AssertTimes(outcome, ("dor", 27, true));
        Assert.Equal(BestOverallResponse.CR, outcome.BestOverallResponse);
    }

    [Theory]
    // "Among responders (best overall response CR or PR)": stable or progressive disease gives no DOR at all.
    [InlineData(TimepointResponse.SD, BestOverallResponse.SD)]
    [InlineData(TimepointResponse.PD, BestOverallResponse.PD)]
    [InlineData(TimepointResponse.NE, BestOverallResponse.NE)]
    public void A_non_responder_has_no_DOR(TimepointResponse response, BestOverallResponse expected)
    {
        var outcome = OutcomeDerivation.Derive(Treated(Scan("2021-03-15", response), new LastKnownAlive(D("2021-06-30"))), FromTreatmentStart);
        Assert.Equal(expected, outcome.BestOverallResponse);
        Assert.Null(outcome.Time("dor"));
    }

    [Fact]
    public void An_unconfirmed_response_is_not_a_response_when_the_protocol_requires_confirmation_so_there_is_no_DOR()
    {
        // PR on 15 Mar (day 73 ≥ 42) with no confirming scan: it still qualifies as SD.
        var outcome = OutcomeDerivation.Derive(Treated(Scan("2021-03-15", TimepointResponse.PR), new LastKnownAlive(D("2021-06-30"))),
            SingleArm(response: new ResponseCriteria(RequireConfirmation: true)));
        Assert.Equal(BestOverallResponse.SD, outcome.BestOverallResponse);
        Assert.Null(outcome.Time("dor"));
    }

    // ── confirmed response (CORR) ───────────────────────────────────────────────────────────────────────────────

    [Theory]
    // CORR: "CR or PR confirmed by a later timepoint at least the protocol's confirmation interval apart" (28 days by default).
    [InlineData("PR", "2021-03-12", "PR", true, "PR")]  // 12 Feb → 12 Mar = 28 days: confirmed
    [InlineData("PR", "2021-03-11", "PR", false, "PR")] // 27 days: too soon
    [InlineData("PR", "2021-03-12", "SD", false, "PR")] // the later timepoint is worse
    [InlineData("CR", "2021-03-12", "PR", true, "CR")]  // a PR confirms a CR as a response (CR or PR), though not as a CR
    [InlineData("PR", "2021-03-12", "CR", true, "CR")]  // a better later response confirms
    public void A_response_is_confirmed_by_a_same_or_better_timepoint_at_least_the_interval_later(
        string first, string later, string laterResponse, bool confirmed, string best)
    {
        var outcome = OutcomeDerivation.Derive(Treated(
            Scan("2021-02-12", Enum.Parse<TimepointResponse>(first)), Scan(later, Enum.Parse<TimepointResponse>(laterResponse))), FromTreatmentStart);

        Assert.Equal(confirmed, outcome.ConfirmedResponse);
        Assert.Equal(Enum.Parse<BestOverallResponse>(best), outcome.BestOverallResponse); // confirmation is not required by this protocol
    }

    [Fact]
    public void A_confirming_timepoint_after_progression_does_not_confirm()
    {
        // PR 12 Feb, progression 1 Mar, PR 12 Mar: only timepoints up to the first progression count.
        var outcome = OutcomeDerivation.Derive(Treated(
            Scan("2021-02-12", TimepointResponse.PR), new DiseaseProgressed(D("2021-03-01"), ProgressionBasis.Clinical),
            Scan("2021-03-12", TimepointResponse.PR)), FromTreatmentStart);

        Assert.False(outcome.ConfirmedResponse);
        AssertTimes(outcome, ("dor", 17, true)); // 12 Feb → 1 Mar = 16 + 1
    }

    [Fact]
    public void The_confirmation_interval_is_the_protocols()
    {
        // 28 days apart confirms under the default but not under a protocol asking for 8 weeks.
        object[] scans = [Scan("2021-02-12", TimepointResponse.PR), Scan("2021-03-12", TimepointResponse.PR)];
        var eightWeeks = SingleArm(response: new ResponseCriteria(ConfirmationMinimumDays: 56));
        Assert.True(OutcomeDerivation.Derive(Treated(scans), FromTreatmentStart).ConfirmedResponse);
        Assert.False(OutcomeDerivation.Derive(Treated(scans), eightWeeks).ConfirmedResponse);
    }

    // ── data cut ────────────────────────────────────────────────────────────────────────────────────────────────

    private static PatientTimeline RelapsedThenDied() => Treated(
        Scan("2021-03-02", TimepointResponse.SD),               // day 60
        new DiseaseRelapsed(D("2021-06-01"), FailureSite.Distant), // day 151
        new PatientDied(D("2021-12-31"), null));                  // day 364

    [Fact]
    public void Without_a_data_cut_the_relapse_and_the_death_are_the_events()
    {
        AssertTimes(OutcomeDerivation.Derive(RelapsedThenDied(), FromTreatmentStart),
            ("dmfs", 151, true), ("lrrfs", 364, true), ("efs", 151, true), ("ffs", 151, true), ("os", 364, true), ("pfs", 151, true));
    }

    [Fact]
    public void A_data_cut_before_the_relapse_censors_every_endpoint_at_the_cut_or_the_last_assessment()
    {
        // Cut 11 Apr (day 100): the relapse and death are after it. Known alive after the cut, so alive at it:
        // OS/EFS/FFS/DMFS/LRRFS censor at 100; PFS/TTP at the last assessment before the cut, 2 Mar (60).
        AssertTimes(OutcomeDerivation.Derive(RelapsedThenDied(), FromTreatmentStart, dataCut: D("2021-04-11")),
            ("os", 100, false), ("efs", 100, false), ("ffs", 100, false), ("dmfs", 100, false), ("lrrfs", 100, false),
            ("pfs", 60, false), ("ttp", 60, false));
    }

    [Fact]
    public void An_event_on_the_day_of_the_cut_counts()
    {
        // Cut 1 Jun, the relapse's own date: "facts dated after the cut are ignored", this one is not after it.
        AssertTimes(OutcomeDerivation.Derive(RelapsedThenDied(), FromTreatmentStart, dataCut: D("2021-06-01")),
            ("dmfs", 151, true), ("os", 151, false), ("lrrfs", 151, false));
    }

    [Fact]
    public void A_randomization_after_the_cut_leaves_the_patient_not_randomized_at_the_cut()
    {
        var chart = Timeline(Enrolment(PatientId, D("2021-01-04"), arm: null), new PatientRandomized(D("2021-02-01"), "ITC", null));
        Assert.Equal("not randomized", OutcomeDerivation.Derive(chart, Randomized(), dataCut: D("2021-01-31")).ExcludedBecause);
        Assert.True(OutcomeDerivation.Derive(chart, Randomized(), dataCut: D("2021-02-01")).Analysable);
    }

    [Fact]
    public void A_patient_enrolled_after_the_data_cut_is_not_analysed_at_it()
    {
        // Found by OutcomeDerivationProperties. "Facts dated after the cut are ignored": the enrolment is one of them.
        // A study counting from enrolment must not analyse, at a 30 Jun cut, a patient enrolled on 1 Jul (today:
        // analysable, origin 1 Jul, every time 0 days censored, best response NE, so counted in N and in ORR's denominator).
        var chart = Timeline(Enrolment(PatientId, D("2021-07-01")), new LastKnownAlive(D("2021-09-01")));
        var outcome = OutcomeDerivation.Derive(chart, SingleArm(TimeOrigins.Enrolment), dataCut: D("2021-06-30"));
        Assert.False(outcome.Analysable, $"analysable with origin {outcome.OriginOn:yyyy-MM-dd} after the cut");
        Assert.Empty(outcome.Times);
    }

    // ── corrections and voids ───────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void A_corrected_death_date_moves_every_death_event()
    {
        // Died 11 Apr (100) as first recorded (version 3), corrected to 1 May (120).
        var outcome = OutcomeDerivation.Derive(Treated(
            new PatientDied(D("2021-04-11"), null),
            new EntryCorrected(3, new PatientDied(D("2021-05-01"), null), "date transcribed from the wrong letter")), FromTreatmentStart);
        AssertTimes(outcome, ("os", 120, true), ("pfs", 120, true), ("dmfs", 120, true), ("ffs", 120, false));
    }

    [Fact]
    public void Correcting_a_relapses_type_moves_it_from_one_site_specific_endpoint_to_the_other()
    {
        // Locoregional relapse on 2 Mar (60, version 3) corrected to distant; alive 31 Dec (364).
        var outcome = OutcomeDerivation.Derive(Treated(
            new DiseaseRelapsed(D("2021-03-02"), FailureSite.Locoregional),
            new LastKnownAlive(D("2021-12-31")),
            new EntryCorrected(3, new DiseaseRelapsed(D("2021-03-02"), FailureSite.Distant), "biopsy showed a lung metastasis")), FromTreatmentStart);
        AssertTimes(outcome, ("dmfs", 60, true), ("lrrfs", 364, false), ("efs", 60, true));
    }

    [Fact]
    public void Correcting_the_treatment_start_moves_the_origin()
    {
        // Start 1 Jan (version 2) corrected to 11 Jan; died 11 Apr: 20 + 28 + 31 + 11 = 90.
        var outcome = OutcomeDerivation.Derive(Treated(
            new PatientDied(D("2021-04-11"), null),
            new EntryCorrected(2, new TreatmentStarted(D("2021-01-11"), ["toripalimab"], 1), "first cycle was postponed")), FromTreatmentStart);
        Assert.Equal(D("2021-01-11"), outcome.OriginOn);
        AssertTimes(outcome, ("os", 90, true));
    }

    [Fact]
    public void Voiding_the_only_PD_scan_puts_the_patient_back_at_risk()
    {
        // SD 2 Mar (60, version 3), PD 1 Apr (version 4) voided; alive 30 Jun (180).
        var outcome = OutcomeDerivation.Derive(Treated(
            Scan("2021-03-02", TimepointResponse.SD), Scan("2021-04-01", TimepointResponse.PD), new LastKnownAlive(D("2021-06-30")),
            new EntryVoided(4, "scan of another patient")), FromTreatmentStart);
        AssertTimes(outcome, ("pfs", 60, false), ("ttp", 60, false), ("efs", 180, false));
        Assert.Equal(BestOverallResponse.SD, outcome.BestOverallResponse);
    }

    [Fact]
    public void Correcting_the_randomized_arm_moves_the_patient_to_the_other_arm()
    {
        var outcome = OutcomeDerivation.Derive(Timeline(Enrolment(PatientId, D("2021-01-04"), arm: null),
            new PatientRandomized(D("2021-01-11"), "ITC", null),
            new EntryCorrected(2, new PatientRandomized(D("2021-01-11"), "IC", null), "allocation list misread")), Randomized());
        Assert.Equal("IC", outcome.Arm);
    }
}
