namespace Registry.Analytics.Tests.Subgroups;

/// <summary>
/// 240 subjects for the subgroup tests: heavy ties (times 1–15 days), two strata, an arm on neither side (X), three
/// sites, two age groups, and ECOG 0–3 with ECOG 3 only in arm A (a level with one side of the comparison only).
/// </summary>
internal static class TiedSubjects
{
    public const int N = 240;
    private static readonly Random Draws = new(20261205);
    public static readonly string[] Arm = Enumerable.Range(0, N).Select(i => i % 7 == 0 ? "X" : Draws.Next(2) == 0 ? "A" : "B").ToArray();
    public static readonly double[] Time = Enumerable.Range(0, N).Select(_ => 1.0 + Draws.Next(15)).ToArray();
    public static readonly bool[] Died = Enumerable.Range(0, N).Select(i => Draws.NextDouble() < (Arm[i] == "A" ? 0.5 : 0.65)).ToArray();
    public static readonly string[] Site = Enumerable.Range(0, N).Select(_ => $"s{1 + Draws.Next(3)}").ToArray();
    public static readonly string[] Age = Enumerable.Range(0, N).Select(_ => Draws.Next(2) == 0 ? "<65" : "≥65").ToArray();
    public static readonly string[] Ecog = Enumerable.Range(0, N).Select(i => Arm[i] == "A" && i % 10 == 1 ? "3" : $"{Draws.Next(3)}").ToArray();
    public static readonly string[] Stratum = Enumerable.Range(0, N).Select(_ => Draws.Next(2) == 0 ? "low" : "high").ToArray();
}
