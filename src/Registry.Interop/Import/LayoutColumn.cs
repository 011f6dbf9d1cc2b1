namespace Registry.Interop.Import;

/// <summary>
/// One column of an import layout and the entry field it fills (its JSON path in the API's request, e.g.
/// <c>baseline.age</c>). A list field takes its items separated by ';'. Where the field may be recorded as missing,
/// a cell <c>missing:unknown</c> or <c>missing:notDone</c> records that code instead of a value.
/// </summary>
public sealed record LayoutColumn(string Name, string Field, bool IsList = false, bool MayBeMissing = false)
{
    public const string MissingPrefix = "missing:";
    public const char ListSeparator = ';';

    /// <summary>
    /// The values a row gives these columns, keyed as the entry's form keys them: the field, or <c>missing:FIELD</c>
    /// for a missing code; list items one per line, as the form's list input takes them.
    /// </summary>
    public static Dictionary<string, string> Values(CsvRow row, IEnumerable<LayoutColumn> columns)
    {
        // Sized for every column at once: grown a column at a time, each row's dictionary was made three or four times over.
        var values = new Dictionary<string, string>(columns.TryGetNonEnumeratedCount(out var count) ? count : 0, StringComparer.Ordinal);
        foreach (var column in columns)
        {
            if (row.Cell(column.Name) is not { } cell) continue;
            if (column.MayBeMissing && cell.StartsWith(MissingPrefix, StringComparison.Ordinal))
                values[MissingPrefix + column.Field] = cell[MissingPrefix.Length..].Trim();
            else
                values[column.Field] = column.IsList
                    ? string.Join('\n', cell.Split(ListSeparator).Select(i => i.Trim()).Where(i => i.Length > 0))
                    : cell;
        }
        return values;
    }

    /// <summary>The column an error about <paramref name="field"/> (a JSON path, perhaps deeper than the field) belongs in; null when none does.</summary>
    public static string? ColumnOf(string field, IEnumerable<LayoutColumn> columns) =>
        columns.Where(c => field == c.Field || field.StartsWith(c.Field + ".", StringComparison.Ordinal) || field.StartsWith(c.Field + "[", StringComparison.Ordinal))
            .OrderByDescending(c => c.Field.Length).FirstOrDefault()?.Name;
}
