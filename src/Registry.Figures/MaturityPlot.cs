using Registry.Projections.StudyViews;
using ScottPlot;

namespace Registry.Figures;

/// <summary>
/// The hazard ratio settling as data accrue: HR and its 95% CI band at each data cut (dates on x, log y, a line at
/// HR 1), with the number of events at each cut as grey bars on a secondary axis.
/// </summary>
public static class MaturityPlot
{
    private const int Height = 620;
    // Intervals wider than this run off the plot rather than flatten the settled estimates into a line.
    private static readonly double Floor = Math.Log10(0.05), Ceiling = Math.Log10(20);

    public static Figure Draw(MaturityView view, string studyCode, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var endpoint = view.Endpoint.ToUpperInvariant();
        var plot = PlotStyle.NewPlot($"{studyCode}: {endpoint} hazard ratio over data cuts, {view.Arm} vs {view.Reference}");
        var estimable = view.Cuts.Where(c => c.Hr is > 0 and var hr && double.IsFinite(hr)).ToList();
        var (low, high) = PlotStyle.HazardRatioRange(estimable.SelectMany(c => new[] { c.HrLower, c.HrUpper, c.Hr }), Floor, Ceiling);

        var events = DrawEvents(plot, view.Cuts, endpoint);
        plot.Add.HorizontalLine(0, 1.5f, Colors.Gray, LinePattern.Dashed);
        if (estimable.Count > 0)
        {
            var xs = estimable.Select(c => Date(c.DataCut)).ToArray();
            var band = plot.Add.FillY(xs,
                estimable.Select(c => LogBound(c.HrLower, Floor - 1)).ToArray(),
                estimable.Select(c => LogBound(c.HrUpper, Ceiling + 1)).ToArray());
            band.FillStyle.Color = PlotStyle.ArmColor(0).WithAlpha(0.2);
            band.LineStyle.Width = 0;
            band.LegendText = "95% CI";

            var line = plot.Add.ScatterLine(xs, estimable.Select(c => Math.Log10(c.Hr!.Value)).ToArray(), PlotStyle.ArmColor(0));
            line.LineWidth = 2.5f;
            line.MarkerSize = 6;
            line.MarkerShape = MarkerShape.FilledCircle;
            line.LegendText = $"Hazard ratio, {view.Arm} vs {view.Reference}";
        }
        else
        {
            var reason = view.Cuts.LastOrDefault()?.NotEstimableReason ?? "No data cuts: nothing has been recorded yet.";
            var note = plot.Add.Annotation($"The hazard ratio is not estimable at any cut.\n{reason}", Alignment.MiddleCenter);
            note.LabelFontSize = PlotStyle.TickFontSize;
            note.LabelBackgroundColor = Colors.White;
            note.LabelBorderColor = Colors.Gray;
            note.LabelShadowColor = Colors.Transparent;
            note.LabelPadding = 8;
        }

        var first = view.Cuts.Count > 0 ? view.Cuts[0].DataCut : DateOnly.FromDateTime(DateTime.UtcNow);
        var last = view.Cuts.Count > 0 ? view.Cuts[^1].DataCut : first.AddMonths(1);
        var margin = Math.Max(15, (Date(last) - Date(first)) * 0.02);
        plot.Axes.SetLimitsX(Date(first) - margin, Date(last) + margin);
        plot.Axes.Bottom.TickGenerator = DateTicks(first, last);
        plot.Axes.SetLimitsY(low, high);
        // Events fill the lower 40 % of the plot only, under the settled estimates rather than across them.
        plot.Axes.SetLimitsY(0, Math.Max(events, 1) * 2.5, plot.Axes.Right);
        plot.Axes.Left.TickGenerator = PlotStyle.HazardRatioTicks(low, high);
        plot.XLabel("Data cut (each as recorded by the end of that day)", PlotStyle.LabelFontSize);
        plot.YLabel("Hazard ratio (log scale)", PlotStyle.LabelFontSize);
        // Above the data area, in one row, the legend can never hide the estimates or their CI.
        plot.ShowLegend(Edge.Top);
        plot.Legend.Orientation = Orientation.Horizontal;
        plot.Legend.FontSize = PlotStyle.TickFontSize;
        plot.Legend.OutlineWidth = 0;
        plot.Legend.ShadowColor = Colors.Transparent;
        return Figure.Stacked(PlotStyle.Width, (plot, Height));
    }

    /// <summary>Events at each cut as light bars on the right axis; answers the most events at any cut.</summary>
    private static int DrawEvents(Plot plot, IReadOnlyList<MaturityPoint> cuts, string endpoint)
    {
        plot.Axes.Right.Label.Text = $"{endpoint} events";
        if (cuts.Count == 0) return 0;
        var xs = cuts.Select(c => Date(c.DataCut)).ToArray();
        var width = cuts.Count > 1 ? (xs[^1] - xs[0]) / (cuts.Count - 1) * 0.6 : 10;
        var bars = plot.Add.Bars(xs, cuts.Select(c => (double)c.Events).ToArray());
        for (var i = 0; i < bars.Bars.Count; i++)
        {
            var bar = bars.Bars[i];
            // A cut days after the one before (the data cut after the last monthly cut) gets a bar narrow enough not to overlap it.
            var gap = Math.Min(i > 0 ? xs[i] - xs[i - 1] : double.MaxValue, i < xs.Length - 1 ? xs[i + 1] - xs[i] : double.MaxValue);
            bar.Size = Math.Min(width, gap * 0.8);
            bar.FillColor = Colors.Gray.WithAlpha(0.3);
            bar.LineWidth = 0;
        }
        bars.LegendText = $"{endpoint} events (right axis)";
        bars.Axes.YAxis = plot.Axes.Right;
        return cuts.Max(c => c.Events);
    }

    /// <summary>Ticks on the first of every 6th month (every 3rd over less than two years), labelled 2021-07.</summary>
    private static ScottPlot.TickGenerators.NumericManual DateTicks(DateOnly first, DateOnly last)
    {
        var months = last.Year * 12 + last.Month - (first.Year * 12 + first.Month) < 24 ? 3 : 6;
        var ticks = new List<DateOnly>();
        for (var month = new DateOnly(first.Year, 1, 1); month <= last; month = month.AddMonths(months))
            if (month >= first) ticks.Add(month);
        // Cuts within one quarter cross no tick; name the first cut so the axis still says when.
        return ticks.Count > 0
            ? new ScottPlot.TickGenerators.NumericManual(ticks.Select(Date).ToArray(), ticks.Select(t => t.ToString("yyyy-MM")).ToArray())
            : new ScottPlot.TickGenerators.NumericManual([Date(first)], [first.ToString("yyyy-MM-dd")]);
    }

    private static double Date(DateOnly cut) => cut.ToDateTime(TimeOnly.MinValue).ToOADate();

    /// <summary>A CI bound in log10 units; an unbounded one is drawn past the edge so the band runs off the plot.</summary>
    private static double LogBound(double? bound, double unbounded) =>
        bound is > 0 and var b && double.IsFinite(b) ? Math.Clamp(Math.Log10(b), Floor - 1, Ceiling + 1) : unbounded;
}
