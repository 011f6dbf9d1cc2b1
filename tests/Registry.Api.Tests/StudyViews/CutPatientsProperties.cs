using FsCheck.Xunit;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Domain.Tests.Properties;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// Maturity's pass reads each patient at every day of the study's span but visits only the days where their record,
/// the protocol or a cut's shortening of the record changes (<see cref="MaturityTimeline.CutPatients.Add(Guid, RecordedEvent[])"/>).
/// Sound only if, for any record, every day holds what deriving the patient at that day's moment and cut gives: checked
/// here day by day, with entries recorded out of order, at midnight, before their clinical date, before the study was
/// registered, and a protocol amendment in between.
/// </summary>
[Properties(Arbitrary = [typeof(DomainArbitraries)], MaxTest = 100)]
public sealed class CutPatientsProperties
{
    private static readonly string[] Endpoints = ["pfs", "os", "efs"];

    [Property]
    public void Every_day_holds_each_patient_as_derived_at_that_days_moment_and_cut(AcceptedHistory accepted, RawHistory raw, byte[] lags)
    {
        var patients = new[] { Recorded(accepted, lags, 0), Recorded(raw, lags, 7) };
        var moments = patients.SelectMany(p => p.Entries).Select(e => e.RecordedAt).Order().ToList();
        // Registered after the first entries were recorded; amended, to another time origin, midway.
        var registered = moments[moments.Count / 4];
        var amended = moments[moments.Count / 2];
        var protocol = accepted.Protocol;
        var origin = TimeOrigins.All[(Array.IndexOf(TimeOrigins.All, protocol.TimeOrigin) + 1) % TimeOrigins.All.Length];
        var study = Study.Create(new StudyRegistered(Guid.NewGuid(), protocol), registered, "generator")
            .Apply(new ProtocolAmended(Guid.Empty, 2, protocol with { TimeOrigin = origin }, "test"), amended, "generator");
        var days = MaturityTimeline.CutPatients.EveryDay(DateOnly.FromDateTime(moments[0].UtcDateTime), DateOnly.FromDateTime(moments[^1].UtcDateTime).AddDays(40));

        var cutPatients = new MaturityTimeline.CutPatients(study, Endpoints, days);
        foreach (var (id, entries) in patients) cutPatients.Add(id, entries);

        foreach (var day in days)
        {
            if (study.AsOf(MaturityTimeline.AsOf(day)) is not { } then) continue;
            foreach (var endpoint in Endpoints)
            {
                var expected = patients.Select(p => Derived(p.Id, p.Entries, then.Protocol, day, endpoint)).OfType<(Guid, string?, string?, TimeToEvent?)>()
                    .OrderBy(p => p.Item1).ToList();
                var held = cutPatients.At(endpoint, day).OrderBy(p => p.PatientId).ToList();
                Assert.True(expected.SequenceEqual(held), $"{endpoint} at {day}: expected {string.Join("; ", expected)}, held {string.Join("; ", held)}");
            }
        }
    }

    /// <summary>The patient as a set at the day's moment and cut derives them (null: not in the study then).</summary>
    private static (Guid, string?, string?, TimeToEvent?)? Derived(Guid id, RecordedEvent[] entries, Protocol protocol, DateOnly day, string endpoint)
    {
        var moment = MaturityTimeline.AsOf(day);
        if (PatientTimeline.From(id, entries.Where(e => e.RecordedAt <= moment)) is not { } timeline || timeline.Enrolment.EnrolledOn > day) return null;
        var outcome = OutcomeDerivation.DeriveFor(Endpoints, timeline, protocol, day);
        return (id, outcome.Arm, outcome.ExcludedBecause, outcome.Time(endpoint) is { } t ? new TimeToEvent(t.Days, t.Event) : null);
    }

    /// <summary>
    /// The history's entries recorded around their clinical dates rather than all at once: from a day before to three
    /// days after, some at midnight exactly, in stream order or not (<paramref name="lags"/> decides), the enrolment first.
    /// </summary>
    private static (Guid Id, RecordedEvent[] Entries) Recorded(History history, byte[] lags, int shift)
    {
        var enrolledOn = history.Scenario.Enrolment.EnrolledOn;
        var times = new List<DateTimeOffset>();
        var anchor = enrolledOn;
        for (var i = 0; i < history.Events.Count; i++)
        {
            anchor = history.Events[i].Data switch
            {
                IPatientFact fact => fact.ClinicalDate,
                EntryCorrected { Replacement: { } replacement } => replacement.ClinicalDate,
                _ => anchor,
            };
            var lag = lags.Length == 0 ? 0 : lags[(i + shift) % lags.Length];
            var hours = lag % 5 == 0 ? 24 * (lag % 3) : lag % 97 - 24;
            times.Add(new DateTimeOffset(anchor.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddHours(hours));
        }
        if (lags.Length > 0 && lags[0] % 2 == 0) times.Sort();
        times[0] = times.Min().AddHours(-1);
        return (history.Scenario.Enrolment.PatientId, history.Events.Select((e, i) => e with { RecordedAt = times[i] }).ToArray());
    }
}
