namespace Registry.Analytics.Cox;

/// <summary>How tied event times enter the partial likelihood.</summary>
public enum CoxTies
{
    /// <summary>Efron's approximation; R's coxph default.</summary>
    Efron,

    /// <summary>Breslow's approximation; SAS PROC PHREG's default.</summary>
    Breslow,
}
