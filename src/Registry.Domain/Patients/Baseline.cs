namespace Registry.Domain.Patients;

public enum Sex { Male, Female }

public enum DiseaseStatus { Recurrent, Metastatic, RecurrentAndMetastatic }

public enum EbvDnaStatus { Negative, Positive, Unknown }

/// <summary>Distant metastatic sites at baseline; Count may exceed the flagged locations when "other" covers several.</summary>
public sealed record MetastaticSites(int Count, bool Liver, bool Lung, bool Bone, bool Other);

/// <summary>Baseline covariates of the motivating study's Table 1, recorded at enrolment.</summary>
public sealed record BaselineCovariates(
    int Age,
    Sex Sex,
    int KarnofskyScore,
    double BodyMassIndex,
    bool NpcFamilyHistory,
    DiseaseStatus DiseaseStatus,
    int TreatmentLine,
    MetastaticSites MetastaticSites,
    EbvDnaStatus EbvDna,
    double? PdL1Cps);
