namespace Registry.Interop.Datasets;

/// <summary>What a column holds. Dates are ISO 8601 text in CSV and Dataset-JSON, and SAS dates (integers) once imported.</summary>
public enum ColumnType { Text, Integer, Float, Date }

/// <summary>Where a column's values come from, in Define-XML's words.</summary>
public enum OriginType { Collected, Derived, Assigned, Protocol, Predecessor }

/// <summary>A column's origin and, in words, from what: the entry and field it was collected in, or how it is derived.</summary>
public sealed record ColumnOrigin(OriginType Type, string Source);

/// <summary>One value a coded column may take and what it means (a code list).</summary>
public sealed record CodedValue(string Value, string Meaning);

/// <summary>
/// One variable of an analysis dataset: its CDISC name, label, type and origin; the values it may take when coded;
/// its place among the dataset's keys (1 first), when it is one.
/// </summary>
public sealed record DatasetColumn(
    string Name,
    string Label,
    ColumnType Type,
    ColumnOrigin Origin,
    int? KeySequence = null,
    IReadOnlyList<CodedValue>? Values = null);

/// <summary>
/// An analysis dataset: its name (ADSL, ADTTE…), label, ADaM class and structure, its columns and its rows — each
/// row one value per column, in column order: <see cref="string"/>, <see cref="long"/>, <see cref="double"/>,
/// <see cref="DateOnly"/>, or null for a missing value.
/// </summary>
public sealed record AnalysisDataset(
    string Name,
    string Label,
    string Class,
    string Structure,
    IReadOnlyList<DatasetColumn> Columns,
    IReadOnlyList<object?[]> Rows)
{
    /// <summary>The longest text a column holds (at least 1), as Dataset-JSON's and Define-XML's planned length; null for numbers.</summary>
    public int? Length(int column) => DatasetTally.Length(Columns[column].Type, Rows.Select(r => (r[column] as string)?.Length ?? 0).DefaultIfEmpty(0).Max());
}

/// <summary>
/// An analysis dataset before its rows: what <see cref="AnalysisDataset"/> says of itself, and the rows each patient
/// gives, so a dataset can be written one patient at a time, in the order the patients come.
/// </summary>
public sealed record DatasetShape(
    string Name,
    string Label,
    string Class,
    string Structure,
    IReadOnlyList<DatasetColumn> Columns,
    Func<AnalysisPatient, IEnumerable<object?[]>> RowsOf)
{
    public AnalysisDataset Build(IEnumerable<AnalysisPatient> patients) => new(Name, Label, Class, Structure, Columns, patients.SelectMany(RowsOf).ToList());
}

/// <summary>A dataset's record count and each column's longest text, taken as its rows go by (what Dataset-JSON and define.json state before the rows).</summary>
public sealed class DatasetTally(IReadOnlyList<DatasetColumn> columns)
{
    private readonly int[] _longest = new int[columns.Count];

    public int Records { get; private set; }

    public void Add(object?[] row)
    {
        Records++;
        for (var i = 0; i < row.Length; i++)
            if (row[i] is string text && text.Length > _longest[i]) _longest[i] = text.Length;
    }

    /// <inheritdoc cref="AnalysisDataset.Length"/>
    public int? Length(int column) => Length(columns[column].Type, _longest[column]);

    internal static int? Length(ColumnType type, int longest) => type switch
    {
        ColumnType.Text => Math.Max(1, longest),
        ColumnType.Date => 10,
        _ => null,
    };
}
