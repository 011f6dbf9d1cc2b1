using FsCheck.Xunit;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Domain.Tests.Properties;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

using static Registry.Api.Tests.StudyViews.GeneratedCharts;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// A set at a moment taken from a kept set at another moment keeps each patient whose <see cref="RecordSpan"/> holds the
/// new moment; that is sound only if, for any record the store may hold (corrections, voids, entries recorded out of
/// clinical order and out of the order they were written in), the entries recorded by any moment the span holds are those
/// recorded by the moment it was read at, so the chart derived then gives the same outcome at any cut, or no patient; and
/// the span is as wide as that, so a moment just outside it sees another record. The same for the spans a set taken
/// from the whole records' set keeps (<see cref="WholeRecord.SpanAt"/>), and for the compact entries' reading.
/// </summary>
[Properties(Arbitrary = [typeof(DomainArbitraries)], MaxTest = 150)]
public sealed class RecordSpanProperties
{
    [Property]
    public void A_patient_kept_at_a_moment_is_what_their_chart_derives_at_every_moment_their_span_holds(AcceptedHistory accepted, RawHistory raw, int[] clock)
    {
        foreach (var history in new History[] { accepted, raw })
        {
            var chart = Chart(history, clock);
            var study = Study.Create(new StudyRegistered(Guid.NewGuid(), history.Protocol), DateTimeOffset.MinValue, "generator");
            var whole = StudyViewLoader.Patients([chart], study, null, null).SingleOrDefault();
            var record = whole.Timeline is null ? (WholeRecord?)null : WholeRecord.Of(chart.Recorded().AsOf(null, []), whole.Timeline);
            var moments = chart.Entries.SelectMany(e => new[] { e.RecordedAt.AddTicks(-1), e.RecordedAt, e.RecordedAt.AddTicks(1) }).Distinct().ToList();
            var cuts = chart.Entries.Select(e => e.Fact).OfType<IPatientFact>().Select(f => (DateOnly?)f.ClinicalDate.AddDays(-1)).Take(3).Append(null).ToList();
            var stored = CompactChartEntries.Encode(chart.Entries);
            foreach (var then in moments.Cast<DateTimeOffset?>().Append(null))
            {
                var span = chart.Recorded().AsOf(then, []).Unchanged;
                // The compact entries' reading notes the same span.
                Assert.Equal(span, CompactChartEntries.Decode(stored, then, [], null, withoutBaseline: false).Unchanged);
                if (then is { } moment) Assert.True(span.Holds(moment));
                var entries = Recorded(chart, then);
                foreach (var at in moments)
                    // Exactly the moments whose record is the same: a span a tick too wide or too narrow is another record at its edge.
                    Assert.True(span.Holds(at) == Recorded(chart, at).SequenceEqual(entries), $"span {span.From}..{span.Until} at {at.UtcTicks}");
                foreach (var cut in cuts)
                {
                    var expected = StudyViewLoader.Patients([chart], study, then, cut);
                    foreach (var at in moments.Where(span.Holds))
                        AssertSame(expected, StudyViewLoader.Patients([chart], study, at, cut));
                    // Taken whole from the whole records' set, or left out by it: the span that set's reasoning gives.
                    if (record is { } r && r.At(then, cut) != WholeRecordAt.FromChart)
                        foreach (var at in moments.Where(r.SpanAt(then).Holds))
                            AssertSame(expected, StudyViewLoader.Patients([chart], study, at, cut));
                }
            }
        }
    }

    /// <summary>The versions of the entries recorded by <paramref name="moment"/> (every entry when null).</summary>
    private static List<long> Recorded(PatientChart chart, DateTimeOffset? moment) =>
        chart.Entries.Where(e => moment is null || e.RecordedAt <= moment).Select(e => e.Version).ToList();

    /// <summary>
    /// The same patients as every view reads them: each outcome, where its times end, and its baseline values (compared
    /// apart, since the generators give values no serializer writes: NaN, infinity).
    /// </summary>
    private static void AssertSame(IReadOnlyList<(PatientTimeline Timeline, PatientOutcome Outcome)> expected, IReadOnlyList<(PatientTimeline Timeline, PatientOutcome Outcome)> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(Described(e.Outcome), Described(a.Outcome));
            Assert.Equal(e.Outcome.Baseline, a.Outcome.Baseline);
        }
    }

}
