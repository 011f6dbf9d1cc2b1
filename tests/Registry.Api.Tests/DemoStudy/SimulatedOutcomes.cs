using Registry.Analytics.Cox;
using Registry.Analytics.Survival;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Studies;

namespace Registry.Api.Tests.DemoStudy;

/// <summary>
/// Folds a simulated study's requests into patient outcomes without a database, mapping each request to the event
/// its endpoint appends, so the simulation's fidelity to the paper can be checked quickly for any seed.
/// </summary>
public static class SimulatedOutcomes
{
    public static IReadOnlyList<PatientOutcome> Derive(SimulatedStudy study)
    {
        var streams = new Dictionary<int, List<object>>();
        foreach (var entry in study.Entries)
        {
            var events = streams.TryGetValue(entry.Patient, out var list) ? list : streams[entry.Patient] = [];
            events.AddRange(Events(entry.Request, entry.Patient));
        }
        return streams.Select(s => PatientTimeline.From(PatientIds(s.Key), s.Value.Select((e, i) => new RecordedEvent(i + 1, e, DateTimeOffset.UnixEpoch, "sim")))!)
            .Select(t => OutcomeDerivation.Derive(t, ResponseRules.Default))
            .ToList();
    }

    public static double? MedianMonths(IEnumerable<PatientOutcome> outcomes, Func<PatientOutcome, TimeToEvent?> endpoint)
    {
        var times = outcomes.Select(endpoint).OfType<TimeToEvent>().ToList();
        return KaplanMeier.Estimate(new SurvivalData(times.Select(t => t.Days / 30.4375).ToList(), times.Select(t => t.Event).ToList())).Median.Time;
    }

    public static double? HazardRatio(IReadOnlyList<PatientOutcome> outcomes, Func<PatientOutcome, TimeToEvent?> endpoint, string[] arm, string[] reference)
    {
        var rows = outcomes.Where(o => (arm.Contains(o.Arm) || reference.Contains(o.Arm)) && endpoint(o) is not null).ToList();
        var design = new CoxDesign().AddGroup("arm", rows.Select(o => arm.Contains(o.Arm) ? "x" : "r").ToList(), "r", ["r", "x"]);
        return CoxRegression.Fit(design, rows.Select(o => (double)endpoint(o)!.Days).ToList(), rows.Select(o => endpoint(o)!.Event).ToList()).Terms[0].HazardRatio;
    }

    /// <summary>Median follow-up by reverse Kaplan–Meier on OS: death censors follow-up, censoring is the "event".</summary>
    public static double? MedianFollowUpMonths(IEnumerable<PatientOutcome> outcomes)
    {
        var times = outcomes.Select(o => o.OverallSurvival).OfType<TimeToEvent>().ToList();
        return KaplanMeier.Estimate(new SurvivalData(times.Select(t => t.Days / 30.4375).ToList(), times.Select(t => !t.Event).ToList())).Median.Time;
    }

    /// <summary>The analysable rows R reads to compute reference values: one per treated patient, in simulation order.</summary>
    public static string ToCsv(IReadOnlyList<PatientOutcome> outcomes) => string.Join("\n",
        new[] { "arm,pfs_days,pfs_event,os_days,os_event" }.Concat(outcomes
            .Where(o => o.ProgressionFreeSurvival is not null)
            .Select(o => $"{o.Arm},{o.ProgressionFreeSurvival!.Days},{(o.ProgressionFreeSurvival.Event ? 1 : 0)},{o.OverallSurvival!.Days},{(o.OverallSurvival.Event ? 1 : 0)}"))) + "\n";

    private static Guid PatientIds(int index) => new(index, 0, 0, new byte[8]);

    private static IEnumerable<object> Events(object request, int patient) => request switch
    {
        EnrolPatient r => [new PatientEnrolled(PatientIds(patient), Guid.Empty, r.Arm!, r.Site!, r.SubjectCode!, ClinicalDates.Parse(r.EnrolledOn!), r.Baseline!.ToCovariates())],
        StartTreatment r => [new TreatmentStarted(ClinicalDates.Parse(r.StartedOn!), r.Agents ?? [], r.Line)],
        AssessImaging r => [new ImagingAssessed(ClinicalDates.Parse(r.AssessedOn!), r.TargetLesionSumMm, r.NonTargetStatus!.Value, r.NewLesions!.Value, r.Response!.Value)],
        RecordAdverseEvent r => [new AdverseEventRecorded(r.Term!, r.Grade!.Value, ClinicalDates.Parse(r.OnsetOn!), r.Serious!.Value, r.Attribution!.Value)],
        RecordProgression r => [new DiseaseProgressed(ClinicalDates.Parse(r.ProgressedOn!), r.Basis ?? ProgressionBasis.Radiological)],
        RecordDeath r => [new PatientDied(ClinicalDates.Parse(r.DiedOn!), r.Cause)],
        RecordFollowUp r => [new LastKnownAlive(ClinicalDates.Parse(r.LastKnownAliveOn!))],
        WithdrawFromFollowUp r => [new WithdrewFromFollowUp(ClinicalDates.Parse(r.WithdrewOn!), r.Reason!)],
        CorrectEntry r => [new EntryCorrected(r.EntryVersion!.Value, r.Replacement!, r.Reason!)],
        _ => throw new InvalidOperationException(request.GetType().Name),
    };
}
