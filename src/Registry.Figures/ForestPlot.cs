using System.Text.RegularExpressions;
using Registry.Projections.StudyViews;
using ScottPlot;

namespace Registry.Figures;

/// <summary>
/// The subgroup forest plot: all patients on top, then each baseline characteristic with its levels. Three panels
/// share the rows: subgroup labels; the HR and its 95% CI on a log axis with a line at 1; n, HR (95% CI) and the
/// interaction p. Alternate characteristics are shaded so a row can be followed across.
/// </summary>
public static partial class ForestPlot
{
    private const int RowHeight = 26;
    private const int TitleHeight = 44;
    private const int NumbersWidth = 350, ForestWidth = 560;
    // The label panel grows with the longest label (about 9.5 px a character in bold), so none is cut off.
    private const int MinimumLabelWidth = 270, MaximumLabelWidth = 440;
    private const double PixelsPerCharacter = 9.5;
    private static readonly PixelPadding Margins = new(left: 0, right: 0, bottom: 66, top: 6);

    private enum Kind { Columns, Overall, Characteristic, Level }

    private sealed record Row(Kind Kind, string Label, SubgroupRowView? Estimate = null, double? InteractionP = null, int Group = 0);

    public static Figure Draw(SubgroupsView view, string studyCode, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var rows = Rows(view);
        var (bottom, top) = (-rows.Count + 0.5, 0.5);
        var labelWidth = Math.Clamp((int)Math.Ceiling(rows.Max(r => r.Label.Length) * PixelsPerCharacter / 0.94), MinimumLabelWidth, MaximumLabelWidth);
        var width = labelWidth + ForestWidth + NumbersWidth;
        var height = TitleHeight + (int)(Margins.Top + Margins.Bottom) + RowHeight * rows.Count;

        var title = PlotStyle.TextPanel(0, 1, 0, 1);
        PlotStyle.Label(title, $"{studyCode}: {EndpointName(view.Endpoint)} hazard ratio by subgroup, {view.Arm} vs {view.Reference}{PlotStyle.Scope(view.AsOf, view.DataCut)}",
            0.5, 0.5, Alignment.MiddleCenter, PlotStyle.TitleFontSize, bold: false);

        var labels = PlotStyle.TextPanel(0, 1, bottom, top);
        var forest = Forest(rows, view, bottom, top);
        var numbers = PlotStyle.TextPanel(0, 1, bottom, top);
        for (var k = 0; k < rows.Count; k++)
        {
            var (row, y) = (rows[k], -k);
            if (row.Group % 2 == 1) foreach (var panel in new[] { labels, forest, numbers }) Shade(panel, y);
            switch (row.Kind)
            {
                case Kind.Columns:
                    PlotStyle.Label(labels, "Subgroup", 0.04, y, Alignment.MiddleLeft, bold: true);
                    PlotStyle.Label(numbers, "n", 0.14, y, Alignment.MiddleRight, bold: true);
                    PlotStyle.Label(numbers, "HR (95% CI)", 0.19, y, Alignment.MiddleLeft, bold: true);
                    PlotStyle.Label(numbers, "p interaction", 0.98, y, Alignment.MiddleRight, bold: true);
                    break;
                case Kind.Characteristic:
                    PlotStyle.Label(labels, row.Label, 0.04, y, Alignment.MiddleLeft, bold: true);
                    PlotStyle.Label(numbers, row.InteractionP is { } p ? PlotStyle.P(p) : "–", 0.98, y, Alignment.MiddleRight);
                    break;
                default:
                    var estimate = row.Estimate!;
                    PlotStyle.Label(labels, row.Label, row.Kind == Kind.Overall ? 0.04 : 0.10, y, Alignment.MiddleLeft, bold: row.Kind == Kind.Overall);
                    PlotStyle.Label(numbers, estimate.N.ToString(), 0.14, y, Alignment.MiddleRight);
                    PlotStyle.Label(numbers, PlotStyle.HazardRatio(estimate.Hr, estimate.HrLower, estimate.HrUpper), 0.19, y, Alignment.MiddleLeft);
                    break;
            }
        }
        foreach (var panel in new[] { labels, numbers }) panel.Layout.Fixed(Margins);

        return new Figure(width, height,
        [
            (title, new PixelRect(0, width, TitleHeight, 0)),
            (labels, new PixelRect(0, labelWidth, height, TitleHeight)),
            (forest, new PixelRect(labelWidth, labelWidth + ForestWidth, height, TitleHeight)),
            (numbers, new PixelRect(labelWidth + ForestWidth, width, height, TitleHeight)),
        ]);
    }

    /// <summary>The middle panel: a square (diamond for all patients) at the HR, its CI as a whisker, on a log axis with a line at 1.</summary>
    private static Plot Forest(IReadOnlyList<Row> rows, SubgroupsView view, double bottom, double top)
    {
        var plot = PlotStyle.NewPlot();
        // Intervals wider than 0.01–100 run off the edge rather than squash every other row.
        var (low, high) = PlotStyle.HazardRatioRange(rows.Select(r => r.Estimate).OfType<SubgroupRowView>().SelectMany(e => new[] { e.HrLower, e.HrUpper, e.Hr }), -2, 2);
        for (var k = 0; k < rows.Count; k++)
        {
            if (rows[k].Estimate is not { Hr: { } hr } estimate || !double.IsFinite(hr) || hr <= 0) continue;
            var overall = rows[k].Kind == Kind.Overall;
            var lower = estimate.HrLower is > 0 and var l && double.IsFinite(l) ? Math.Log10(l) : low - 1;
            var upper = estimate.HrUpper is { } u && double.IsFinite(u) ? Math.Log10(u) : high + 1;
            var whisker = plot.Add.Line(lower, -k, upper, -k);
            whisker.Color = Colors.Black;
            whisker.LineWidth = 1.5f;
            var marker = plot.Add.Marker(Math.Log10(hr), -k, overall ? MarkerShape.FilledDiamond : MarkerShape.FilledSquare, overall ? 18 : 10,
                overall ? Colors.Black : PlotStyle.ArmColor(0));
            if (overall) marker.MarkerStyle.CustomRenderer = HeldPathMarkers.FilledDiamond;
        }
        plot.Add.VerticalLine(0, 1.5f, Colors.Gray);

        plot.Axes.SetLimits(low, high, bottom, top);
        plot.Axes.Bottom.TickGenerator = PlotStyle.HazardRatioTicks(low, high);
        plot.Axes.Left.IsVisible = false;
        plot.Axes.Right.IsVisible = false;
        plot.Axes.Top.IsVisible = false;
        plot.HideGrid();
        plot.XLabel($"Hazard ratio (log scale): < 1 favours {view.Arm}, > 1 favours {view.Reference}", PlotStyle.LabelFontSize);
        plot.Layout.Fixed(Margins);
        return plot;
    }

    private static void Shade(Plot panel, double y)
    {
        var band = panel.Add.VerticalSpan(y - 0.5, y + 0.5, Colors.Gray.WithAlpha(0.1));
        band.LineStyle.Width = 0;
    }

    /// <summary>Column headings, all patients, then per characteristic a heading row (with its interaction p) and a row per level.</summary>
    private static List<Row> Rows(SubgroupsView view)
    {
        var rows = new List<Row> { new(Kind.Columns, ""), new(Kind.Overall, "All patients", view.Overall) };
        for (var g = 0; g < view.Subgroups.Count; g++)
        {
            var variable = view.Subgroups[g];
            rows.Add(new(Kind.Characteristic, variable.Label, InteractionP: variable.InteractionP, Group: g + 1));
            rows.AddRange(variable.Levels.Select(level => new Row(Kind.Level, Humanise(level.Level), level, Group: g + 1)));
        }
        return rows;
    }

    private static string EndpointName(string endpoint) => endpoint.ToUpperInvariant();

    /// <summary>
    /// "RecurrentAndMetastatic" (a legacy study's level) as a clinician writes it: "Recurrent and metastatic". A label
    /// the protocol spells out ("N0–N2", "IVa", "T1–T3") keeps its capitals; only its first letter is raised.
    /// </summary>
    private static string Humanise(string level)
    {
        if (level.Length == 0) return level;
        var words = level.All(char.IsLetter) && CamelCaseBoundary().IsMatch(level)
            ? CamelCaseBoundary().Replace(level, " $1").ToLowerInvariant()
            : level;
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    [GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial Regex CamelCaseBoundary();
}
