using System.Globalization;

namespace Registry.Benchmarks;

/// <summary>
/// A four-arm trial shaped like the motivating study (arms C, IC, IT, ITC; age; Karnofsky score), follow-up in whole
/// days so that many patients share a day, as in real registries. Deterministic for a seed, so R can be handed the
/// very same patients through <see cref="WriteCsv"/>.
/// </summary>
public sealed record SimulatedTrial(double[] Days, bool[] Died, string[] Arm, double[] Age, double[] Karnofsky)
{
    public const int DefaultSeed = 20240611;
    public static readonly string[] Arms = ["C", "IC", "IT", "ITC"];
    private static readonly double[] ArmLogHazardRatio = [0, -0.2, -0.3, -0.5];
    private static readonly double[] KarnofskyScores = [60, 70, 80, 90, 100];

    // Median survival about 10 months on chemotherapy alone; censored at a data cut 6 months to 4 years after entry.
    private const double BaselineHazardPerDay = 0.693 / 300;
    private const int ShortestFollowUpDays = 180;
    private const int LongestFollowUpDays = 1460;

    public int Count => Days.Length;

    public static SimulatedTrial Generate(int patients, int seed = DefaultSeed)
    {
        var random = new Random(seed);
        var days = new double[patients];
        var died = new bool[patients];
        var arm = new string[patients];
        var age = new double[patients];
        var karnofsky = new double[patients];
        for (var i = 0; i < patients; i++)
        {
            var a = random.Next(Arms.Length);
            arm[i] = Arms[a];
            age[i] = Math.Round(Math.Clamp(50 + 11 * StandardNormal(random), 18, 85), 1);
            karnofsky[i] = KarnofskyScores[random.Next(KarnofskyScores.Length)];
            var hazard = BaselineHazardPerDay * Math.Exp(ArmLogHazardRatio[a] + 0.02 * (age[i] - 50) - 0.03 * (karnofsky[i] - 80));
            var eventDay = Math.Ceiling(-Math.Log(1 - random.NextDouble()) / hazard);
            var censorDay = random.Next(ShortestFollowUpDays, LongestFollowUpDays + 1);
            died[i] = eventDay <= censorDay;
            days[i] = Math.Min(eventDay, censorDay);
        }
        return new SimulatedTrial(days, died, arm, age, karnofsky);
    }

    /// <summary>Writes the patients as R's read.csv expects them; numbers round-trip exactly.</summary>
    public void WriteCsv(string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("days,died,arm,age,karnofsky");
        for (var i = 0; i < Count; i++)
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Days[i]},{(Died[i] ? 1 : 0)},{Arm[i]},{Age[i]},{Karnofsky[i]}"));
    }

    // Box–Muller: two uniforms per draw keeps the stream simple to reproduce.
    private static double StandardNormal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
