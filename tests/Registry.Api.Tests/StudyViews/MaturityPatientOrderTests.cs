using Marten;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Studies;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// Maturity's comparisons count their patients per day before summing anything, whatever order the charts are read in,
/// so a pass over a table scanned from another place gives the same answer to the last digit, and a cut compared from
/// the cuts' patients equals the same cut compared from a set of outcomes (in the order the kept sets hold). Eight copies
/// of the demo study (the same records under other patient ids) tie every time eightfold, where sums taken patient by
/// patient would differ in their last digits with the order they are added in.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class MaturityPatientOrderTests(DemoStudyApp app)
{
    private static readonly ArmGroup Treated = new("ITC", ["ITC"]);
    private static readonly ArmGroup Control = new("C", ["C"]);

    private async Task<(Study Study, List<PatientChart> Charts, IReadOnlyList<DateOnly> Cuts)> EightCopiesAsync()
    {
        await using var session = app.Store.QuerySession();
        var study = (await session.LoadAsync<Study>(app.StudyId))!;
        var demo = await session.Query<PatientChart>().Where(c => c.StudyId == app.StudyId).ToListAsync();
        var ids = new Random(20261206);
        var charts = new List<PatientChart>();
        for (var copy = 0; copy < 8; copy++)
            foreach (var chart in demo)
            {
                var bytes = new byte[16];
                ids.NextBytes(bytes);
                var other = chart.Copy();
                other.Id = new Guid(bytes);
                charts.Add(other);
            }
        var recorded = charts.SelectMany(c => c.Entries).Select(e => DateOnly.FromDateTime(e.RecordedAt.UtcDateTime)).ToList();
        return (study, charts, MaturityTimeline.Cuts(recorded.Min(), recorded.Max(), (3, 0)).ToList());
    }

    [Theory]
    [InlineData("pfs")]
    [InlineData("os")]
    public async Task The_charts_read_in_any_order_give_the_same_points_to_the_last_digit(string endpoint)
    {
        var (study, charts, cuts) = await EightCopiesAsync();
        var asRead = MaturityTimeline.Compute(charts, study, endpoint, Treated, Control, cuts);
        var shuffled = charts.ToArray();
        new Random(7).Shuffle(shuffled);
        var other = MaturityTimeline.Compute(shuffled, study, endpoint, Treated, Control, cuts);

        Assert.Contains(asRead, p => p.Point is { Hr: not null });
        Assert.Equal(asRead.Select(p => p.Point), other.Select(p => p.Point));
    }

    [Fact]
    public async Task A_cut_compared_from_the_cuts_patients_equals_it_compared_from_the_outcomes_in_subject_order()
    {
        var (study, charts, cuts) = await EightCopiesAsync();
        var shuffled = charts.ToArray();
        new Random(11).Shuffle(shuffled);
        var points = MaturityTimeline.Compute(shuffled, study, "pfs", Treated, Control, cuts);

        foreach (var (cut, point) in points.Where(p => p.Point is { Hr: not null }))
        {
            var asOf = MaturityTimeline.AsOf(cut);
            var outcomes = StudyViewLoader.Derive(shuffled, study.AsOf(asOf)!, asOf, cut).Order(SubjectOrder.Outcomes).ToList();
            Assert.Equal(MaturityTimeline.Point(outcomes, cut, "pfs", Treated, Control), point);
        }
    }
}
