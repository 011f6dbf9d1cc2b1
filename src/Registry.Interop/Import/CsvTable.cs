using System.Globalization;
using CsvHelper;
using System.Text;

namespace Registry.Interop.Import;

/// <summary>One data row of a CSV file: its number as a spreadsheet shows it and its non-empty cells by column.</summary>
public sealed record CsvRow(int Row, IReadOnlyDictionary<string, string> Cells)
{
    public string? Cell(string column) => Cells.GetValueOrDefault(column);
}

/// <summary>A CSV file as the import reads it: the header's columns, the rows, and what kept a row or the file from reading.</summary>
public sealed record CsvTable(IReadOnlyList<string> Columns, IReadOnlyList<CsvRow> Rows, IReadOnlyList<ImportProblem> Problems)
{
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠'];

    /// <summary>
    /// RFC 4180 with a header row, UTF-8. Cells are trimmed; an empty cell is no value. A cell the registry wrote
    /// spreadsheet-safe (<c>'=…</c>: a quote before a formula character) reads back without its quote.
    /// </summary>
    public static CsvTable Read(string file, TextReader text)
    {
        var problems = new List<ImportProblem>();
        var rows = new List<CsvRow>();
        try
        {
            using var csv = CsvReader.Create(text, Options, leaveOpen: true);
            var columns = csv.Headers.Select(c => c.Trim().TrimStart('\uFEFF')).ToArray();
            if (columns.Length == 0)
                return new CsvTable([], [], [new ImportProblem(file, null, null, "The file is empty: it needs a header row naming its columns.")]);
            for (var i = 0; i < columns.Length; i++)
            {
                if (columns[i].Length == 0)
                    problems.Add(new ImportProblem(file, 1, null, $"Column {i + 1} of the header has no name."));
                else if (Array.IndexOf(columns, columns[i]) < i)
                    problems.Add(new ImportProblem(file, 1, columns[i], $"The column \"{columns[i]}\" is named twice."));
            }
            var values = new string?[columns.Length];
            while (csv.Read())
            {
                var row = (int)csv.LineNumber;
                if (csv.FieldCount > columns.Length)
                    problems.Add(new ImportProblem(file, row, null, $"The row has {csv.FieldCount} cells but the header names {columns.Length} columns."));
                // Counted first, so each row's cells are kept at their size: grown a cell at a time, a row was made three times over.
                var given = 0;
                var fields = Math.Min(csv.FieldCount, columns.Length);
                for (var i = 0; i < fields; i++)
                {
                    var value = Unquoted(csv.GetString(i).Trim());
                    values[i] = value.Length > 0 && columns[i].Length > 0 ? value : null;
                    if (values[i] is not null) given++;
                }
                if (given == 0) continue;
                var cells = new Dictionary<string, string>(given, StringComparer.Ordinal);
                for (var i = 0; i < fields; i++)
                    if (values[i] is { } value) cells.TryAdd(columns[i], value);
                rows.Add(new CsvRow(row, cells));
            }
            return new CsvTable(columns.Where(c => c.Length > 0).Distinct().ToList(), rows, problems);
        }
        catch (Exception e) when (e is CsvFormatException or CsvValidationException or InvalidDataException or DecoderFallbackException)
        {
            problems.Add(new ImportProblem(file, rows.Count > 0 ? rows[^1].Row + 1 : null, null, $"The file is not readable CSV from here on: {e.Message}"));
            return new CsvTable([], rows, problems);
        }
    }

    // Comma-separated, never guessed; fields may hold line breaks inside quotes, as spreadsheets write them.
    private static readonly CsvReaderOptions Options = new()
    {
        Separator = ',', TrimWhitespace = true, TrackLineNumbers = true, AllowLineBreaksInQuotes = true, SkipEmptyLines = true,
        FormatProvider = CultureInfo.InvariantCulture,
    };

    private static string Unquoted(string value) =>
        value.Length > 1 && value[0] == '\'' && Array.IndexOf(FormulaStarts, value[1]) >= 0 ? value[1..] : value;
}
