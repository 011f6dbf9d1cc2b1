using Registry.Analytics.Cox;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using static Registry.Demo.LocoregionalTrial;

namespace Registry.Demo.Tests;

/// <summary>
/// The locoregionally advanced NPC demo against the trial it imitates: CONTINUUM (Liu et al., Lancet
/// 2024;403:2720–31), 425 patients, 36-month EFS 86.1% with sintilimab vs 76.0%, HR 0.59, median follow-up 41.9 months.
/// </summary>
public sealed class LocoregionalTrialTests
{
    private static readonly SimulatedStudy Study = Generate();
    private static readonly IReadOnlyList<PatientTimeline> Timelines = DemoFolding.Timelines(Study);
    private static readonly IReadOnlyList<PatientOutcome> Outcomes = Timelines.Select(t => OutcomeDerivation.Derive(t, Study.Protocol, Study.DataCut)).ToList();

    [Fact]
    public void The_protocol_is_well_formed()
    {
        Assert.Empty(ProtocolRules.Errors(Study.Protocol));
        Assert.True(Study.Protocol.IsRandomized);
        Assert.Equal(TimeOrigins.Randomization, Study.Protocol.TimeOrigin);
        Assert.Equal("efs", Study.Protocol.PrimaryEndpoint);
    }

    [Fact]
    public void Every_entry_is_one_the_registry_accepts()
    {
        Assert.Empty(DemoFolding.Refusals(Study));
        Assert.Equal(425, Study.Patients);
        Assert.Equal(Study.Patients, Timelines.Count);
    }

    [Fact]
    public void A_few_entries_are_corrected_with_reasons()
    {
        var corrections = Study.Entries.Select(e => e.Fact).OfType<SimulatedCorrection>().ToList();
        Assert.InRange(corrections.Count, 3, 40);
        Assert.All(corrections, c => Assert.False(string.IsNullOrWhiteSpace(c.Reason)));
        Assert.Contains(corrections, c => c.Replacement is PatientEnrolled);
        Assert.Contains(corrections, c => c.Replacement is DiseaseRelapsed);
    }

    [Fact]
    public void Patients_are_enrolled_without_an_arm_then_randomized_once_within_their_strata()
    {
        foreach (var timeline in Timelines)
        {
            Assert.Null(timeline.Enrolment.Arm);
            var randomization = Assert.Single(timeline.Effective<PatientRandomized>());
            Assert.Contains(randomization.Arm, new[] { Sintilimab, Placebo });
            Assert.True(randomization.RandomizedOn >= timeline.Enrolment.EnrolledOn);
            Assert.True(timeline.TreatmentStartedOn > randomization.RandomizedOn);
            foreach (var factor in Study.Protocol.StratificationFactors!)
                Assert.Equal(DataDictionary.GroupOf(Study.Protocol.Variable(factor)!, timeline.Enrolment.Baseline.Get(factor)), randomization.Strata![factor]);
        }
        // Blocks of four within each stratum leave the arms at most two apart per stratum.
        var strata = Timelines.Select(t => string.Join("|", t.Randomization!.Strata!.Values)).Distinct().Count();
        Assert.InRange(Timelines.Count(t => t.Arm == Sintilimab) - Timelines.Count(t => t.Arm == Placebo), -2 * strata, 2 * strata);
    }

    [Fact]
    public void Event_free_survival_at_36_months_is_the_published_one_in_each_arm()
    {
        var sintilimab = DemoFolding.Curve(Outcomes.Where(o => o.Arm == Sintilimab), "efs").SurvivalAt(36).Survival!.Value;
        var placebo = DemoFolding.Curve(Outcomes.Where(o => o.Arm == Placebo), "efs").SurvivalAt(36).Survival!.Value;
        // Liu 2024 (CONTINUUM): 36-month EFS 86.1% with sintilimab, 76.0% with standard therapy.
        Assert.True(Math.Abs(sintilimab - 0.861) <= 0.04, $"36-month EFS with sintilimab is {sintilimab:P1}; Liu 2024 (CONTINUUM) reports 86.1%.");
        Assert.True(Math.Abs(placebo - 0.760) <= 0.04, $"36-month EFS on chemoradiotherapy alone is {placebo:P1}; Liu 2024 (CONTINUUM) reports 76.0%.");
    }

    [Fact]
    public void The_event_free_survival_hazard_ratio_is_the_published_one()
    {
        var hazardRatio = HazardRatio("efs");
        // Liu 2024 (CONTINUUM): EFS HR 0.59 (95% CI 0.38–0.92).
        Assert.True(Math.Abs(hazardRatio - 0.59) <= 0.06, $"EFS hazard ratio is {hazardRatio:F2}; Liu 2024 (CONTINUUM) reports 0.59 (0.38–0.92).");
    }

    [Fact]
    public void Sintilimab_lowers_distant_and_locoregional_failure_and_most_failures_are_distant()
    {
        // Liu 2024 (CONTINUUM): DMFS HR 0.57 and LRFS HR 0.52, 3-year DMFS 90.3% vs 82.8%, LRFS 93.4% vs 86.8%.
        Assert.True(HazardRatio("dmfs") < 0.8, $"DMFS hazard ratio is {HazardRatio("dmfs"):F2}; Liu 2024 (CONTINUUM) reports 0.57.");
        Assert.True(HazardRatio("lrrfs") < 0.8, $"LRRFS hazard ratio is {HazardRatio("lrrfs"):F2}; Liu 2024 (CONTINUUM) reports 0.52 for LRFS.");
        var firstFailures = Timelines.Select(t => t.Effective<DiseaseRelapsed>().OrderBy(r => r.RelapsedOn).FirstOrDefault()).OfType<DiseaseRelapsed>().ToList();
        var distant = firstFailures.Count(r => r.Type is FailureSite.Distant or FailureSite.Both);
        Assert.True(distant > firstFailures.Count / 2, $"{distant} of {firstFailures.Count} first failures are distant; in Liu 2024 (CONTINUUM) distant failure dominates.");
    }

    [Fact]
    public void Median_follow_up_is_the_published_one()
    {
        var followUp = DemoFolding.MedianFollowUpMonths(Outcomes)!.Value;
        // Liu 2024 (CONTINUUM): median follow-up 41.9 months.
        Assert.True(Math.Abs(followUp - 41.9) <= 3, $"Median follow-up is {followUp:F1} months; Liu 2024 (CONTINUUM) reports 41.9.");
    }

    [Fact]
    public void The_same_seed_gives_the_same_study()
    {
        Assert.Equal(DemoFolding.Transcript(Study), DemoFolding.Transcript(Generate(DefaultSeed)));
        Assert.NotEqual(DemoFolding.Transcript(Study), DemoFolding.Transcript(Generate(DefaultSeed + 1)));
    }

    /// <summary>Sintilimab vs placebo: Cox (Efron ties) stratified by the analysis plan's stratification factors.</summary>
    private static double HazardRatio(string endpoint)
    {
        var rows = Outcomes.Where(o => o.Time(endpoint) is not null).ToList();
        var design = new CoxDesign().AddGroup("arm", rows.Select(o => o.Arm!).ToList(), Placebo, [Placebo, Sintilimab]);
        var strata = rows.Select(o => string.Join("|", Study.Protocol.Analysis!.StratifyBy!
            .Select(key => DataDictionary.GroupOf(Study.Protocol.Variable(key)!, o.Baseline.Get(key))))).ToList();
        var model = CoxRegression.Fit(design, rows.Select(o => o.Time(endpoint)!.Days / DemoFolding.DaysPerMonth).ToList(),
            rows.Select(o => o.Time(endpoint)!.Event).ToList(), strata, new CoxOptions { Ties = CoxTies.Efron });
        return model.Terms[0].HazardRatio!.Value;
    }
}
