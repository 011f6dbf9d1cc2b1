namespace Registry.Interop.Import;

/// <summary>
/// One thing wrong with an import file, where a person finds it: the file, the row as a spreadsheet numbers it (the
/// header is row 1; null for the file as a whole) and the column (null for the row as a whole).
/// </summary>
public sealed record ImportProblem(string File, int? Row, string? Column, string Message)
{
    public override string ToString() =>
        $"{File}: {(Row is { } row ? $"row {row}" : "file")}{(Column is { } column ? $", column \"{column}\"" : "")}: {Message}";
}
