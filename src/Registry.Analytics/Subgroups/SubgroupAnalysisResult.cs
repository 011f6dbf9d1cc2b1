namespace Registry.Analytics.Subgroups;

/// <summary>Forest-plot data for one subgrouping variable.</summary>
/// <param name="Interaction">
/// Likelihood-ratio test of treatment × subgroup (R: <c>anova(fit0, fit1)</c>); null when fewer than two levels
/// have subjects or the interaction adds no estimable column.
/// </param>
public sealed record SubgroupAnalysisResult(
    string Subgroup,
    TreatmentEffect Overall,
    IReadOnlyList<TreatmentEffect> Levels,
    ChiSquareTest? Interaction);
