using Registry.Analytics.Cox;
using Registry.Analytics.Survival;

namespace Registry.Api.Analyze;

/// <summary>What the <c>analyze</c> verb was asked: which CSV columns hold what, and how to fit.</summary>
/// <param name="Reference">Group level the hazard ratios are against; null means the first sorted level.</param>
/// <param name="Strata">Column of the stratification factor; null for no stratified results.</param>
/// <param name="Covariates">Numeric columns of the multivariable Cox model; empty for none.</param>
public sealed record AnalysisPlan(
    string Time,
    string Event,
    string Group,
    string? Reference,
    string? Strata,
    IReadOnlyList<string> Covariates,
    CoxTies Ties,
    SurvivalIntervalType ConfidenceType);

/// <summary>Input the analysis cannot use; the message names the row and column and goes to stderr as one line.</summary>
public sealed class AnalysisInputException(string message) : Exception(message);
