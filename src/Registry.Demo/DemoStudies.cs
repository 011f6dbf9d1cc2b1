namespace Registry.Demo;

/// <summary>A demo study the registry loads on first run: its code and how to simulate it (seed null for the study's own).</summary>
public sealed record DemoStudy(string Code, string Description, Func<int?, int, SimulatedStudy> Generate);

/// <summary>The three demo studies: the motivating study, a randomized LA-NPC trial and a single-arm R/M trial.</summary>
public static class DemoStudies
{
    public static readonly IReadOnlyList<DemoStudy> All =
    [
        new("NPC-RM-2L", "Previously treated R/M NPC on four regimens (simulated from Jiang 2024, Sci Rep)",
            (seed, scale) => MotivatingStudy.Generate(seed ?? MotivatingStudy.DefaultSeed, scale)),
        new("LA-NPC-EFS", "Randomized placebo-controlled trial in locoregionally advanced NPC, EFS from randomization (shaped like Liu 2024)",
            (seed, scale) => LocoregionalTrial.Generate(seed ?? LocoregionalTrial.DefaultSeed, scale)),
        new("RM-NPC-CADO", "Single-arm trial in R/M NPC reporting ORR and DOR (shaped like Jiang 2025)",
            (seed, scale) => SingleArmTrial.Generate(seed ?? SingleArmTrial.DefaultSeed, scale)),
    ];

    public static DemoStudy? Find(string code) => All.FirstOrDefault(s => string.Equals(s.Code, code, StringComparison.OrdinalIgnoreCase));
}
