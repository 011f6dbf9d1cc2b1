namespace Registry.Analytics.Cox;

/// <summary>
/// One coefficient of a Cox model. When <see cref="Estimable"/> is false the numbers are null and
/// <see cref="NotEstimableReason"/> says why (redundant column, or a coefficient drifting to ±∞).
/// </summary>
/// <param name="Name">Column name; a group level reads <c>"group=level"</c>.</param>
/// <param name="Coefficient">log hazard ratio.</param>
/// <param name="HazardRatioLower">Lower Wald limit exp(coef − z·se); null only if it overflows.</param>
/// <param name="HazardRatioUpper">Upper Wald limit exp(coef + z·se); null only if it overflows.</param>
/// <param name="P">Two-sided Wald p-value of coef = 0.</param>
public sealed record CoxTerm(
    string Name,
    bool Estimable,
    string? NotEstimableReason,
    double? Coefficient,
    double? StandardError,
    double? HazardRatio,
    double? HazardRatioLower,
    double? HazardRatioUpper,
    double? Z,
    double? P);
