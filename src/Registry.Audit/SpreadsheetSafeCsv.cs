using CsvHelper;

namespace Registry.Audit;

/// <summary>
/// The one way the registry writes CSV: RFC 4180, and safe to open in a spreadsheet. A text cell that a spreadsheet
/// would run as a formula (OWASP "CSV injection": it starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab, CR or
/// LF; to be safe also their fullwidth forms <c>＝ ＋ － ＠</c>, which input methods produce and a spreadsheet may read
/// as the ASCII ones) is written quoted with a leading <c>'</c>, so Excel, LibreOffice and Google Sheets show it as the text it is. Numbers written as numbers are
/// left alone, so a negative count stays a number.
/// </summary>
public sealed class SpreadsheetSafeCsv : IAsyncDisposable
{
    private const char TextMark = '\'';

    // CsvHelper takes only ASCII here; Text adds the fullwidth forms.
    public static CsvWriterOptions Options() => new()
    {
        Injection = CsvInjection.Escape, InjectionCharacters = "=+-@\t\r\n", InjectionEscape = TextMark,
    };

    private static readonly char[] FullwidthFormulaStarts = ['＝', '＋', '－', '＠'];

    private readonly CsvWriter _csv;

    private SpreadsheetSafeCsv(CsvWriter csv) => _csv = csv;

    /// <summary>A writer on <paramref name="body"/>, left open; only the async calls reach it (Kestrel refuses synchronous writes).</summary>
    public static SpreadsheetSafeCsv Create(Stream body) => new(CsvWriter.Create(body, Options(), leaveOpen: true));

    public void Header(params ReadOnlySpan<string> columns) => _csv.WriteHeader(columns);

    public void Text(string? value)
    {
        if (value is { Length: > 0 } && Array.IndexOf(FullwidthFormulaStarts, value[0]) >= 0)
            _csv.WriteField(TextMark + value, CsvQuoting.Always);
        else
            _csv.WriteField(value);
    }

    public void Number(long value) => _csv.WriteField(value, default);

    /// <summary>A measured value as the shortest text that reads back the same; an empty cell when there is none (not estimable).</summary>
    public void Number(double? value) => _csv.WriteField(value, default);

    public ValueTask EndRowAsync(CancellationToken ct) => _csv.EndRecordAsync(ct);

    public ValueTask FlushAsync(CancellationToken ct) => _csv.FlushAsync(ct);

    public ValueTask DisposeAsync() => _csv.DisposeAsync();
}
