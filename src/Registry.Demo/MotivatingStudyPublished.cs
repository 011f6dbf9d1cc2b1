using Registry.Domain.Patients;

namespace Registry.Demo;

/// <summary>The paper's counts for its two pooled groups, IC/C first as its tables print them.</summary>
public sealed record PooledCounts(int IcPlusC, int ItcPlusIt)
{
    public int Of(string pooledGroup) => pooledGroup switch
    {
        MotivatingStudyPublished.IcPlusC => IcPlusC,
        MotivatingStudyPublished.ItcPlusIt => ItcPlusIt,
        _ => throw new ArgumentException($"'{pooledGroup}' is not a pooled group of the motivating study.", nameof(pooledGroup)),
    };
}

/// <summary>Best overall responses of a group of patients (RECIST 1.1, unconfirmed).</summary>
public sealed record ResponseCounts(int CR, int PR, int SD, int PD)
{
    public int Patients => CR + PR + SD + PD;
    public int Responders => CR + PR;
    public int DiseaseControlled => CR + PR + SD;

    public int Of(TimepointResponse response) => response switch
    {
        TimepointResponse.CR => CR,
        TimepointResponse.PR => PR,
        TimepointResponse.SD => SD,
        TimepointResponse.PD => PD,
        _ => 0,
    };
}

/// <summary>Patients given one, two or three chemotherapy agents.</summary>
public sealed record ChemotherapyCounts(int OneAgent, int TwoAgents, int ThreeAgents)
{
    public int Patients => OneAgent + TwoAgents + ThreeAgents;
}

/// <summary>One arm: its size, PFS median, best responses and what its patients received.</summary>
public sealed record PublishedArm(
    string Code,
    string PooledGroup,
    int Patients,
    double MedianPfsMonths,
    ResponseCounts Responses,
    ChemotherapyCounts Chemotherapy,
    int AntiAngiogenic,
    int EgfrInhibitor,
    bool ImmuneCheckpointInhibitor);

/// <summary>One row block of Table 1: a dictionary variable, its groups with the patients in each, and the chi-square p.</summary>
public sealed record PublishedCharacteristic(string Variable, IReadOnlyList<PublishedLevel> Levels, double P);

public sealed record PublishedLevel(string Group, PooledCounts Patients);

/// <summary>One row of Table 3 (worst grade per patient), with the regimen component that usually causes it.</summary>
public sealed record PublishedAdverseEvent(string Term, string Cause, PooledCounts AnyGrade, PooledCounts GradeThreeOrMore);

/// <summary>A published Cox comparison: hazard ratio of <see cref="Arm"/> against <see cref="Reference"/> with its 95% CI.</summary>
public sealed record PublishedHazardRatio(string Endpoint, string Arm, string Reference, double HazardRatio, double Lower, double Upper, string P);

/// <summary>
/// The motivating study as published: Jiang Y et al., "Combination strategy exploration for prior treated recurrent
/// or metastatic nasopharyngeal carcinoma in the era of immunotherapy", Sci Rep 14 (2024),
/// doi:10.1038/s41598-024-52326-7 (CC BY 4.0). Every number below is the paper's unless its comment says otherwise;
/// the published p-values of Tables 1–3 are Pearson chi-square without continuity correction on these counts.
/// </summary>
public static class MotivatingStudyPublished
{
    public const string IcPlusC = "IC+C";
    public const string ItcPlusIt = "ITC+IT";
    public static readonly IReadOnlyList<string> PooledGroups = [IcPlusC, ItcPlusIt];

    /// <summary>
    /// Arms, PFS medians and per-arm ORR (ITC 48.57%, IT 35.42%, C 25%, hence IC 17/48). The paper gives CR/SD/PD
    /// per pooled group only; the split between the two arms of a group is ours and sums to Table 2. Chemotherapy: the
    /// paper prints one/two/three agents as ITC 45/17/17 and IC 20/18/9, which sum to 79 and 47, not 70 and 48; we keep
    /// the one- and two-agent counts and give three agents the remainder (ITC 8, IC 10). C's 3/39/18 is as printed.
    /// </summary>
    public static readonly IReadOnlyList<PublishedArm> Arms =
    [
        new("ITC", ItcPlusIt, 70, 20.67, new ResponseCounts(5, 29, 30, 6), new ChemotherapyCounts(45, 17, 8), AntiAngiogenic: 52, EgfrInhibitor: 18, true),
        new("IT", ItcPlusIt, 48, 13.63, new ResponseCounts(2, 15, 24, 7), new ChemotherapyCounts(0, 0, 0), AntiAngiogenic: 43, EgfrInhibitor: 5, true),
        new("IC", IcPlusC, 48, 12.47, new ResponseCounts(3, 14, 24, 7), new ChemotherapyCounts(20, 18, 10), AntiAngiogenic: 0, EgfrInhibitor: 0, true),
        new("C", IcPlusC, 60, 7.93, new ResponseCounts(2, 13, 33, 12), new ChemotherapyCounts(3, 39, 18), AntiAngiogenic: 0, EgfrInhibitor: 0, false),
    ];

    public static PublishedArm Arm(string code) => Arms.Single(a => a.Code == code);
    public static IEnumerable<PublishedArm> ArmsOf(string pooledGroup) => Arms.Where(a => a.PooledGroup == pooledGroup);

    /// <summary>226 patients: IC/C 108, ITC/IT 118.</summary>
    public static readonly PooledCounts PooledPatients = new(108, 118);

    /// <summary>Pooled PFS medians in months: IC/C 9.8, ITC/IT 19.1.</summary>
    public static readonly IReadOnlyDictionary<string, double> PooledMedianPfsMonths = new Dictionary<string, double> { [IcPlusC] = 9.8, [ItcPlusIt] = 19.1 };

    /// <summary>Median follow-up 13.1 months (range 1.4–47.4), over which 136 patients progressed and 47 died.</summary>
    public const double MedianFollowUpMonths = 13.1;

    /// <summary>Cox hazard ratios with 95% CI: PFS pooled and by arm, and OS ITC vs C (OS medians IC/C 32.567 and C 30.6 months, the others not reached).</summary>
    public static readonly IReadOnlyList<PublishedHazardRatio> HazardRatios =
    [
        new("pfs", IcPlusC, ItcPlusIt, 2.01, 1.411, 2.865, "<0.001"),
        new("pfs", "ITC", "IT", 0.465, 0.252, 0.855, "0.014"),
        new("pfs", "ITC", "IC", 0.561, 0.323, 0.972, "0.039"),
        new("pfs", "ITC", "C", 0.288, 0.178, 0.464, "<0.01"),
        new("pfs", "IT", "IC", 0.955, 0.515, 1.77, "0.884"),
        new("pfs", "IT", "C", 0.583, 0.345, 0.985, "0.044"),
        new("os", "ITC", "C", 0.336, 0.123, 0.915, "0.033"),
    ];

    /// <summary>Table 1, baseline characteristics, in the groups of the protocol's data dictionary. Recurrent patients have no metastatic site.</summary>
    public static readonly IReadOnlyList<PublishedCharacteristic> Characteristics =
    [
        new("age", [new("<50", new(72, 74)), new("≥50", new(36, 44))], 0.535),
        new("sex", [new("Male", new(83, 92)), new("Female", new(25, 26))], 0.841),
        new("npcFamilyHistory", [new("No", new(100, 107)), new("Yes", new(8, 11))], 0.604),
        new("kps", [new("70–80", new(25, 28)), new("90–100", new(83, 90))], 0.918),
        new("bmi", [new("<18.5", new(21, 20)), new("18.5–25", new(73, 80)), new(">25", new(14, 18))], 0.818),
        new("diseaseStatus", [new("recurrent", new(27, 34)), new("metastatic", new(81, 84))], 0.519),
        new("treatmentLine", [new("2", new(70, 68)), new("≥3", new(38, 50))], 0.268),
        new("metastaticSiteCount", [new("0", new(27, 34)), new("1–2", new(13, 15)), new("≥3", new(68, 69))], 0.774),
        new("ebvDna", [new("positive", new(83, 82)), new("negative", new(25, 36))], 0.213),
        new("liverMetastasis", [new("No", new(67, 82)), new("Yes", new(41, 36))], 0.238),
        new("lungMetastasis", [new("No", new(76, 87)), new("Yes", new(32, 31))], 0.574),
        new("boneMetastasis", [new("No", new(63, 67)), new("Yes", new(45, 51))], 0.813),
        new("otherMetastasis", [new("No", new(89, 93)), new("Yes", new(19, 25))], 0.496),
    ];

    /// <summary>Table 2, best overall response: CR/PR/SD/PD per pooled group; ORR 29.63% vs 43.22% (p=0.034), DCR 82.41% vs 88.98% (p=0.157).</summary>
    public static readonly IReadOnlyDictionary<string, ResponseCounts> BestResponse = new Dictionary<string, ResponseCounts>
    {
        [IcPlusC] = new(5, 27, 57, 19),
        [ItcPlusIt] = new(7, 44, 54, 13),
    };
    public const double ObjectiveResponseP = 0.034;
    public const double DiseaseControlP = 0.157;

    /// <summary>Table 3, adverse events by worst grade per patient; no treatment-related deaths (no grade 5).</summary>
    public static readonly IReadOnlyList<PublishedAdverseEvent> AdverseEvents =
    [
        new("Leukopenia", "chemotherapy", new(64, 57), new(24, 6)),
        new("Neutropenia", "chemotherapy", new(59, 33), new(14, 7)),
        new("Anemia", "chemotherapy", new(87, 72), new(13, 6)),
        new("Thrombocytopenia", "chemotherapy", new(38, 26), new(9, 6)),
        new("Creatinine increased", "chemotherapy", new(24, 21), new(0, 0)),
        new("Total bilirubin increased", "any", new(2, 18), new(0, 2)),
        new("ALT increased", "any", new(24, 22), new(1, 1)),
        new("AST increased", "any", new(23, 24), new(2, 4)),
        new("ALP increased", "any", new(7, 20), new(2, 0)),
        new("Rash", "any", new(12, 5), new(0, 2)),
        new("Nausea", "chemotherapy", new(49, 38), new(0, 0)),
        new("Vomiting", "chemotherapy", new(18, 13), new(0, 0)),
        new("Hand-foot syndrome", "any", new(13, 15), new(1, 0)),
        new("Capillary hyperplasia", "immune-checkpoint-inhibitor", new(2, 8), new(0, 1)),
        new("Myocarditis", "immune-checkpoint-inhibitor", new(2, 1), new(0, 1)),
        new("Pneumonia", "immune-checkpoint-inhibitor", new(0, 2), new(0, 1)),
        new("Hypothyroidism", "immune-checkpoint-inhibitor", new(11, 27), new(0, 0)),
        new("Musculoskeletal pain", "any", new(5, 8), new(0, 1)),
        new("Nasopharyngeal necrosis", "anti-angiogenic", new(4, 7), new(0, 0)),
        new("Epistaxis", "anti-angiogenic", new(0, 9), new(0, 1)),
        new("Oral mucositis", "any", new(1, 9), new(0, 1)),
        new("Headache", "any", new(2, 8), new(0, 1)),
    ];

    /// <summary>Patients with any adverse event: 102 (94.44%) vs 107 (90.7%), p=0.284; with any of grade ≥ 3: 40 vs 25, p=0.009.</summary>
    public static readonly PooledCounts AnyAdverseEvent = new(102, 107);
    public static readonly PooledCounts AnyGradeThreeOrMore = new(40, 25);
    public const double AnyAdverseEventP = 0.284;
    public const double AnyGradeThreeOrMoreP = 0.009;
}
