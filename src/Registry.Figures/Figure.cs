using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ScottPlot;
using SkiaSharp;

namespace Registry.Figures;

public enum PlotFormat { Svg, Png }

/// <summary>
/// ScottPlot plots sharing one canvas, each in its own pixel area: the Kaplan–Meier curve above its number-at-risk
/// table, or the forest plot between its label and number columns, with matching margins so rows and columns line up.
/// </summary>
public sealed partial record Figure(int Width, int Height, IReadOnlyList<(Plot Plot, PixelRect Area)> Panels)
{
    /// <summary>Plots stacked top to bottom across the full width, each with its height in pixels.</summary>
    public static Figure Stacked(int width, params (Plot Plot, int Height)[] panels)
    {
        var top = 0;
        var areas = new List<(Plot, PixelRect)>();
        foreach (var (plot, height) in panels)
        {
            areas.Add((plot, new PixelRect(0, width, top + height, top)));
            top += height;
        }
        return new Figure(width, top, areas);
    }

    /// <summary>The figure as SVG or PNG; cancellation is observed before each panel is rendered.</summary>
    public byte[] Render(PlotFormat format, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        if (format == PlotFormat.Png)
        {
            using var surface = SKSurface.Create(new SKImageInfo(Width, Height)) ?? throw new InvalidOperationException("SkiaSharp could not create a drawing surface.");
            Draw(surface.Canvas, ct);
            using var image = surface.Snapshot();
            using var png = image.Encode(SKEncodedImageFormat.Png, 100);
            return png.ToArray();
        }
        using var stream = new MemoryStream();
        // The SVG document is complete only once its canvas is disposed.
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, Width, Height), stream)) Draw(canvas, ct);
        return NumberedClipPaths(stream.ToArray());
    }

    /// <summary>
    /// Skia names an SVG's clip paths from a count over the whole process (cl_3 in a process's first figure, cl_46e
    /// later): numbered from 1 in each document instead, the same figure of the same data is the same bytes, whatever
    /// the process drew before it.
    /// </summary>
    private static byte[] NumberedClipPaths(byte[] svg)
    {
        var numbers = new Dictionary<string, string>();
        var text = ClipPathName().Replace(Encoding.UTF8.GetString(svg), m =>
        {
            if (!numbers.TryGetValue(m.Value, out var numbered))
                numbers[m.Value] = numbered = "cl_" + (numbers.Count + 1).ToString("x", CultureInfo.InvariantCulture);
            return numbered;
        });
        return Encoding.UTF8.GetBytes(text);
    }

    // Only where Skia writes a clip path's name (id="cl_…", url(#cl_…)), never in a label's text.
    [GeneratedRegex(@"(?<=id=""|url\(#)cl_[0-9a-f]+(?=[""\)])")]
    private static partial Regex ClipPathName();

    private void Draw(SKCanvas canvas, CancellationToken ct)
    {
        foreach (var (plot, area) in Panels)
        {
            ct.ThrowIfCancellationRequested();
            // A plot paints its background over the whole canvas; the clip keeps it inside its own area.
            canvas.Save();
            canvas.ClipRect(new SKRect(area.Left, area.Top, area.Right, area.Bottom));
            plot.Render(canvas, area);
            canvas.Restore();
        }
    }

    public static string ContentType(PlotFormat format) => format == PlotFormat.Svg ? "image/svg+xml" : "image/png";
}

/// <summary>What every registry plot shares: arm colours, font sizes readable at 100 %, and number formats.</summary>
public static class PlotStyle
{
    /// <summary>The time origin as an axis reads it: "since randomization".</summary>
    public static string Origin(string timeOrigin) => timeOrigin switch
    {
        "randomization" => "randomization",
        "enrolment" => "enrolment",
        _ => "treatment start",
    };

    public const int Width = 960;
    public const float TickFontSize = 14;
    public const float LabelFontSize = 16;
    public const float TitleFontSize = 18;

    private static readonly IPalette ArmPalette = new ScottPlot.Palettes.Category10();

    public static Color ArmColor(int index) => ArmPalette.GetColor(index);

    /// <summary>
    /// An installed sans-serif face: SkiaSharp's Linux build without fontconfig takes the first font file it finds,
    /// often a serif, as the default. (ScottPlot's Font.Set makes it the process-wide default too.)
    /// </summary>
    public static readonly string FontName =
        new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" }.FirstOrDefault(SKFontManager.Default.FontFamilies.Contains) ?? Fonts.Default;

    public static Plot NewPlot(string? title = null)
    {
        var plot = new Plot();
        plot.Font.Set(FontName);
        plot.Axes.Bottom.TickLabelStyle.FontSize = TickFontSize;
        plot.Axes.Left.TickLabelStyle.FontSize = TickFontSize;
        plot.Axes.Right.TickLabelStyle.FontSize = TickFontSize;
        plot.Axes.Bottom.Label.FontSize = LabelFontSize;
        plot.Axes.Left.Label.FontSize = LabelFontSize;
        plot.Axes.Right.Label.FontSize = LabelFontSize;
        if (title is not null) plot.Title(title, TitleFontSize);
        return plot;
    }

    /// <summary>A plot that only holds text at data coordinates: no axes, grid or frame, the data area filling it.</summary>
    public static Plot TextPanel(double left, double right, double bottom, double top)
    {
        var plot = NewPlot();
        foreach (var axis in plot.Axes.GetAxes()) axis.IsVisible = false;
        plot.HideGrid();
        plot.Axes.Frame(false);
        plot.Axes.SetLimits(left, right, bottom, top);
        plot.Layout.Fixed(new PixelPadding(0));
        return plot;
    }

    public static ScottPlot.Plottables.Text Label(Plot plot, string text, double x, double y, Alignment alignment, float size = TickFontSize, bool bold = false, Color? color = null)
    {
        var label = plot.Add.Text(text, x, y);
        label.LabelFontSize = size;
        // The plot-wide font fixes the regular face, so bold needs its face set explicitly.
        if (bold) label.LabelStyle.Font = Fonts.GetTypeface(FontName, bold: true, italic: false);
        label.LabelAlignment = alignment;
        label.LabelFontColor = color ?? Colors.Black;
        return label;
    }

    public static string Number(double value, int decimals = 2) => value.ToString($"F{decimals}", CultureInfo.InvariantCulture);

    /// <summary>"0.62 (0.41–0.93)", a limit that cannot be computed as NA, or "not estimable".</summary>
    public static string HazardRatio(double? hr, double? lower, double? upper)
    {
        static string Limit(double? limit) => limit is { } l && double.IsFinite(l) ? Number(l) : "NA";
        return hr is { } h && double.IsFinite(h) ? $"{Number(h)} ({Limit(lower)}–{Limit(upper)})" : "not estimable";
    }

    /// <summary>p as journals print it: three decimals, or "&lt;0.001".</summary>
    public static string P(double p) => p < 0.001 ? "<0.001" : Number(p, 3);

    /// <summary>What moment and data cut a plot reflects, for its title; empty for the current view.</summary>
    public static string Scope(DateTimeOffset? asOf, DateOnly? dataCut) => (asOf, dataCut) switch
    {
        (null, null) => "",
        _ => " (" + string.Join("; ", new[]
        {
            dataCut is { } c ? $"data cut {c:yyyy-MM-dd}" : null,
            asOf is { } a ? $"as recorded by {a.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : null,
        }.OfType<string>()) + ")",
    };

    /// <summary>Ticks for hazard ratios drawn on a log10 axis, labelled in the original units (0.1, 0.2, 0.5, 1, 2, 5, …).</summary>
    public static ScottPlot.TickGenerators.NumericManual HazardRatioTicks(double lowLog10, double highLog10)
    {
        bool Within(double v) => Math.Log10(v) >= lowLog10 && Math.Log10(v) <= highLog10;
        var values = new[] { 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100 }.Where(Within).ToArray();
        // A narrow range (about 0.5–2) would show three labels only; add the halfway ticks.
        if (values.Length < 5) values = values.Concat([0.75, 1.5]).Where(Within).Order().ToArray();
        return new ScottPlot.TickGenerators.NumericManual(values.Select(Math.Log10).ToArray(), values.Select(v => v.ToString("0.##", CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>A log10 axis range covering every finite positive value, at least 0.5–2, clamped to [floor, ceiling], with a little padding.</summary>
    public static (double Low, double High) HazardRatioRange(IEnumerable<double?> values, double floorLog10, double ceilingLog10)
    {
        var logs = values.OfType<double>().Where(v => v > 0 && double.IsFinite(v)).Select(Math.Log10).ToList();
        var low = Math.Max(Math.Min(logs.DefaultIfEmpty(0).Min(), Math.Log10(0.5)), floorLog10);
        var high = Math.Min(Math.Max(logs.DefaultIfEmpty(0).Max(), Math.Log10(2)), ceilingLog10);
        var pad = (high - low) * 0.04;
        return (low - pad, high + pad);
    }
}
