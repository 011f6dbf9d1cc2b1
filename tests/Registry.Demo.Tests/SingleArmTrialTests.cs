using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using static Registry.Demo.SingleArmTrial;

namespace Registry.Demo.Tests;

/// <summary>
/// The recurrent/metastatic NPC demo against the trial it imitates: Jiang et al., BMC Medicine 2025 (cadonilimab
/// with chemotherapy after anti-PD-1 failure), 25 patients, ORR 68%, median DOR 9.1 and PFS 10.6 months, 12-month OS 75.6%.
/// </summary>
public sealed class SingleArmTrialTests
{
    private static readonly SimulatedStudy Study = Generate();
    private static readonly IReadOnlyList<PatientOutcome> Outcomes = DemoFolding.Outcomes(Study);

    [Fact]
    public void The_protocol_is_well_formed()
    {
        Assert.Empty(ProtocolRules.Errors(Study.Protocol));
        Assert.Equal(StudyDesigns.SingleArm, Study.Protocol.Design);
        Assert.Equal(TimeOrigins.TreatmentStart, Study.Protocol.TimeOrigin);
        Assert.True(Study.Protocol.ResponseCriteria.RequireConfirmation);
    }

    [Fact]
    public void Every_entry_is_one_the_registry_accepts()
    {
        Assert.Empty(DemoFolding.Refusals(Study));
        Assert.Equal(25, Study.Patients);
        Assert.All(DemoFolding.Timelines(Study), t => Assert.Equal(Arm, t.Enrolment.Arm));
    }

    [Fact]
    public void A_few_entries_are_corrected_with_reasons()
    {
        var corrections = Study.Entries.Select(e => e.Fact).OfType<SimulatedCorrection>().ToList();
        Assert.InRange(corrections.Count, 1, 10);
        Assert.All(corrections, c => Assert.False(string.IsNullOrWhiteSpace(c.Reason)));
    }

    [Fact]
    public void Objective_response_and_disease_control_are_the_published_ones()
    {
        int Count(params BestOverallResponse[] responses) => Outcomes.Count(o => responses.Contains(o.BestOverallResponse));
        // Jiang 2025: 3 complete and 14 partial responses (ORR 68%) and 6 stable disease of 25 patients.
        Assert.True(Count(BestOverallResponse.CR) == 3, $"{Count(BestOverallResponse.CR)} complete responses; Jiang 2025 reports 3.");
        Assert.True(Count(BestOverallResponse.CR, BestOverallResponse.PR) == 17, $"ORR is {Count(BestOverallResponse.CR, BestOverallResponse.PR)}/25; Jiang 2025 reports 68% (17/25).");
        Assert.True(Count(BestOverallResponse.CR, BestOverallResponse.PR, BestOverallResponse.SD) == 23,
            $"DCR is {Count(BestOverallResponse.CR, BestOverallResponse.PR, BestOverallResponse.SD)}/25; Jiang 2025's 3 CR + 14 PR + 6 SD make 92% (23/25).");
        Assert.All(Outcomes.Where(o => o.BestOverallResponse is BestOverallResponse.CR or BestOverallResponse.PR), o => Assert.True(o.ConfirmedResponse));
    }

    [Fact]
    public void Median_duration_of_response_and_progression_free_survival_are_the_published_ones()
    {
        var dor = DemoFolding.Curve(Outcomes, "dor").Median.Time;
        var pfs = DemoFolding.Curve(Outcomes, "pfs").Median.Time;
        // Jiang 2025: median DOR 9.1 months (95% CI 3.8–14.5), median PFS 10.6 months (5.2–16.0).
        Assert.True(dor is { } d && Math.Abs(d / 9.1 - 1) <= 0.2, $"Median DOR is {dor:F1} months; Jiang 2025 reports 9.1.");
        Assert.True(pfs is { } p && Math.Abs(p / 10.6 - 1) <= 0.2, $"Median PFS is {pfs:F1} months; Jiang 2025 reports 10.6.");
    }

    [Fact]
    public void Overall_survival_at_12_months_is_the_published_one()
    {
        var os = DemoFolding.Curve(Outcomes, "os").SurvivalAt(12).Survival!.Value;
        // Jiang 2025: 12-month OS 75.6%.
        Assert.True(Math.Abs(os - 0.756) <= 0.08, $"12-month OS is {os:P1}; Jiang 2025 reports 75.6%.");
    }

    [Fact]
    public void The_same_seed_gives_the_same_study()
    {
        Assert.Equal(DemoFolding.Transcript(Study), DemoFolding.Transcript(Generate(DefaultSeed)));
        Assert.NotEqual(DemoFolding.Transcript(Study), DemoFolding.Transcript(Generate(DefaultSeed + 1)));
    }
}
