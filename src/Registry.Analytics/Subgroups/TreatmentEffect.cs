namespace Registry.Analytics.Subgroups;

/// <summary>
/// Hazard ratio of experimental vs reference in one row of a forest plot (a subgroup level, or all subjects),
/// from a Cox model with treatment as its only term. Null numbers come with a reason.
/// </summary>
public sealed record TreatmentEffect(
    string Label,
    int Subjects,
    int Events,
    int ExperimentalSubjects,
    int ExperimentalEvents,
    int ReferenceSubjects,
    int ReferenceEvents,
    bool Estimable,
    string? NotEstimableReason,
    double? HazardRatio,
    double? HazardRatioLower,
    double? HazardRatioUpper,
    double? P);
