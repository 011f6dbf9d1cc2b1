namespace Registry.Analytics;

/// <summary>A test whose statistic is referred to a chi-square distribution (log-rank, likelihood ratio, Wald, score, Pearson).</summary>
public sealed record ChiSquareTest(double ChiSquare, int DegreesOfFreedom, double P);
