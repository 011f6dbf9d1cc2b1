namespace Registry.Api.Tests.DemoStudy;

/// <summary>
/// Table 1 of the motivating study as published: Jiang Y et al., Sci Rep 14 (2024), doi:10.1038/s41598-024-52326-7,
/// patients per group of each characteristic in IC+C (108) and ITC+IT (118), and the Pearson chi-square p the paper
/// prints. Kept here, from the paper, rather than read from the simulator it is meant to check.
/// </summary>
public static class Jiang2024
{
    public const string Citation = "Jiang 2024, Sci Rep";

    public sealed record Characteristic(string Variable, string[] Groups, int[] IcPlusC, int[] ItcPlusIt, double P);

    public static readonly IReadOnlyList<Characteristic> Table1 =
    [
        new("age", ["<50", "≥50"], [72, 36], [74, 44], 0.535),
        new("sex", ["Male", "Female"], [83, 25], [92, 26], 0.841),
        new("npcFamilyHistory", ["Yes", "No"], [8, 100], [11, 107], 0.604),
        new("kps", ["70–80", "90–100"], [25, 83], [28, 90], 0.918),
        new("bmi", ["<18.5", "18.5–25", ">25"], [21, 73, 14], [20, 80, 18], 0.818),
        new("diseaseStatus", ["recurrent", "metastatic"], [27, 81], [34, 84], 0.519),
        new("treatmentLine", ["2", "≥3"], [70, 38], [68, 50], 0.268),
        new("metastaticSiteCount", ["0", "1–2", "≥3"], [27, 13, 68], [34, 15, 69], 0.774),
        new("ebvDna", ["positive", "negative"], [83, 25], [82, 36], 0.213),
        new("liverMetastasis", ["Yes", "No"], [41, 67], [36, 82], 0.238),
        new("lungMetastasis", ["Yes", "No"], [32, 76], [31, 87], 0.574),
        new("boneMetastasis", ["Yes", "No"], [45, 63], [51, 67], 0.813),
        new("otherMetastasis", ["Yes", "No"], [19, 89], [25, 93], 0.496),
    ];

    public static TheoryData<string> Table1Variables() => new(Table1.Select(c => c.Variable));

    public static Characteristic Of(string variable) => Table1.Single(c => c.Variable == variable);
}
