namespace Registry.Analytics.Tables;

/// <summary>
/// Front door shared by the table tests: validates a table of counts and keeps its non-empty rows and columns.
/// An empty row or column (say, a grade nobody had) carries no information about association; R's chisq.test
/// would return NaN for it, so the tests run on the rest and report how many rows and columns they used.
/// </summary>
internal sealed class ContingencyCounts
{
    private ContingencyCounts(int[,] used, int total)
    {
        Used = used;
        Total = total;
    }

    /// <summary>The table without its empty rows and columns.</summary>
    public int[,] Used { get; }

    public int Rows => Used.GetLength(0);

    public int Columns => Used.GetLength(1);

    public int Total { get; }

    /// <summary>Whether at least a 2×2 table remains, i.e. there is any association to test.</summary>
    public bool Testable => Rows >= 2 && Columns >= 2;

    /// <exception cref="ArgumentException">Fewer than 2 rows or columns, a negative count, or a total beyond int range.</exception>
    public static ContingencyCounts From(int[,] counts, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(counts, parameterName);
        int rows = counts.GetLength(0), columns = counts.GetLength(1);
        if (rows < 2 || columns < 2)
            throw new ArgumentException($"A contingency table needs at least 2 rows and 2 columns; got {rows}×{columns}.", parameterName);
        var rowTotals = new long[rows];
        var columnTotals = new long[columns];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++)
            {
                if (counts[i, j] < 0)
                    throw new ArgumentException($"Count at row {i}, column {j} is {counts[i, j]}; counts must be ≥ 0.", parameterName);
                rowTotals[i] += counts[i, j];
                columnTotals[j] += counts[i, j];
            }
        var total = rowTotals.Sum();
        if (total > int.MaxValue)
            throw new ArgumentException($"The table holds {total} patients, more than these tests support.", parameterName);

        var keptRows = Enumerable.Range(0, rows).Where(i => rowTotals[i] > 0).ToArray();
        var keptColumns = Enumerable.Range(0, columns).Where(j => columnTotals[j] > 0).ToArray();
        var used = new int[keptRows.Length, keptColumns.Length];
        for (var i = 0; i < keptRows.Length; i++)
            for (var j = 0; j < keptColumns.Length; j++)
                used[i, j] = counts[keptRows[i], keptColumns[j]];
        return new ContingencyCounts(used, (int)total);
    }

    public int[] RowTotals() =>
        Enumerable.Range(0, Rows).Select(i => Enumerable.Range(0, Columns).Sum(j => Used[i, j])).ToArray();

    public int[] ColumnTotals() =>
        Enumerable.Range(0, Columns).Select(j => Enumerable.Range(0, Rows).Sum(i => Used[i, j])).ToArray();
}
