using System.Globalization;
using Registry.Audit;

namespace Registry.Interop.Datasets;

/// <summary>
/// A dataset as CSV: a header row of its variable names, then one line per record — numbers as numbers, dates as
/// ISO 8601 (YYYY-MM-DD), a missing value as an empty cell — written through <see cref="SpreadsheetSafeCsv"/>, so no
/// recorded text can run as a spreadsheet formula.
/// </summary>
public static class DatasetCsv
{
    public static async Task WriteAsync(AnalysisDataset dataset, Stream body, CancellationToken ct)
    {
        await using var csv = SpreadsheetSafeCsv.Create(body);
        csv.Header([.. dataset.Columns.Select(c => c.Name)]);
        foreach (var row in dataset.Rows)
        {
            ct.ThrowIfCancellationRequested();
            await WriteRowAsync(csv, row, ct);
        }
        await csv.FlushAsync(ct);
    }

    internal static async Task WriteRowAsync(SpreadsheetSafeCsv csv, object?[] row, CancellationToken ct)
    {
        foreach (var value in row)
        {
            switch (value)
            {
                case null: csv.Text(null); break;
                case long n: csv.Number(n); break;
                case double d: csv.Number(d); break;
                case DateOnly date: csv.Text(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); break;
                default: csv.Text(value.ToString()); break;
            }
        }
        await csv.EndRowAsync(ct);
    }
}
