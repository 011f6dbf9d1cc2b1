using System.Collections;
using Marten;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Studies;
using Registry.Figures;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.Limits;

/// <summary>
/// A view stops when its request is cancelled (the client has gone): a token cancelled before the call stops it
/// before anything is computed, and one cancelled part-way stops it at the next patient, cut, arm or subgroup —
/// counted by the charts the computation pulled, not timed.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class CancellationTests(DemoStudyApp app)
{
    /// <summary>The study's charts, handing out one at a time and cancelling the token as the <c>cancelAt</c>-th is taken.</summary>
    private sealed class CountingCharts(IReadOnlyList<PatientChart> charts, CancellationTokenSource cancel, int cancelAt) : IReadOnlyList<PatientChart>
    {
        public int Pulled { get; private set; }
        public int Count => charts.Count;
        public PatientChart this[int index] => charts[index];

        public IEnumerator<PatientChart> GetEnumerator()
        {
            foreach (var chart in charts)
            {
                if (++Pulled == cancelAt) cancel.Cancel();
                yield return chart;
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private async Task<(Study Study, IReadOnlyList<PatientChart> Charts)> LoadAsync()
    {
        await using var session = app.Store.QuerySession();
        var study = (await session.LoadAsync<Study>(app.StudyId))!;
        var charts = await session.Query<PatientChart>().Where(c => c.StudyId == app.StudyId).ToListAsync();
        return (study, charts);
    }

    private static CancellationToken Cancelled => new(canceled: true);

    [Fact]
    public async Task Deriving_outcomes_stops_at_the_patient_where_the_token_is_cancelled()
    {
        var (study, charts) = await LoadAsync();
        using var before = new CancellationTokenSource();
        before.Cancel();
        var untouched = new CountingCharts(charts, before, cancelAt: 0);
        Assert.Throws<OperationCanceledException>(() => StudyViewLoader.Derive(untouched, study, null, null, before.Token));
        Assert.Equal(0, untouched.Pulled);

        using var partWay = new CancellationTokenSource();
        var counting = new CountingCharts(charts, partWay, cancelAt: 10);
        Assert.Throws<OperationCanceledException>(() => StudyViewLoader.Derive(counting, study, null, null, partWay.Token));
        Assert.Equal(10, counting.Pulled);
        Console.WriteLine($"derivation stopped after {counting.Pulled} of {charts.Count} patients");
    }

    [Fact]
    public async Task Maturity_stops_at_the_chart_where_the_token_is_cancelled()
    {
        var (study, charts) = await LoadAsync();
        var (itc, c) = (new ArmGroup("ITC", ["ITC"]), new ArmGroup("C", ["C"]));
        Assert.Throws<OperationCanceledException>(() => MaturityTimeline.Compute(charts, study, "pfs", itc, c, (1, 0), Cancelled));

        using var cancel = new CancellationTokenSource();
        // The cut list pulls every chart once, then one pass derives each chart at every cut: cancel five charts into it.
        var counting = new CountingCharts(charts, cancel, cancelAt: charts.Count + 5);
        Assert.Throws<OperationCanceledException>(() => MaturityTimeline.Compute(counting, study, "pfs", itc, c, (1, 0), cancel.Token));
        Assert.Equal(charts.Count + 5, counting.Pulled);
        Assert.NotEmpty(MaturityTimeline.Compute(charts, study, "pfs", itc, c, (1, 0)));
    }

    [Fact]
    public async Task Every_view_and_figure_refuses_to_start_for_a_cancelled_request()
    {
        var (study, charts) = await LoadAsync();
        var scope = new StudyViewScope(study, StudyViewLoader.Derive(charts, study, null, null), null, null);
        var errors = new Dictionary<string, string[]>();
        var pfs = ViewQuery.TimeToEventEndpoint("pfs", study.Protocol, errors)!;
        var groups = ViewQuery.Groups(null, study.Protocol, errors)!;
        var (itc, c) = (new ArmGroup("ITC", ["ITC"]), new ArmGroup("C", ["C"]));
        Assert.Empty(errors);

        Assert.Throws<OperationCanceledException>(() => SurvivalCurves.Compute(scope, pfs, groups, false, [6, 12], Cancelled));
        Assert.Throws<OperationCanceledException>(() => HazardComparison.Compute(scope.Outcomes, "pfs", itc, c, null, [], ct: Cancelled));
        Assert.Throws<OperationCanceledException>(() => SubgroupForest.Compute(scope.Outcomes, study.Protocol, "pfs", itc, c, null, null, Cancelled));
        Assert.Throws<OperationCanceledException>(() => StudyTables.Baseline(scope, groups, Cancelled));
        Assert.Throws<OperationCanceledException>(() => StudyTables.Response(scope, groups, Cancelled));
        Assert.Throws<OperationCanceledException>(() => StudyTables.Safety(scope, groups, Cancelled));

        // The same calls with a live token answer: what stops them is the cancellation, nothing else.
        var survival = SurvivalCurves.Compute(scope, pfs, groups, false, [6, 12], CancellationToken.None);
        var forest = SubgroupForest.Compute(scope.Outcomes, study.Protocol, "pfs", itc, c, null, null, CancellationToken.None);
        Assert.Equal(4, survival.Arms.Count);
        Assert.Throws<OperationCanceledException>(() => KaplanMeierPlot.Draw(survival, study.Code, true, Cancelled));
        Assert.Throws<OperationCanceledException>(() => ForestPlot.Draw(forest, study.Code, Cancelled));
        Assert.Throws<OperationCanceledException>(() => KaplanMeierPlot.Draw(survival, study.Code, true).Render(PlotFormat.Png, Cancelled));
        Assert.NotEmpty(KaplanMeierPlot.Draw(survival, study.Code, true).Render(PlotFormat.Svg, CancellationToken.None));
    }
}
