using Registry.Analytics.Cox;
using Registry.Analytics.Survival;

namespace Registry.Benchmarks;

/// <summary>
/// The work measured, one step per R call it is compared with: Kaplan–Meier per arm (<c>survfit</c>), the log-rank
/// test across arms (<c>survdiff</c>) and the Cox model of arm + age + Karnofsky with Efron ties (<c>coxph</c>).
/// Each step starts from the plain columns, as R starts from its data frame.
/// </summary>
public static class TrialAnalysis
{
    public static KaplanMeierCurve[] KaplanMeierByArm(SimulatedTrial trial) =>
        ByArm(trial).Select(g => KaplanMeier.Estimate(g.Data)).ToArray();

    public static LogRankResult LogRankAcrossArms(SimulatedTrial trial) => LogRank.Test(ByArm(trial));

    public static CoxModel CoxArmAgeKarnofsky(SimulatedTrial trial)
    {
        var design = new CoxDesign()
            .AddGroup("arm", trial.Arm, reference: SimulatedTrial.Arms[0])
            .AddCovariate("age", trial.Age)
            .AddCovariate("karnofsky", trial.Karnofsky);
        return CoxRegression.Fit(design, trial.Days, trial.Died, options: new CoxOptions { Ties = CoxTies.Efron });
    }

    /// <summary>One pass over the patients, as R's model frame splits by the factor once.</summary>
    private static SurvivalGroup[] ByArm(SimulatedTrial trial)
    {
        var arms = SimulatedTrial.Arms;
        var days = arms.Select(_ => new List<double>()).ToArray();
        var died = arms.Select(_ => new List<bool>()).ToArray();
        for (var i = 0; i < trial.Count; i++)
        {
            var a = Array.IndexOf(arms, trial.Arm[i]);
            days[a].Add(trial.Days[i]);
            died[a].Add(trial.Died[i]);
        }
        return arms.Select((arm, a) => new SurvivalGroup(arm, new SurvivalData(days[a], died[a]))).ToArray();
    }
}
