using System.Text.Json;
using Registry.Api.Tests.DemoStudy;
using Registry.Demo;
using Registry.Domain.Outcomes;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>Kept outcomes built from shared parts read exactly as the outcomes they replace, and share what is alike.</summary>
public sealed class SharedOutcomePartsTests
{
    public static TheoryData<string> Studies => ["NPC-RM-2L", "LA-NPC-EFS", "RM-NPC-CADO"];

    private static SimulatedStudy Generate(string code) => code switch
    {
        "NPC-RM-2L" => MotivatingStudy.Generate(),
        "LA-NPC-EFS" => LocoregionalTrial.Generate(),
        _ => SingleArmTrial.Generate(),
    };

    [Theory, MemberData(nameof(Studies))]
    public void A_shared_outcome_reads_and_serialises_as_the_derived_one(string code)
    {
        var study = Generate(code);
        var parts = new SharedOutcomeParts();
        foreach (var outcome in DemoOutcomes.Derive(study))
        {
            var shared = parts.Share(outcome);
            Assert.Equal(JsonSerializer.Serialize(outcome), JsonSerializer.Serialize(shared));
            Assert.Equal(outcome.Baseline, shared.Baseline);
            foreach (var endpoint in outcome.Times.Keys)
                Assert.Equal(outcome.Time(endpoint), shared.Time(endpoint));
            Assert.Null(shared.Time("no-such-endpoint"));
            foreach (var variable in study.Protocol.Variables)
                Assert.Equal(outcome.Baseline.Get(variable.Key), shared.Baseline.Get(variable.Key));
        }
    }

    [Fact]
    public void Patients_alike_share_their_arm_baseline_categories_times_and_adverse_events()
    {
        var outcome = DemoOutcomes.Derive(MotivatingStudy.Generate()).First(o => o.Analysable && o.AdverseEvents.Count > 0);
        var parts = new SharedOutcomeParts();
        // Two copies read back from JSON, as two rows read from the database hold their own strings and objects.
        var first = parts.Share(JsonSerializer.Deserialize<PatientOutcome>(JsonSerializer.Serialize(outcome))!);
        var second = parts.Share(JsonSerializer.Deserialize<PatientOutcome>(JsonSerializer.Serialize(outcome))!);

        Assert.Same(first.Arm, second.Arm);
        Assert.Same(first.Site, second.Site);
        Assert.Same(first.Baseline.Keys.First(), second.Baseline.Keys.First());
        var category = first.Baseline.First(p => p.Value.Text is not null).Key;
        Assert.Same(first.Baseline[category], second.Baseline[category]);
        var number = first.Baseline.First(p => p.Value.Number is not null).Key;
        Assert.Same(first.Baseline[number], second.Baseline[number]);
        Assert.Same(first.Time("pfs"), second.Time("pfs"));
        Assert.Same(first.AdverseEvents[0], second.AdverseEvents[0]);
        Assert.Same(first.Times.Keys.First(), second.Times.Keys.First());
    }
}
