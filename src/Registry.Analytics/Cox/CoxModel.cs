namespace Registry.Analytics.Cox;

/// <summary>
/// A fitted Cox proportional hazards model, carrying what <c>summary(coxph)</c> prints plus fit diagnostics.
/// The three model tests share the degrees of freedom of the estimated (non-redundant) coefficients, as in R;
/// a test is null when no coefficient could be estimated.
/// </summary>
/// <param name="NullLogLikelihood">Partial log-likelihood at β = 0 (the start of the iterations).</param>
/// <param name="LogLikelihood">Partial log-likelihood at the estimate.</param>
/// <param name="Wald">Null when a coefficient may be infinite: the statistic is then meaningless.</param>
/// <param name="Score">The score (log-rank when the design is one group) test at β = 0.</param>
/// <param name="Variance">Covariance of the coefficients, in term order; null where a term is not estimable.</param>
/// <param name="Warnings">Plain-language problems of the fit, e.g. non-convergence.</param>
public sealed record CoxModel(
    CoxTies Ties,
    IReadOnlyList<CoxTerm> Terms,
    int Subjects,
    int Events,
    int Strata,
    double NullLogLikelihood,
    double LogLikelihood,
    ChiSquareTest? LikelihoodRatio,
    ChiSquareTest? Wald,
    ChiSquareTest? Score,
    int Iterations,
    bool Converged,
    IReadOnlyList<IReadOnlyList<double?>> Variance,
    IReadOnlyList<string> Warnings);
