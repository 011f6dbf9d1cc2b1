using Registry.Domain.Patients;

namespace Registry.Domain.Outcomes;

/// <summary>
/// A baseline characteristic as the study tables use it: categorical (levels in table order, as Table 1 and the
/// forest plot show them) or numeric (for adjustment in a multivariable Cox model).
/// </summary>
public sealed record BaselineVariable(string Name, string Label, IReadOnlyList<string>? Levels, Func<BaselineCovariates, string>? Category, Func<BaselineCovariates, double>? Value)
{
    public bool IsCategorical => Category is not null;
}

/// <summary>The baseline characteristics investigators can tabulate, stratify by, adjust for or split into subgroups.</summary>
public static class BaselineVariables
{
    public static readonly IReadOnlyList<BaselineVariable> Categorical =
    [
        new("ageGroup", "Age (years)", ["<50", "≥50"], b => b.Age < 50 ? "<50" : "≥50", null),
        new("sex", "Sex", ["Male", "Female"], b => b.Sex.ToString(), null),
        new("familyHistory", "NPC family history", ["No", "Yes"], b => b.NpcFamilyHistory ? "Yes" : "No", null),
        new("kps", "Karnofsky score", ["<70", "70–80", "90–100"], b => b.KarnofskyScore < 70 ? "<70" : b.KarnofskyScore < 90 ? "70–80" : "90–100", null),
        new("bmi", "BMI (kg/m²)", ["<18.5", "18.5–23.9", "≥24"], b => b.BodyMassIndex < 18.5 ? "<18.5" : b.BodyMassIndex < 24 ? "18.5–23.9" : "≥24", null),
        new("diseaseStatus", "Disease status", ["Recurrent", "Metastatic", "RecurrentAndMetastatic"], b => b.DiseaseStatus.ToString(), null),
        new("treatmentLine", "Treatment line", ["1", "2", "≥3"], b => b.TreatmentLine <= 1 ? "1" : b.TreatmentLine == 2 ? "2" : "≥3", null),
        new("metastaticSites", "Metastatic sites", ["0", "1", "2", "≥3"], b => b.MetastaticSites.Count >= 3 ? "≥3" : b.MetastaticSites.Count.ToString(), null),
        new("liverMetastasis", "Liver metastasis", ["No", "Yes"], b => b.MetastaticSites.Liver ? "Yes" : "No", null),
        new("lungMetastasis", "Lung metastasis", ["No", "Yes"], b => b.MetastaticSites.Lung ? "Yes" : "No", null),
        new("boneMetastasis", "Bone metastasis", ["No", "Yes"], b => b.MetastaticSites.Bone ? "Yes" : "No", null),
        new("ebvDna", "EBV DNA", ["Negative", "Positive", "Unknown"], b => b.EbvDna.ToString(), null),
    ];

    public static readonly IReadOnlyList<BaselineVariable> Numeric =
    [
        new("age", "Age (years)", null, null, b => b.Age),
        new("karnofskyScore", "Karnofsky score", null, null, b => b.KarnofskyScore),
        new("bodyMassIndex", "BMI (kg/m²)", null, null, b => b.BodyMassIndex),
        new("treatmentLineNumber", "Treatment line", null, null, b => b.TreatmentLine),
        new("metastaticSiteCount", "Number of metastatic sites", null, null, b => b.MetastaticSites.Count),
    ];

    public static IEnumerable<BaselineVariable> All => Categorical.Concat(Numeric);

    public static BaselineVariable? Find(string name) =>
        All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));
}
