namespace Registry.Analytics.Cox;

/// <summary>
/// Columns of a Cox model, one per coefficient, built term by term as R's model.matrix would: a categorical
/// group becomes k − 1 treatment-contrast indicators against its reference level (named <c>"group=level"</c>),
/// a numeric covariate enters as is. Interactions or other codings are built by the caller as plain covariates
/// or from a whole matrix.
/// </summary>
public sealed class CoxDesign
{
    private const double MaxMagnitude = 1e150;
    private readonly List<string> _names = [];
    private readonly List<double[]> _columns = [];

    /// <summary>Number of subjects (rows); −1 until the first column is added.</summary>
    public int Rows { get; private set; } = -1;

    public IReadOnlyList<string> ColumnNames => _names;

    internal IReadOnlyList<double[]> Columns => _columns;

    /// <summary>A design from a whole matrix (rows = subjects), e.g. one with interaction columns built by the caller.</summary>
    public static CoxDesign FromMatrix(IReadOnlyList<string> columnNames, double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(columnNames);
        ArgumentNullException.ThrowIfNull(matrix);
        if (columnNames.Count != matrix.GetLength(1))
            throw new ArgumentException(
                $"The matrix has {matrix.GetLength(1)} columns but {columnNames.Count} column names were given.", nameof(columnNames));
        var design = new CoxDesign();
        for (int j = 0; j < columnNames.Count; j++)
        {
            var column = new double[matrix.GetLength(0)];
            for (int i = 0; i < column.Length; i++) column[i] = matrix[i, j];
            design.AddCovariate(columnNames[j], column);
        }
        return design;
    }

    /// <summary>Adds a numeric covariate (or any caller-built column such as an interaction product).</summary>
    public CoxDesign AddCovariate(string name, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var column = new double[values.Count];
        for (int i = 0; i < column.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"Covariate '{name}' has a missing or non-finite value at row {i}.", nameof(values));
            // Keeps the column sums used for centring finite for any realistic n.
            if (Math.Abs(values[i]) > MaxMagnitude)
                throw new ArgumentException($"Covariate '{name}' has value {values[i]} at row {i}; rescale it (|value| must not exceed 1e150).", nameof(values));
            column[i] = values[i];
        }
        Add(name, column, nameof(values));
        return this;
    }

    /// <summary>
    /// Adds a categorical group as indicators of each level other than <paramref name="reference"/>, in the order
    /// of <paramref name="levels"/> (default: the distinct labels sorted ordinally). Listing a level nobody has
    /// yields an all-zero column, which the fit reports as not estimable, as R does for an empty factor level.
    /// </summary>
    public CoxDesign AddGroup(string name, IReadOnlyList<string> labels, string reference, IReadOnlyList<string>? levels = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(reference);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        if (levels is not null)
            foreach (string level in levels)
                if (level is null || !index.TryAdd(level, index.Count))
                    throw new ArgumentException($"Group '{name}' lists a missing or repeated level.", nameof(levels));

        // One dictionary lookup per subject; levels are numbered in order of first appearance unless given.
        var codes = new int[labels.Count];
        for (int i = 0; i < codes.Length; i++)
        {
            string label = labels[i] ?? throw new ArgumentException($"Group '{name}' has a missing label at row {i}.", nameof(labels));
            if (!index.TryGetValue(label, out int code))
            {
                if (levels is not null)
                    throw new ArgumentException($"Group '{name}' has label '{label}', which is not among the given levels.", nameof(levels));
                index.Add(label, code = index.Count);
            }
            codes[i] = code;
        }
        string[] levelOrder = levels?.ToArray() ?? index.Keys.Order(StringComparer.Ordinal).ToArray();
        if (!index.TryGetValue(reference, out int referenceCode))
            throw new ArgumentException($"Reference level '{reference}' is not a level of group '{name}'.", nameof(reference));

        var contrasts = levelOrder.Where(l => l != reference).ToArray();
        foreach (string level in contrasts) Check($"{name}={level}", codes.Length, nameof(labels));
        var columnOf = new double[index.Count][];
        foreach (string level in contrasts) columnOf[index[level]] = new double[codes.Length];
        for (int i = 0; i < codes.Length; i++)
            if (codes[i] != referenceCode) columnOf[codes[i]][i] = 1;
        foreach (string level in contrasts) Add($"{name}={level}", columnOf[index[level]], nameof(labels));
        return this;
    }

    private void Check(string name, int rows, string parameter)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("A design column needs a name.", nameof(name));
        if (_names.Contains(name))
            throw new ArgumentException($"The design already has a column named '{name}'.", nameof(name));
        if (Rows >= 0 && rows != Rows)
            throw new ArgumentException($"Column '{name}' has {rows} rows but the design has {Rows}.", parameter);
    }

    private void Add(string name, double[] column, string parameter)
    {
        Check(name, column.Length, parameter);
        Rows = column.Length;
        _names.Add(name);
        _columns.Add(column);
    }
}
