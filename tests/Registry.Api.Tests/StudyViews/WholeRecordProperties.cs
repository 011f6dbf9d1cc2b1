using FsCheck.Xunit;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Domain.Tests.Properties;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

using static Registry.Api.Tests.StudyViews.GeneratedCharts;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// A set at a moment or data cut takes a patient's outcome from their whole record, or leaves them out, only where
/// <see cref="WholeRecord.At"/> says so; that is sound only if, for any record the store may hold (corrections and voids
/// included), the chart derived at that moment and cut gives the same outcome, or no patient. Checked at every moment
/// an entry was recorded (and a tick either side) and every clinical date of the record (and a day either side).
/// </summary>
[Properties(Arbitrary = [typeof(DomainArbitraries)], MaxTest = 200)]
public sealed class WholeRecordProperties
{
    [Property]
    public void A_patient_left_out_or_taken_whole_is_what_their_chart_derives_at_that_moment_and_cut(AcceptedHistory accepted, RawHistory raw)
    {
        foreach (var history in new History[] { accepted, raw })
        {
            var chart = Chart(history);
            var study = Study.Create(new StudyRegistered(Guid.NewGuid(), history.Protocol), DateTimeOffset.MinValue, "generator");
            var whole = StudyViewLoader.Patients([chart], study, null, null).Single();
            var record = WholeRecord.Of(chart.Recorded().AsOf(null, []), whole.Timeline);
            var moments = history.Events.SelectMany(e => new DateTimeOffset?[] { e.RecordedAt.AddTicks(-1), e.RecordedAt, e.RecordedAt.AddTicks(1) }).Append(null);
            var cuts = history.Events.Select(e => e.Data).OfType<IPatientFact>()
                .Concat(history.Events.Select(e => e.Data).OfType<EntryCorrected>().Select(c => c.Replacement))
                .SelectMany(f => new DateOnly?[] { f.ClinicalDate.AddDays(-1), f.ClinicalDate, f.ClinicalDate.AddDays(1) }).Append(null).Distinct().ToList();
            foreach (var moment in moments)
                foreach (var cut in cuts)
                {
                    var then = StudyViewLoader.Patients([chart], study, moment, cut);
                    switch (record.At(moment, cut))
                    {
                        case WholeRecordAt.Absent:
                            Assert.Empty(then);
                            break;
                        case WholeRecordAt.Whole:
                            var outcome = Assert.Single(then).Outcome;
                            Assert.Equal(Described(whole.Outcome), Described(outcome));
                            Assert.Equal(whole.Outcome.Baseline, outcome.Baseline);
                            break;
                    }
                }
        }
    }
}
