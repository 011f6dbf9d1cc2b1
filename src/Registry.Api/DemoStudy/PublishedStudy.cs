namespace Registry.Api.DemoStudy;

/// <summary>One arm of the motivating study as published, with what the simulator needs to reproduce it.</summary>
/// <param name="OsHazardRatioVsChemotherapy">Assumed OS hazard ratio against C (the paper gives ITC ≈ 1/3; the others are our interpolation).</param>
public sealed record PublishedArm(
    string Code,
    string Name,
    string PooledGroup,
    int Patients,
    double MedianPfsMonths,
    double OsHazardRatioVsChemotherapy,
    double ObjectiveResponseRate,
    double DiseaseControlRate,
    double CompleteResponseShareOfResponders,
    bool ImmuneCheckpointInhibitor,
    bool Targeted,
    bool Chemotherapy);

/// <summary>A published survival comparison: HR with 95% CI and p, as the paper reports it.</summary>
public sealed record PublishedComparison(string Endpoint, string Arm, string Reference, double? HazardRatio, double? Lower, double? Upper, double? P, bool Significant);

/// <summary>
/// "Combination strategy exploration for prior treated recurrent or metastatic nasopharyngeal carcinoma in the era
/// of immunotherapy", Sci Rep 2024: 226 patients, enrolment 2019-01-01 to 2021-12-30. Medians, ORR and DCR are the
/// published figures; where the paper's tables were not available to us (Table 1 proportions, Table 3 rates, HR CIs)
/// the values below are labelled assumptions, chosen to be clinically plausible for this population.
/// </summary>
public static class PublishedStudy
{
    public const string Code = "NPC-RM-2L";
    public const string Title = "Previously treated recurrent/metastatic nasopharyngeal carcinoma: ICI, targeted and chemotherapy combinations (simulated copy)";
    public static readonly DateOnly EnrolmentOpens = new(2019, 1, 1);
    public static readonly DateOnly EnrolmentCloses = new(2021, 12, 30);
    public const double ChemotherapyMedianOsMonths = 30.6;
    public const double MedianFollowUpMonths = 13.0;

    public static readonly PublishedArm[] Arms =
    [
        new("ITC", "ICI + targeted + chemotherapy", "ITC+IT", 70, 20.67, 1.0 / 3, 0.486, 0.829, 0.12, true, true, true),
        new("IT", "ICI + targeted", "ITC+IT", 48, 13.63, 0.60, 0.354, 0.833, 0.08, true, true, false),
        new("IC", "ICI + chemotherapy", "IC+C", 48, 12.47, 0.70, 0.354, 0.854, 0.08, true, false, true),
        new("C", "Chemotherapy", "IC+C", 60, 7.93, 1.0, 0.25, 0.80, 0.05, false, false, true),
    ];

    /// <summary>
    /// The comparisons the paper reports, which the report sets beside the registry's. Only OS ITC vs C (HR ≈ 1/3)
    /// is quoted numerically; the significance flags of the PFS comparisons are our reading of the published medians
    /// (not checked against the paper's Table/Figure, which we could not consult offline), so the report compares
    /// the direction of each flagged comparison, not its numbers.
    /// </summary>
    public static readonly PublishedComparison[] Comparisons =
    [
        new("pfs", "ITC+IT", "IC+C", null, null, null, null, true),
        new("pfs", "ITC", "IT", null, null, null, null, false),
        new("pfs", "ITC", "IC", null, null, null, null, true),
        new("pfs", "ITC", "C", null, null, null, null, true),
        new("pfs", "IT", "IC", null, null, null, null, false),
        new("pfs", "IT", "C", null, null, null, null, true),
        new("os", "ITC", "C", 1.0 / 3, null, null, null, true),
    ];

    /// <summary>Assumed baseline proportions (Table 1 shape) per pooled group: ICI + targeted arms vs the others.</summary>
    public sealed record BaselineProportions(
        double AgeAtLeast50, double Male, double FamilyHistory, double Kps90To100, double BmiUnder18_5, double BmiAtLeast24,
        double Recurrent, double RecurrentAndMetastatic, double LineTwo, double OneSite, double TwoSites,
        double Liver, double Lung, double Bone, double EbvPositive);

    public static readonly Dictionary<string, BaselineProportions> Baseline = new()
    {
        ["ITC+IT"] = new(0.44, 0.80, 0.12, 0.72, 0.10, 0.30, 0.14, 0.20, 0.62, 0.40, 0.30, 0.33, 0.42, 0.45, 0.70),
        ["IC+C"] = new(0.47, 0.77, 0.10, 0.68, 0.12, 0.27, 0.16, 0.18, 0.66, 0.42, 0.29, 0.35, 0.40, 0.47, 0.72),
    };

    /// <summary>Assumed adverse-event rates (Table 3 shape): any grade and grade ≥ 3, by the regimen component that causes them.</summary>
    public sealed record AdverseEventRate(string Term, string Component, double AnyGrade, double GradeThreeOrMore);

    public static readonly AdverseEventRate[] AdverseEvents =
    [
        new("Anaemia", "chemotherapy", 0.55, 0.10),
        new("Leukopenia", "chemotherapy", 0.50, 0.15),
        new("Neutropenia", "chemotherapy", 0.45, 0.20),
        new("Thrombocytopenia", "chemotherapy", 0.30, 0.10),
        new("Nausea", "chemotherapy", 0.35, 0.03),
        new("Hypothyroidism", "ici", 0.25, 0.01),
        new("RCCEP", "ici", 0.30, 0.02),
        new("Rash", "ici", 0.12, 0.02),
        new("Pneumonitis", "ici", 0.05, 0.02),
        new("Hypertension", "targeted", 0.35, 0.10),
        new("Hand-foot syndrome", "targeted", 0.25, 0.05),
        new("Proteinuria", "targeted", 0.20, 0.03),
        new("ALT increased", "any", 0.20, 0.03),
        new("Fatigue", "any", 0.30, 0.02),
    ];
}
