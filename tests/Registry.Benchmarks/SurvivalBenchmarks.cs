using BenchmarkDotNet.Attributes;
using Registry.Analytics.Cox;
using Registry.Analytics.Survival;

namespace Registry.Benchmarks;

/// <summary>Kaplan–Meier, log-rank and Cox on the simulated trial at three sizes; compare-with-r.sh sets these beside R.</summary>
[MemoryDiagnoser]
public class SurvivalBenchmarks
{
    private SimulatedTrial _trial = null!;

    public static IEnumerable<int> Sizes => [10_000, 100_000, 1_000_000];

    [ParamsSource(nameof(Sizes))]
    public int Patients { get; set; }

    [GlobalSetup]
    public void Simulate() => _trial = SimulatedTrial.Generate(Patients);

    [Benchmark(Description = "KM + log-rank + Cox")]
    public CoxModel All()
    {
        TrialAnalysis.KaplanMeierByArm(_trial);
        TrialAnalysis.LogRankAcrossArms(_trial);
        return TrialAnalysis.CoxArmAgeKarnofsky(_trial);
    }

    [Benchmark(Description = "KM")]
    public KaplanMeierCurve[] KaplanMeier() => TrialAnalysis.KaplanMeierByArm(_trial);

    [Benchmark(Description = "log-rank")]
    public LogRankResult LogRank() => TrialAnalysis.LogRankAcrossArms(_trial);

    [Benchmark(Description = "Cox")]
    public CoxModel Cox() => TrialAnalysis.CoxArmAgeKarnofsky(_trial);
}
