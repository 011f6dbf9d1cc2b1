using ScottPlot;
using SkiaSharp;

namespace Registry.Figures;

/// <summary>
/// The cross (censor marks) and filled diamond (all patients' hazard ratio) drawn exactly as ScottPlot 5.1.59 draws
/// them, but holding each Skia path until its draw has returned. ScottPlot's own leave the path to the finalizer and
/// SkiaSharp 3.119 does not keep it alive across the native call, so a collection mid-draw (any request allocating)
/// freed the path under Skia: the registry died with a segfault in libSkiaSharp.so.
/// </summary>
public static class HeldPathMarkers
{
    public static readonly IMarker Cross = new CrossMarker();

    public static readonly IMarker FilledDiamond = new FilledDiamondMarker();

    private sealed class CrossMarker : IMarker
    {
        public void Render(SKCanvas canvas, Paint paint, Pixel center, float size, MarkerStyle markerStyle)
        {
            var offset = size / 2;
            using var path = new SKPath();
            path.MoveTo(center.X + offset, center.Y);
            path.LineTo(center.X - offset, center.Y);
            path.MoveTo(center.X, center.Y + offset);
            path.LineTo(center.X, center.Y - offset);
            Drawing.DrawPath(canvas, paint, path, markerStyle.LineStyle);
        }
    }

    private sealed class FilledDiamondMarker : IMarker
    {
        public void Render(SKCanvas canvas, Paint paint, Pixel center, float size, MarkerStyle markerStyle)
        {
            var radius = size / 2;
            using var path = new SKPath();
            path.AddPoly(
            [
                new(center.X + radius, center.Y),
                new(center.X, center.Y + radius),
                new(center.X - radius, center.Y),
                new(center.X, center.Y - radius),
            ]);
            Drawing.FillPath(canvas, paint, path, markerStyle.FillStyle, new PixelRect(center, radius));
            Drawing.DrawPath(canvas, paint, path, markerStyle.OutlineStyle);
        }
    }
}
