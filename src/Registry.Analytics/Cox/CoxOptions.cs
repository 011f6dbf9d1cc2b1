namespace Registry.Analytics.Cox;

/// <summary>Tunables of the Cox fit; defaults are R's <c>coxph.control()</c> (survival 3.5).</summary>
public sealed record CoxOptions
{
    private const double MachineEpsilon = 2.220446049250313e-16;
    private readonly double? _infiniteTolerance;

    public static CoxOptions Default { get; } = new();

    public CoxTies Ties { get; init; } = CoxTies.Efron;

    /// <summary>Converged when |1 − previous/new log-likelihood| ≤ this (R: <c>eps</c>).</summary>
    public double Epsilon { get; init; } = 1e-9;

    /// <summary>Newton–Raphson iterations allowed (R: <c>iter.max</c>).</summary>
    public int MaxIterations { get; init; } = 20;

    /// <summary>Relative pivot below which a column is declared redundant (R: <c>toler.chol</c> = ε^0.75).</summary>
    public double CholeskyTolerance { get; init; } = Math.Pow(MachineEpsilon, 0.75);

    /// <summary>
    /// A coefficient whose next Newton step still exceeds this fraction of itself at convergence may be infinite
    /// (R: <c>toler.inf</c>); defaults to √<see cref="Epsilon"/> as in R.
    /// </summary>
    public double InfiniteTolerance
    {
        get => _infiniteTolerance ?? Math.Sqrt(Epsilon);
        init => _infiniteTolerance = value;
    }

    /// <summary>
    /// Times closer than this, absolutely or relative to the mean |time|, are treated as tied (R: <c>timefix</c>,
    /// which uses all.equal's √ε); 0 compares times exactly.
    /// </summary>
    public double TimeTolerance { get; init; } = Math.Sqrt(MachineEpsilon);

    /// <summary>Coverage of the Wald confidence interval of each hazard ratio.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;
}
