namespace Registry.Analytics.Cox;

/// <summary>
/// Cox proportional hazards regression by Newton–Raphson, agreeing with R's <c>coxph</c> (survival 3.5):
/// Efron or Breslow ties, optional strata with separate baseline hazards, Wald/likelihood-ratio/score tests.
/// This is the front door: it validates and throws <see cref="ArgumentException"/> naming the problem.
/// </summary>
public static class CoxRegression
{
    /// <param name="design">One column per coefficient, one row per subject.</param>
    /// <param name="time">Follow-up time of each subject (finite, ≥ 0).</param>
    /// <param name="hadEvent">True when follow-up ended with the event, false when censored.</param>
    /// <param name="strata">Optional stratum label per subject; each stratum gets its own baseline hazard.</param>
    public static CoxModel Fit(
        CoxDesign design,
        IReadOnlyList<double> time,
        IReadOnlyList<bool> hadEvent,
        IReadOnlyList<string>? strata = null,
        CoxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(hadEvent);
        options ??= CoxOptions.Default;
        Validate(options);

        if (design.ColumnNames.Count == 0)
            throw new ArgumentException("The design has no columns; add at least one group or covariate.", nameof(design));
        int n = time.Count;
        if (n == 0) throw new ArgumentException("There are no subjects.", nameof(time));
        if (design.Rows != n)
            throw new ArgumentException($"The design has {design.Rows} rows but there are {n} times.", nameof(design));
        if (hadEvent.Count != n)
            throw new ArgumentException($"There are {hadEvent.Count} event flags but {n} times.", nameof(hadEvent));
        if (strata is not null && strata.Count != n)
            throw new ArgumentException($"There are {strata.Count} stratum labels but {n} times.", nameof(strata));

        var times = new double[n];
        var events = new bool[n];
        int eventCount = 0;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(time[i]) || time[i] < 0)
                throw new ArgumentException($"Time at row {i} is {time[i]}; times must be finite and non-negative.", nameof(time));
            times[i] = time[i];
            events[i] = hadEvent[i];
            if (events[i]) eventCount++;
        }
        if (eventCount == 0)
            throw new ArgumentException("No subject had an event, so the partial likelihood is empty and no hazard ratio can be estimated.", nameof(hadEvent));

        int[]? codes = null;
        int strataCount = 1;
        if (strata is not null)
        {
            codes = new int[n];
            var index = new Dictionary<string, int>();
            for (int i = 0; i < n; i++)
            {
                string label = strata[i] ?? throw new ArgumentException($"Stratum label at row {i} is missing.", nameof(strata));
                if (!index.TryGetValue(label, out int code)) index[label] = code = index.Count;
                codes[i] = code;
            }
            strataCount = index.Count;
        }

        return CoxFit.Fit(design.ColumnNames, design.Columns.ToArray(), times, events, codes, strataCount, options);
    }

    internal static void Validate(CoxOptions options)
    {
        if (!Enum.IsDefined(options.Ties))
            throw new ArgumentException($"Unknown ties method {options.Ties}.", nameof(options));
        if (!(options.Epsilon > 0))
            throw new ArgumentException("Epsilon must be positive.", nameof(options));
        if (options.MaxIterations < 1)
            throw new ArgumentException("MaxIterations must be at least 1.", nameof(options));
        if (!(options.CholeskyTolerance > 0))
            throw new ArgumentException("CholeskyTolerance must be positive.", nameof(options));
        if (!(options.InfiniteTolerance > 0))
            throw new ArgumentException("InfiniteTolerance must be positive.", nameof(options));
        if (!(options.TimeTolerance >= 0))
            throw new ArgumentException("TimeTolerance must be zero or positive.", nameof(options));
        if (!(options.ConfidenceLevel > 0 && options.ConfidenceLevel < 1))
            throw new ArgumentException("ConfidenceLevel must lie strictly between 0 and 1.", nameof(options));
    }
}
