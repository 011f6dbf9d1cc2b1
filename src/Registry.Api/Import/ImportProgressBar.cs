using System.Diagnostics;
using System.Globalization;

namespace Registry.Api.Import;

/// <summary>
/// An import's progress on a terminal: one line redrawn in place when <paramref name="interactive"/> (a TTY), else a line
/// every few seconds and at each phase's end, so a log stays short.
/// </summary>
public sealed class ImportProgressBar(TextWriter output, bool interactive) : IProgress<ImportProgress>
{
    private const int Width = 24;
    private readonly Stopwatch _sinceShown = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private string? _phase;
    private bool _phaseEnded;
    private bool _lineOpen;

    public void Report(ImportProgress value)
    {
        lock (_gate) Show(value);
    }

    private void Show(ImportProgress value)
    {
        var phaseEnds = value.Done == value.Total;
        // Phases overlap (a file is recorded while the next is checked): another phase waits until the one shown ends, but for its own end.
        if (value.Phase != _phase && _phase is not null && !_phaseEnded && !phaseEnds) return;
        if (value.Phase == _phase && !phaseEnds && _sinceShown.Elapsed < (interactive ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(5))) return;
        if (interactive && _lineOpen && value.Phase != _phase) output.WriteLine();
        _phase = value.Phase;
        _phaseEnded = phaseEnds;
        _sinceShown.Restart();
        var filled = value.Total == 0 ? Width : value.Done * Width / value.Total;
        var unit = value.Phase == "recorded" ? "patients" : "rows";
        var left = value.Left is { } l ? $", ~{Math.Ceiling(l.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s left" : "";
        var line = $"[{new string('#', filled)}{new string('.', Width - filled)}] {value.Phase} {value.Done}/{value.Total} {unit}, " +
                   $"{value.Events} events, {value.EventsPerSecond.ToString("F0", CultureInfo.InvariantCulture)} events/s{left}";
        if (interactive)
        {
            output.Write($"\r{line}\u001b[K");
            _lineOpen = !phaseEnds;
            if (phaseEnds) output.WriteLine();
        }
        else output.WriteLine(line);
        output.Flush();
    }
}
