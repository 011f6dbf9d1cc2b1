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

        // Read as the registry's pass reads: in two parts side by side, appended one after the other, sealed.
        var cutPatients = MaturityTimeline.CutPatients.ReadAsync((part, parts, add, _) =>
        {
            for (var p = part; p < patients.Length; p += parts) add(patients[p].Id, patients[p].Entries);
            return Task.CompletedTask;
        }, 2, study, Endpoints, days, default).GetAwaiter().GetResult();

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

    /// <summary>
    /// Entries written after the pass but recorded back then (a simulated calendar): one patient's correction of an earlier
    /// entry recorded at midnight, another's later entries, a third patient enrolled by them alone. The pass patched with
    /// those patients read again as they were written (a patient read at one patch and again at a later one, up to a dozen
    /// patches) holds every day, for each endpoint, the patients a new pass over every chart holds, and compares every
    /// day to the same points.
    /// </summary>
    [Property]
    public void Patched_cuts_patients_hold_every_day_what_a_new_pass_over_every_chart_holds(AcceptedHistory accepted, RawHistory raw, AcceptedHistory enrolledLate,
        byte[] lags, byte written)
    {
        var (corrected, extended, enrolled) = (Recorded(accepted, lags, 0), Recorded(raw, lags, 7), Recorded(enrolledLate, lags, 3));
        (corrected, extended, enrolled) = (Renamed(corrected, 1), Renamed(extended, 2), Renamed(enrolled, 3));
        var moments = new[] { corrected, extended, enrolled }.SelectMany(p => p.Entries).Select(e => e.RecordedAt).Order().ToList();
        var study = Study.Create(new StudyRegistered(Guid.NewGuid(), accepted.Protocol), moments[moments.Count / 4], "generator");
        var days = MaturityTimeline.CutPatients.EveryDay(DateOnly.FromDateTime(moments[0].UtcDateTime), DateOnly.FromDateTime(moments[^1].UtcDateTime).AddDays(40));

        // What the pass read: a prefix of the first two patients' streams, the third not yet enrolled.
        var seenOfCorrected = 1 + written % corrected.Entries.Length;
        var seenOfExtended = written % 3 == 0 ? extended.Entries.Length : 1 + written / 3 % extended.Entries.Length;
        var pass = new MaturityTimeline.CutPatients(study, Endpoints, days);
        pass.Add(corrected.Id, corrected.Entries[..seenOfCorrected]);
        pass.Add(extended.Id, extended.Entries[..seenOfExtended]);

        // Written since: a correction of an entry the pass saw, recorded at midnight mid-span, after the rest of that stream.
        var midnight = new DateTimeOffset(moments[moments.Count / 2].UtcDateTime.Date, TimeSpan.Zero);
        var correction = corrected.Entries[..seenOfCorrected].Select((e, i) => (Entry: e, At: i)).LastOrDefault(e => e.At > 0 && e.Entry.Data is IPatientFact);
        var late = correction.Entry is { Data: IPatientFact fact }
            ? new EntryCorrected(correction.Entry.Version, Replacement(fact, accepted, written), "late")
            : (object)new LastKnownAlive(accepted.Scenario.Enrolment.EnrolledOn.AddDays(written));
        var now = new (Guid Id, RecordedEvent[] Entries)[]
        {
            (corrected.Id, [.. corrected.Entries, new RecordedEvent(corrected.Entries[^1].Version + 1, late, midnight, "import")]), extended, enrolled,
        };
        var fresh = new MaturityTimeline.CutPatients(study, Endpoints, days);
        foreach (var (id, entries) in now) fresh.Add(id, entries);

        // Patched as the writes came: the new patient and the first patient's later entries, then the correction (and the
        // second patient's entries), then the first patient again a few times, past the layers kept before all are read again.
        var stage = now.ToDictionary(p => p.Id, p => p.Entries);
        stage[corrected.Id] = corrected.Entries;
        Task Read(Guid[] only, Action<Guid, RecordedEvent[]> add, CancellationToken _)
        {
            foreach (var id in only)
                if (stage.TryGetValue(id, out var entries)) add(id, entries);
            return Task.CompletedTask;
        }
        // With the streams of 300 patients of other studies written meanwhile (none read): enough to be read in two parts.
        var elsewhere = Enumerable.Range(100, 300).Select(n => new Guid(n, 0, 0, new byte[8]));
        var patched = pass.PatchedAsync([enrolled.Id, corrected.Id, .. elsewhere], Read, default).GetAwaiter().GetResult();
        stage[corrected.Id] = now[0].Entries;
        patched = patched.PatchedAsync(seenOfExtended < extended.Entries.Length ? [corrected.Id, extended.Id] : [corrected.Id], Read, default).GetAwaiter().GetResult();
        for (var again = 0; again < written % 12; again++) patched = patched.PatchedAsync([corrected.Id], Read, default).GetAwaiter().GetResult();

        var arms = accepted.Protocol.Arms.Select(a => a.Code).DefaultIfEmpty("none").ToArray();
        var (arm, reference) = (new ArmGroup(arms[0], [arms[0]]), new ArmGroup("others", arms[1..]));
        foreach (var endpoint in Endpoints)
        {
            foreach (var day in days)
            {
                var expected = fresh.At(endpoint, day).OrderBy(p => p.PatientId).ToList();
                var held = patched.At(endpoint, day).OrderBy(p => p.PatientId).ToList();
                Assert.True(expected.SequenceEqual(held), $"{endpoint} at {day}: expected {string.Join("; ", expected)}, held {string.Join("; ", held)}");
            }
            Assert.Equal(fresh.Points(endpoint, arm, reference, days, default), patched.Points(endpoint, arm, reference, days, default));
        }
    }

    /// <summary>The patient under an id of their own (generated histories may share one): their enrolment and its corrections.</summary>
    private static (Guid Id, RecordedEvent[] Entries) Renamed((Guid Id, RecordedEvent[] Entries) patient, int number)
    {
        var id = new Guid(number, 0, 0, new byte[8]);
        return (id, patient.Entries.Select(e => e.Data switch
        {
            PatientEnrolled enrolled => e with { Data = enrolled with { PatientId = id } },
            EntryCorrected { Replacement: PatientEnrolled enrolled } corrected => e with { Data = corrected with { Replacement = enrolled with { PatientId = id } } },
            _ => e,
        }).ToArray());
    }

    /// <summary>A fact of the same kind as <paramref name="fact"/>, dated otherwise: what a correction of it replaces it with.</summary>
    private static IPatientFact Replacement(IPatientFact fact, History history, byte written)
    {
        var kind = fact switch
        {
            PatientRandomized => FactKind.Randomized, TreatmentStarted => FactKind.TreatmentStarted, ImagingAssessed => FactKind.Imaging,
            AdverseEventRecorded => FactKind.AdverseEvent, DiseaseProgressed => FactKind.Progressed, DiseaseRelapsed => FactKind.Relapsed,
            PatientDied => FactKind.Died, WithdrewFromFollowUp => FactKind.Withdrew, _ => FactKind.LastKnownAlive,
        };
        return History.Fact(kind, new Knobs(written % 200, 1 + written % 5, "nausea", written % 2 == 0, written, 12.5), history.Scenario.Enrolment.EnrolledOn, history.Protocol);
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
