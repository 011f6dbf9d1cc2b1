using Registry.Figures;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.Plots;

/// <summary>
/// Figures drawn on several threads while collections run, as when a maturity pass allocates beside a page's figures.
/// A Skia object left to the finalizer mid-draw (ScottPlot's censor cross and diamond markers) was freed under Skia and
/// the process died with a segfault: this test host dies the same way without <see cref="HeldPathMarkers"/>.
/// </summary>
public sealed class FiguresUnderCollectionTests
{
    private const int Threads = 4, FiguresPerThread = 8;

    [Fact]
    public void Figures_drawn_side_by_side_while_collections_run_are_the_figures_drawn_alone()
    {
        var survival = Survival(arms: 4, censoredPerArm: 2000);
        var forest = Forest();
        var drawings = new Func<byte[]>[]
        {
            () => KaplanMeierPlot.Draw(survival, "GC-1", withConfidenceBands: true).Render(PlotFormat.Svg),
            () => KaplanMeierPlot.Draw(survival, "GC-1", withConfidenceBands: false).Render(PlotFormat.Png),
            () => ForestPlot.Draw(forest, "GC-1").Render(PlotFormat.Svg),
            () => ForestPlot.Draw(forest, "GC-1").Render(PlotFormat.Png),
        };
        var alone = drawings.Select(draw => draw()).ToArray();

        using var drawn = new CountdownEvent(Threads);
        var collector = new Thread(() =>
        {
            // Collections every millisecond or so: a finalizable Skia wrapper dead before its native call returns is freed within it.
            while (!drawn.IsSet)
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                GC.WaitForPendingFinalizers();
                Thread.Sleep(1);
            }
        });
        var sideBySide = new byte[Threads][][];
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            sideBySide[t] = Enumerable.Range(0, FiguresPerThread).Select(i => drawings[(t + i) % drawings.Length]()).ToArray();
            drawn.Signal();
        })).ToList();
        collector.Start();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        collector.Join();

        for (var t = 0; t < Threads; t++)
            for (var i = 0; i < FiguresPerThread; i++)
                Assert.Equal(alone[(t + i) % drawings.Length], sideBySide[t][i]);
    }

    private static SurvivalView Survival(int arms, int censoredPerArm)
    {
        var random = new Random(21);
        ArmSurvivalView Arm(int a)
        {
            var steps = Enumerable.Range(1, 100).Select(i => new SurvivalStepView(i * 0.5, 1000 - i, 1, Math.Pow(0.99, i), 0.01, Math.Pow(0.99, i) - 0.02, Math.Min(1, Math.Pow(0.99, i) + 0.02))).ToList();
            var censored = Enumerable.Range(0, censoredPerArm).Select(_ => random.NextDouble() * 50).Select(t => new CensorMarkView(t, 1 - t / 100)).ToList();
            var atRisk = Enumerable.Range(0, 9).Select(k => new AtRiskView(k * 6, 1000 - k * 100)).ToList();
            return new ArmSurvivalView($"Arm {a + 1}", 1000, 100, 40, 35, 45, [], atRisk, steps, censored, new PopulationView(1000, 1000, []));
        }
        return new SurvivalView("pfs", "PFS", "randomization", "months", null, null, Enumerable.Range(0, arms).Select(Arm).ToList(), 0,
            new PopulationView(arms * 1000, arms * 1000, []));
    }

    private static SubgroupsView Forest()
    {
        static SubgroupRowView Row(string level, int k) => new(level, 100 + k, 40 + k, 0.7 + k * 0.05, 0.5, 1.1, 0.2, null);
        var variables = Enumerable.Range(1, 6).Select(v => new SubgroupVariableView($"v{v}", $"Characteristic {v}", 0.4,
            Enumerable.Range(0, 3).Select(k => Row($"Level {k + 1}", k)).ToList())).ToList();
        return new SubgroupsView("pfs", "Arm 1", "Arm 2", Row("All patients", 0), variables, new PopulationView(200, 200, []), null, null);
    }
}
