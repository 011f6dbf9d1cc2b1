using System.Text.Json;
using Registry.Analytics.Cox;
using Registry.Analytics.Subgroups;
using Registry.Analytics.Tests.Cox;

namespace Registry.Analytics.Tests.Subgroups;

/// <summary>
/// Forest-plot rows and the interaction test against R (fixtures from R/cox.R): per level
/// <c>coxph(Surv ~ trt [+ strata])</c> on the subset, and <c>anova(fit0, fit1)</c> for treatment × subgroup.
/// </summary>
public class SubgroupAnalysisAgreementTests
{
    // Same Newton path as R (see CoxRegressionAgreementTests); observed worst cases in brackets.
    private const double HazardRatioTolerance = 1e-11;  // [1e-14] HR and CI limits
    private const double ChiSquareTolerance = 1e-10;    // [2e-12] interaction LR, a difference of two log-likelihoods
    private const double PValueTolerance = 1e-9;        // [2e-12]

    public static IEnumerable<object[]> Cases => RFixture.Ids("Subgroups", _ => true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Agrees_with_R(string id)
    {
        var fixture = RFixture.Load("Subgroups", id);
        var input = fixture.Input;
        var result = SubgroupAnalysis.Analyze(
            RFixture.Doubles(input.GetProperty("time")),
            RFixture.Flags(input.GetProperty("status")),
            RFixture.Strings(input.GetProperty("arm")),
            new TreatmentComparison(RFixture.Strings(input.GetProperty("experimental")), RFixture.Strings(input.GetProperty("reference"))),
            input.GetProperty("subgroupName").GetString()!,
            RFixture.Strings(input.GetProperty("subgroup")),
            RFixture.Strings(input.GetProperty("subgroupLevels")),
            RFixture.OptionalStrings(input.GetProperty("strata")),
            new CoxOptions { Ties = fixture.Root.GetProperty("ties").GetString() == "breslow" ? CoxTies.Breslow : CoxTies.Efron });

        var expected = fixture.Expected;
        AssertEffect(fixture, expected.GetProperty("overall"), result.Overall);
        var levels = expected.GetProperty("subgroups").EnumerateArray().ToArray();
        Assert.Equal(levels.Length, result.Levels.Count);
        for (int k = 0; k < levels.Length; k++) AssertEffect(fixture, levels[k], result.Levels[k]);

        var interaction = expected.GetProperty("interaction");
        Assert.NotNull(result.Interaction);
        Assert.Equal(interaction.GetProperty("df").GetInt32(), result.Interaction!.DegreesOfFreedom);
        fixture.Close(interaction.GetProperty("chiSquare"), result.Interaction.ChiSquare, ChiSquareTolerance, "interaction LR chi-square");
        fixture.Close(interaction.GetProperty("p"), result.Interaction.P, PValueTolerance, "interaction LR p");
    }

    private static void AssertEffect(RFixture fixture, JsonElement r, TreatmentEffect ours)
    {
        string what = $"level {ours.Label}";
        Assert.Equal(r.GetProperty("level").GetString(), ours.Label);
        Assert.Equal(r.GetProperty("n").GetInt32(), ours.Subjects);
        Assert.Equal(r.GetProperty("events").GetInt32(), ours.Events);
        Assert.Equal(r.GetProperty("nExperimental").GetInt32(), ours.ExperimentalSubjects);
        Assert.Equal(r.GetProperty("eventsExperimental").GetInt32(), ours.ExperimentalEvents);
        Assert.Equal(r.GetProperty("nReference").GetInt32(), ours.ReferenceSubjects);
        Assert.Equal(r.GetProperty("eventsReference").GetInt32(), ours.ReferenceEvents);
        // R: not estimable when it warned the coefficient may be infinite, or there was nothing to fit.
        Assert.Equal(r.GetProperty("estimable").GetBoolean(), ours.Estimable);
        if (!ours.Estimable)
        {
            Assert.NotNull(ours.NotEstimableReason);
            Assert.Null(ours.HazardRatio);
            Assert.Null(ours.HazardRatioLower);
            Assert.Null(ours.HazardRatioUpper);
            Assert.Null(ours.P);
            return;
        }
        fixture.Close(r.GetProperty("hr"), ours.HazardRatio, HazardRatioTolerance, $"{what} HR");
        fixture.Close(r.GetProperty("hrLower"), ours.HazardRatioLower, HazardRatioTolerance, $"{what} lower .95");
        fixture.Close(r.GetProperty("hrUpper"), ours.HazardRatioUpper, HazardRatioTolerance, $"{what} upper .95");
        fixture.Close(r.GetProperty("p"), ours.P, PValueTolerance, $"{what} Pr(>|z|)");
    }
}
