using System.Text.Json;
using Registry.Analytics.Survival;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Demo.Tests;

/// <summary>
/// A simulated study read back the way the registry would store it: each patient's entries become a stream (entry
/// n is version n, a correction an <see cref="EntryCorrected"/>), folded into the patient's timeline.
/// </summary>
public static class DemoFolding
{
    public const double DaysPerMonth = 30.4375;

    public static IReadOnlyList<RecordedEvent> Stream(IEnumerable<SimulatedEntry> entries) => entries
        .Select((entry, i) => new RecordedEvent(i + 1,
            entry.Fact is SimulatedCorrection c ? new EntryCorrected(c.EntryNumber, c.Replacement, c.Reason) : entry.Fact,
            entry.RecordedAt, $"coordinator-{entry.Site}"))
        .ToList();

    public static PatientTimeline Fold(int patient, IEnumerable<SimulatedEntry> entries) =>
        PatientTimeline.From(PatientId(patient), Stream(entries)) ?? throw new InvalidOperationException($"Patient {patient}'s entries do not begin with an enrolment.");

    /// <summary>Each patient's entries in the order they were recorded.</summary>
    public static IEnumerable<IGrouping<int, SimulatedEntry>> ByPatient(SimulatedStudy study) => study.Entries.GroupBy(e => e.Patient).OrderBy(g => g.Key);

    public static IReadOnlyList<PatientTimeline> Timelines(SimulatedStudy study) => ByPatient(study).Select(g => Fold(g.Key, g)).ToList();

    public static IReadOnlyList<PatientOutcome> Outcomes(SimulatedStudy study) =>
        Timelines(study).Select(t => OutcomeDerivation.Derive(t, study.Protocol, study.DataCut)).ToList();

    /// <summary>
    /// What the registry would refuse on replaying the study entry by entry, each in words: a baseline outside the data
    /// dictionary or the eligibility criteria, an entry the patient rules reject, an entry recorded before its clinical
    /// date or before the patient's previous entry, a fact dated after the data cut.
    /// </summary>
    public static IReadOnlyList<string> Refusals(SimulatedStudy study)
    {
        var refusals = new List<string>();
        foreach (var patient in ByPatient(study))
        {
            PatientTimeline? timeline = null;
            var previous = DateTimeOffset.MinValue;
            foreach (var e in Stream(patient))
            {
                void Refuse(string why) => refusals.Add($"Patient {patient.Key}, entry {e.Version}: {why}");
                var fact = e.Data as IPatientFact ?? ((EntryCorrected)e.Data).Replacement;
                if (e.RecordedAt <= previous) Refuse("recorded before the patient's previous entry.");
                if (DateOnly.FromDateTime(e.RecordedAt.UtcDateTime) <= fact.ClinicalDate) Refuse($"recorded {e.RecordedAt:O}, not after its clinical date {fact.ClinicalDate}.");
                if (fact.ClinicalDate > study.DataCut) Refuse($"dated {fact.ClinicalDate}, after the data cut {study.DataCut}.");
                if (fact is PatientEnrolled enrolled)
                {
                    refusals.AddRange(DataDictionary.Errors(study.Protocol, enrolled.Baseline).SelectMany(error => error.Value).Select(m => $"Patient {patient.Key}: {m}"));
                    refusals.AddRange(DataDictionary.Ineligibility(study.Protocol, enrolled.Baseline).Select(m => $"Patient {patient.Key}: {m}"));
                }
                if (timeline is null)
                {
                    timeline = PatientTimeline.From(PatientId(patient.Key), [e]);
                    if (timeline is null) Refuse("the stream does not begin with an enrolment.");
                    else foreach (var violation in PatientRules.Violations(timeline)) Refuse(violation);
                }
                else
                {
                    var decision = PatientDecisions.Decide(timeline, [e.Data]);
                    foreach (var violation in decision.Violations) Refuse(violation);
                    timeline = timeline.Apply(e);
                }
                previous = e.RecordedAt;
            }
        }
        return refusals;
    }

    /// <summary>The entries as text, one line each, to tell two generated studies apart.</summary>
    public static IReadOnlyList<string> Transcript(SimulatedStudy study) => study.Entries
        .Select(e => $"{e.RecordedAt:O} {e.Patient} {e.Site} {e.Fact.GetType().Name} {JsonSerializer.Serialize(e.Fact, e.Fact.GetType(), Json)}")
        .ToList();

    /// <summary>An endpoint's times in months, for the patients that have it.</summary>
    public static SurvivalData Months(IEnumerable<PatientOutcome> outcomes, string endpoint)
    {
        var times = outcomes.Select(o => o.Time(endpoint)).OfType<TimeToEvent>().ToList();
        return new SurvivalData(times.Select(t => t.Days / DaysPerMonth).ToList(), times.Select(t => t.Event).ToList());
    }

    public static KaplanMeierCurve Curve(IEnumerable<PatientOutcome> outcomes, string endpoint) => KaplanMeier.Estimate(Months(outcomes, endpoint));

    /// <summary>Median follow-up by reverse Kaplan–Meier: overall survival with censoring as the event.</summary>
    public static double? MedianFollowUpMonths(IEnumerable<PatientOutcome> outcomes)
    {
        var os = Months(outcomes, "os");
        return KaplanMeier.Estimate(new SurvivalData(os.Times, os.Events.Select(died => !died).ToList())).Median.Time;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Guid PatientId(int patient) => new(patient + 1, 0, 0, new byte[8]);
}
