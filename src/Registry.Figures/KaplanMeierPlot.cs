using Registry.Projections.StudyViews;
using ScottPlot;

namespace Registry.Figures;

/// <summary>
/// Kaplan–Meier curves per arm as a journal figure: step curves with censor marks (+), optional shaded 95% CI,
/// dashed median lines, a legend with n and median, and the number at risk per arm under the x axis.
/// </summary>
public static class KaplanMeierPlot
{
    private const int CurveHeight = 520;
    private const int LegendRowHeight = 26;
    private const int RiskRowHeight = 26;
    private const int RiskTableChrome = 44;
    // The curve and the risk table use identical side margins so their x axes line up column for column.
    private const int LeftMargin = 110, RightMargin = 30;

    /// <summary>Cancellation is observed before each arm's curve is drawn.</summary>
    public static Figure Draw(SurvivalView view, string studyCode, bool withConfidenceBands, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var unit = view.Unit;
        var columns = RiskColumns(view);
        var xMax = Math.Max(columns[^1], view.Arms.Select(LastFollowUp).DefaultIfEmpty(0).Max());
        // Room either side of the first and last at-risk count, so the numbers are not cut off at the data area's edge.
        var (left, right) = (-0.03 * Math.Max(xMax, 1), Math.Max(xMax, 1) * 1.04);

        var endpoint = view.EndpointName;
        var curves = PlotStyle.NewPlot($"{studyCode}: {endpoint}{PlotStyle.Scope(view.AsOf, view.DataCut)}");
        for (var i = 0; i < view.Arms.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            DrawArm(curves, view.Arms[i], PlotStyle.ArmColor(i), unit, withConfidenceBands);
        }
        DrawMedianGuide(curves, view.Arms);

        curves.Axes.SetLimits(left, right, 0, 1.04);
        curves.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(columns, columns.Select(c => PlotStyle.Number(c, 0)).ToArray());
        curves.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, 6).Select(i => i * 0.2).ToArray(), Enumerable.Range(0, 6).Select(i => PlotStyle.Number(i * 0.2, 1)).ToArray());
        curves.XLabel($"{(unit == "days" ? "Days" : "Months")} since {(view.Endpoint == "dor" ? "first response" : PlotStyle.Origin(view.TimeOrigin))}", PlotStyle.LabelFontSize);
        curves.YLabel(endpoint, PlotStyle.LabelFontSize);
        // Above the data area, two entries a row, the legend can never hide a curve or its CI.
        curves.ShowLegend(Edge.Top);
        curves.Legend.Orientation = Orientation.Horizontal;
        curves.Legend.FontSize = PlotStyle.TickFontSize;
        curves.Legend.OutlineWidth = 0;
        curves.Legend.ShadowColor = Colors.Transparent;
        var legendRows = (view.Arms.Count + 1) / 2;
        curves.Layout.Fixed(new PixelPadding(LeftMargin, RightMargin, bottom: 62, top: 84 + LegendRowHeight * legendRows));

        var table = RiskTable(view, columns, left, right);
        return Figure.Stacked(PlotStyle.Width,
            (curves, CurveHeight + LegendRowHeight * legendRows),
            (table, RiskTableChrome + RiskRowHeight * Math.Max(view.Arms.Count, 1)));
    }

    private static void DrawArm(Plot plot, ArmSurvivalView arm, Color color, string unit, bool withConfidenceBands)
    {
        if (arm.N == 0)
        {
            // An arm without analysable patients still gets its legend entry, so readers see it was asked for.
            var why = arm.Population.Excluded.Count > 0 ? $": {string.Join("; ", arm.Population.Excluded.Select(e => $"{e.N} {e.Reason}"))}" : "";
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"{arm.Arm} (n=0): no analysable patients{why}", LineColor = color, LineWidth = 2 });
            return;
        }
        var end = LastFollowUp(arm);
        var xs = new List<double> { 0 };
        var ys = new List<double> { 1 };
        foreach (var step in arm.Steps) { xs.Add(step.Time); ys.Add(step.Survival); }
        xs.Add(end);
        ys.Add(ys[^1]);

        if (withConfidenceBands) DrawBand(plot, arm, end, color);

        var curve = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), color);
        curve.ConnectStyle = ConnectStyle.StepHorizontal;
        curve.LineWidth = 2.5f;
        curve.MarkerSize = 0;
        curve.LegendText = $"{arm.Arm} (n={arm.N}): median {Median(arm, unit)}";

        if (arm.Censored.Count > 0)
        {
            var marks = plot.Add.Markers(arm.Censored.Select(c => c.Time).ToArray(), arm.Censored.Select(c => c.Survival).ToArray(), MarkerShape.Cross, 9, color);
            marks.MarkerLineWidth = 1.5f;
            marks.MarkerStyle.CustomRenderer = HeldPathMarkers.Cross;
        }

        if (arm.Median is { } median)
        {
            var drop = plot.Add.Line(median, 0, median, 0.5);
            drop.Color = color;
            drop.LineWidth = 1.5f;
            drop.LinePattern = LinePattern.Dashed;
        }
    }

    /// <summary>The pointwise 95% CI as a shaded step band, ending where the interval is undefined (survival 0).</summary>
    private static void DrawBand(Plot plot, ArmSurvivalView arm, double end, Color color)
    {
        var xs = new List<double> { 0 };
        var lower = new List<double> { 1 };
        var upper = new List<double> { 1 };
        var defined = true;
        foreach (var step in arm.Steps)
        {
            if (step.Lower is not { } lo || step.Upper is not { } hi) { defined = false; break; }
            xs.Add(step.Time); lower.Add(lower[^1]); upper.Add(upper[^1]);
            xs.Add(step.Time); lower.Add(lo); upper.Add(hi);
        }
        if (defined) { xs.Add(end); lower.Add(lower[^1]); upper.Add(upper[^1]); }
        var band = plot.Add.FillY(xs.ToArray(), lower.ToArray(), upper.ToArray());
        band.FillStyle.Color = color.WithAlpha(0.15);
        band.LineStyle.Width = 0;
    }

    /// <summary>A grey dashed line at 50 % from the y axis to the longest reached median.</summary>
    private static void DrawMedianGuide(Plot plot, IReadOnlyList<ArmSurvivalView> arms)
    {
        var longest = arms.Select(a => a.Median).OfType<double>().DefaultIfEmpty(0).Max();
        if (longest <= 0) return;
        var guide = plot.Add.Line(0, 0.5, longest, 0.5);
        guide.Color = Colors.Gray;
        guide.LineWidth = 1.5f;
        guide.LinePattern = LinePattern.Dashed;
    }

    /// <summary>The number at risk per arm at each tick of the x axis, one row per arm in the curves' colours.</summary>
    private static Plot RiskTable(SurvivalView view, double[] columns, double left, double right)
    {
        var table = PlotStyle.NewPlot();
        var rows = view.Arms.Count;
        for (var i = 0; i < rows; i++)
        {
            var y = rows - i;
            var arm = view.Arms[i];
            foreach (var column in columns)
            {
                // An arm's counts stop at its last follow-up; past it nobody is at risk.
                var n = arm.AtRisk.FirstOrDefault(a => Math.Abs(a.Time - column) < 1e-9)?.N ?? 0;
                PlotStyle.Label(table, n.ToString(), column, y, Alignment.MiddleCenter, bold: true, color: PlotStyle.ArmColor(i));
            }
        }
        table.Axes.SetLimits(left, right, 0.4, rows + 0.6);
        table.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, rows).Select(i => (double)(rows - i)).ToArray(), view.Arms.Select(a => a.Arm).ToArray());
        table.Axes.Left.MajorTickStyle.Length = 0;
        table.Axes.Left.FrameLineStyle.Width = 0;
        table.Axes.Bottom.IsVisible = false;
        table.Axes.Top.IsVisible = false;
        table.Axes.Right.IsVisible = false;
        table.HideGrid();
        table.Axes.Frame(false);
        table.Title("Number at risk", PlotStyle.LabelFontSize);
        table.Layout.Fixed(new PixelPadding(LeftMargin, RightMargin, bottom: 8, top: 32));
        return table;
    }

    /// <summary>The at-risk times (every 6 months, or its days) up to the longest follow-up of any arm; they are also the x ticks.</summary>
    private static double[] RiskColumns(SurvivalView view)
    {
        var times = view.Arms.SelectMany(a => a.AtRisk).Select(a => a.Time).Distinct().Order().ToArray();
        return times.Length > 1 ? times : [0, SurvivalCurves.AtRiskEveryMonths * (view.Unit == "days" ? StudyViewScope.DaysPerMonth : 1)];
    }

    private static double LastFollowUp(ArmSurvivalView arm) =>
        arm.Steps.Select(s => s.Time).Concat(arm.Censored.Select(c => c.Time)).DefaultIfEmpty(0).Max();

    private static string Median(ArmSurvivalView arm, string unit)
    {
        var decimals = unit == "days" ? 0 : 1;
        // As R prints them: an upper limit the curve never reaches is NR, a lower limit that cannot be computed NA.
        string Bound(double? b, string missing) => b is { } v ? PlotStyle.Number(v, decimals) : missing;
        return arm.Median is { } m
            ? $"{PlotStyle.Number(m, decimals)} {unit} (95% CI {Bound(arm.MedianLower, "NA")}–{Bound(arm.MedianUpper, "NR")})"
            : "not reached";
    }
}
