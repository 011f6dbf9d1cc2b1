using System.Text;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Domain.Tests.Properties;

/// <summary>The kinds of clinical fact a coordinator can enter after enrolment.</summary>
public enum FactKind { Randomized, TreatmentStarted, Imaging, AdverseEvent, Progressed, Relapsed, Died, LastKnownAlive, Withdrew }

/// <summary>
/// The random values one entry is built from. Kept as plain data (not as the entry itself) so that the same knobs
/// can build a correction of whatever kind its target turns out to be, and so that a counterexample prints readably.
/// </summary>
public sealed record Knobs(int Day, int Grade, string? Term, bool Flag, int Choice, double? Number);

/// <summary>One thing a coordinator might send. Its target, for a correction or void, is picked from what exists when it is sent.</summary>
public abstract record Intent;
public sealed record Enter(FactKind Kind, Knobs Knobs) : Intent;
public sealed record Correct(int Pick, Knobs Knobs) : Intent;
public sealed record Void(int Pick) : Intent;
/// <summary>A grade 5 adverse event sent together with the death it caused, as the API asks.</summary>
public sealed record FatalAdverseEvent(Knobs Knobs, int DaysToDeath) : Intent;

/// <summary>A protocol, one patient's enrolment, what was then sent for them, and a data cut to analyse at.</summary>
public sealed record Scenario(Protocol Protocol, PatientEnrolled Enrolment, IReadOnlyList<Intent> Intents, DateOnly? DataCut);

/// <summary>
/// A history the write side accepted: each intent was put to <see cref="PatientDecisions.Decide"/> against the stream
/// so far and recorded only when accepted, so every prefix, and the whole, satisfies the rules.
/// </summary>
public sealed class AcceptedHistory(Scenario scenario) : History(scenario, decide: true);

/// <summary>
/// A history folded straight through <see cref="PatientTimeline.Apply"/>, as a stream written under older or laxer
/// rules would be: entries before enrolment or after death, two deaths, two randomizations, a fatal adverse event
/// without a death, progression before treatment, corrections and voids of entries that are not there or already
/// voided. Left out, since the write side has always refused them: voiding the enrolment and corrections that change
/// an entry's kind.
/// </summary>
public sealed class RawHistory(Scenario scenario) : History(scenario, decide: false);

public abstract class History
{
    private static readonly DateTimeOffset RecordingStarted = new(2020, 1, 1, 8, 0, 0, TimeSpan.Zero);

    public Scenario Scenario { get; }
    public IReadOnlyList<RecordedEvent> Events { get; }
    public PatientTimeline Timeline { get; }
    /// <summary>How many intents the write side refused (accepted histories only).</summary>
    public int Refused { get; }

    public Protocol Protocol => Scenario.Protocol;
    public DateOnly? DataCut => Scenario.DataCut;

    protected History(Scenario scenario, bool decide)
    {
        Scenario = scenario;
        var events = new List<RecordedEvent> { new(1, scenario.Enrolment, RecordingStarted, "generator") };
        var timeline = PatientTimeline.From(scenario.Enrolment.PatientId, events)!;
        var refused = 0;
        foreach (var intent in scenario.Intents)
        {
            var batch = Build(intent, timeline, scenario, decide);
            if (decide && !PatientDecisions.Decide(timeline, batch).Accepted) { refused++; continue; }
            foreach (var e in batch)
            {
                var recorded = new RecordedEvent(timeline.Version + 1, e, RecordingStarted.AddMinutes(timeline.Version), "generator");
                timeline = timeline.Apply(recorded);
                events.Add(recorded);
            }
        }
        Events = events;
        Timeline = timeline;
        Refused = refused;
    }

    private static IReadOnlyList<object> Build(Intent intent, PatientTimeline timeline, Scenario scenario, bool decide)
    {
        var enrolledOn = scenario.Enrolment.EnrolledOn;
        switch (intent)
        {
            case Enter(var kind, var knobs):
                return [Fact(kind, knobs, enrolledOn, scenario.Protocol)];
            case FatalAdverseEvent(var knobs, var daysToDeath):
                var onset = enrolledOn.AddDays(knobs.Day);
                return [new AdverseEventRecorded(knobs.Term!, 5, onset, true, Attribution.Possible), new PatientDied(onset.AddDays(daysToDeath), knobs.Term)];
            case Correct(var pick, var knobs):
                if (decide)
                {
                    // The write side's way: a correction names an entry and replaces it with the same kind.
                    var target = timeline.Entries[pick % timeline.Entries.Count];
                    return [new EntryCorrected(target.Version, SameKind(target.Current, knobs, scenario.Protocol), "correction")];
                }
                // Raw: any version, including corrections, voids and versions not yet written.
                var version = 1 + pick % (timeline.Version + 2);
                var entry = timeline.EntryAt(version);
                var replacement = entry is null ? Fact((FactKind)(knobs.Choice % 9), knobs, enrolledOn, scenario.Protocol) : SameKind(entry.Current, knobs, scenario.Protocol, raw: true);
                return [new EntryCorrected(version, replacement, "correction")];
            case Void(var pick):
                return decide
                    ? [new EntryVoided(timeline.Entries[pick % timeline.Entries.Count].Version, "void")]
                    : [new EntryVoided(2 + pick % (timeline.Version + 1), "void")]; // never the enrolment, see RawHistory
            default:
                throw new ArgumentOutOfRangeException(nameof(intent));
        }
    }

    private static readonly TimepointResponse[] ImagingResponses =
        [TimepointResponse.CR, TimepointResponse.CR, TimepointResponse.PR, TimepointResponse.PR, TimepointResponse.PR,
         TimepointResponse.SD, TimepointResponse.SD, TimepointResponse.SD, TimepointResponse.PD, TimepointResponse.NE];

    public static IPatientFact Fact(FactKind kind, Knobs k, DateOnly enrolledOn, Protocol protocol)
    {
        var on = enrolledOn.AddDays(k.Day);
        var arms = protocol.Arms;
        return kind switch
        {
            FactKind.Randomized => new PatientRandomized(on, arms[k.Choice % arms.Count].Code,
                k.Choice % 3 == 0 ? null : new Dictionary<string, string> { ["stratum"] = k.Flag ? "high" : "low" }),
            // Agents null as an older client sent; lines 0 and -1 as nothing ever checked.
            FactKind.TreatmentStarted => new TreatmentStarted(on, (k.Choice % 3) switch { 0 => null!, 1 => [], _ => ["toripalimab", "cisplatin"] },
                k.Choice % 4 == 0 ? null : k.Choice % 5 - 1),
            // Responses weighted towards CR, PR and SD so that responders, confirmation and DOR are common.
            FactKind.Imaging => new ImagingAssessed(on, k.Number, (NonTargetStatus)(k.Choice / 10 % 5), k.Flag, ImagingResponses[k.Choice % ImagingResponses.Length]),
            FactKind.AdverseEvent => new AdverseEventRecorded(k.Term!, k.Grade, on, k.Flag, (Attribution)(k.Choice % 5)),
            FactKind.Progressed => new DiseaseProgressed(on, (ProgressionBasis)(k.Choice % 2),
                (k.Choice / 2 % 4) switch { 0 => null, 1 => FailureSite.Locoregional, 2 => FailureSite.Distant, _ => FailureSite.Both }),
            FactKind.Relapsed => new DiseaseRelapsed(on, (FailureSite)(k.Choice % 3)),
            FactKind.Died => new PatientDied(on, k.Flag ? null : "progressive disease"),
            FactKind.LastKnownAlive => new LastKnownAlive(on),
            FactKind.Withdrew => new WithdrewFromFollowUp(on, k.Flag ? null! : "moved away"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>A replacement of the same kind as <paramref name="current"/>; an enrolment keeps its patient, study and (unless raw) subject code.</summary>
    private static IPatientFact SameKind(IPatientFact current, Knobs k, Protocol protocol, bool raw = false) => current switch
    {
        PatientEnrolled e => e with
        {
            EnrolledOn = e.EnrolledOn.AddDays(Math.Abs(k.Day) % 21 - 10),
            Arm = (k.Choice % 4) switch { 0 => null, 1 => protocol.Arms[0].Code, _ => e.Arm },
            SubjectCode = raw && k.Flag ? e.SubjectCode + "-X" : e.SubjectCode,
        },
        // Other kinds: a date within a month either side of the one corrected, so corrections move events by plausible amounts.
        _ => Fact(KindOf(current), k with { Day = k.Day % 31 - k.Choice % 31 }, current.ClinicalDate, protocol),
    };

    private static FactKind KindOf(IPatientFact fact) => fact switch
    {
        PatientRandomized => FactKind.Randomized,
        TreatmentStarted => FactKind.TreatmentStarted,
        ImagingAssessed => FactKind.Imaging,
        AdverseEventRecorded => FactKind.AdverseEvent,
        DiseaseProgressed => FactKind.Progressed,
        DiseaseRelapsed => FactKind.Relapsed,
        PatientDied => FactKind.Died,
        LastKnownAlive => FactKind.LastKnownAlive,
        WithdrewFromFollowUp => FactKind.Withdrew,
        _ => throw new ArgumentOutOfRangeException(nameof(fact)),
    };

    /// <summary>What FsCheck prints for a counterexample: the protocol's shape, the cut, and the stream as recorded.</summary>
    public override string ToString()
    {
        var p = Protocol;
        var text = new StringBuilder()
            .AppendLine()
            .AppendLine($"  protocol: design={p.Design} timeOrigin={p.TimeOrigin ?? "null"} arms=[{string.Join(",", p.Arms.Select(a => a.Code))}] response={p.ResponseCriteria}")
            .AppendLine($"  dataCut: {DataCut?.ToString("yyyy-MM-dd") ?? "none"}; refused intents: {Refused}");
        foreach (var e in Events)
            text.AppendLine($"  v{e.Version} {Describe(e.Data)}");
        return text.ToString();
    }

    private static string Describe(object data) => data switch
    {
        PatientEnrolled e => $"PatientEnrolled {{ Arm = {e.Arm ?? "null"}, EnrolledOn = {e.EnrolledOn:yyyy-MM-dd}, SubjectCode = {e.SubjectCode} }}",
        TreatmentStarted t => $"TreatmentStarted {{ StartedOn = {t.StartedOn:yyyy-MM-dd}, Agents = {(t.Agents is null ? "null" : $"[{string.Join(",", t.Agents)}]")}, Line = {t.Line} }}",
        EntryCorrected c => $"EntryCorrected {{ EntryVersion = {c.EntryVersion}, Replacement = {Describe(c.Replacement)} }}",
        _ => data.ToString()!,
    };
}
