using Registry.Domain.Patients;
using Registry.Domain.Studies;

namespace Registry.Domain.Outcomes;

/// <summary>
/// Derives a patient's analysable outcome from the facts in force — the one place the registry defines PFS, OS,
/// best overall response and adverse-event counting (documented in docs/outcomes.md).
/// With a data cut, facts dated after the cut are ignored and follow-up ends at the cut.
/// </summary>
public static class OutcomeDerivation
{
    public static PatientOutcome Derive(PatientTimeline timeline, ResponseRules rules, DateOnly? dataCut = null)
    {
        var facts = timeline.EffectiveFacts.Where(f => dataCut is null || f.ClinicalDate <= dataCut).ToList();
        var enrolment = timeline.Enrolment;
        var start = facts.OfType<TreatmentStarted>().Select(t => (DateOnly?)t.StartedOn).Min();
        var progressed = facts.OfType<DiseaseProgressed>().Select(p => (DateOnly?)p.ProgressedOn).Min();
        var died = facts.OfType<PatientDied>().Select(d => (DateOnly?)d.DiedOn).Min();
        var imaging = facts.OfType<ImagingAssessed>()
            .Where(i => start is null || i.AssessedOn >= start)
            .OrderBy(i => i.AssessedOn)
            .ToList();

        return new PatientOutcome(
            timeline.PatientId,
            enrolment.Arm,
            enrolment.Site,
            enrolment.Baseline,
            start,
            start is { } origin ? ProgressionFreeSurvival(origin, progressed, died, imaging) : null,
            start is { } o ? OverallSurvival(o, died, timeline, dataCut) : null,
            start is { } s ? BestResponse(s, progressed, imaging, rules) : BestOverallResponse.NE,
            AdverseEvents(facts));
    }

    /// <summary>
    /// Event: the first of progression or death. Otherwise censored at the last tumour assessment before any
    /// progression, falling back to treatment start (FDA / ADaM ADTTE convention).
    /// </summary>
    private static TimeToEvent ProgressionFreeSurvival(DateOnly start, DateOnly? progressed, DateOnly? died, IReadOnlyList<ImagingAssessed> imaging)
    {
        var firstEvent = new[] { progressed, died }.Where(d => d is not null).Min();
        if (firstEvent is { } eventOn) return new TimeToEvent(Days(start, eventOn), true);
        var lastAssessment = imaging.Count > 0 ? imaging[^1].AssessedOn : start;
        return new TimeToEvent(Days(start, lastAssessment), false);
    }

    /// <summary>
    /// Event: death. Otherwise censored at the last date the patient is known alive; with a data cut, a patient
    /// known alive after the cut was alive at it, so follow-up ends at the cut itself.
    /// </summary>
    private static TimeToEvent OverallSurvival(DateOnly start, DateOnly? died, PatientTimeline timeline, DateOnly? dataCut)
    {
        if (died is { } diedOn) return new TimeToEvent(Days(start, diedOn), true);
        var lastContact = timeline.LastContactOn;
        var censorOn = dataCut is { } cut && lastContact > cut ? cut : lastContact;
        return new TimeToEvent(Math.Max(0, Days(start, censorOn)), false);
    }

    /// <summary>
    /// RECIST 1.1 best overall response from timepoints up to the first progression: CR > PR > SD > PD > NE.
    /// SD needs a timepoint at least <see cref="ResponseRules.StableDiseaseMinimumDays"/> after treatment start;
    /// with confirmation required, CR/PR count only when a later timepoint at least the confirmation interval
    /// apart shows the same or better response, and an unconfirmed one can still qualify as SD.
    /// </summary>
    public static BestOverallResponse BestResponse(DateOnly start, DateOnly? progressed, IReadOnlyList<ImagingAssessed> imaging, ResponseRules rules)
    {
        var window = imaging.Where(i => progressed is null || i.AssessedOn <= progressed).ToList();

        bool Confirmed(ImagingAssessed at, Func<TimepointResponse, bool> sameOrBetter) =>
            !rules.RequireConfirmation || window.Any(later =>
                later.AssessedOn.DayNumber - at.AssessedOn.DayNumber >= rules.ConfirmationMinimumDays && sameOrBetter(later.Response));

        if (window.Any(i => i.Response == TimepointResponse.CR && Confirmed(i, r => r == TimepointResponse.CR)))
            return BestOverallResponse.CR;
        if (window.Any(i => i.Response is TimepointResponse.CR or TimepointResponse.PR &&
                            Confirmed(i, r => r is TimepointResponse.CR or TimepointResponse.PR)))
            return BestOverallResponse.PR;
        if (window.Any(i => i.Response is TimepointResponse.CR or TimepointResponse.PR or TimepointResponse.SD &&
                            i.AssessedOn.DayNumber - start.DayNumber >= rules.StableDiseaseMinimumDays))
            return BestOverallResponse.SD;
        if (progressed is not null || window.Any(i => i.Response == TimepointResponse.PD))
            return BestOverallResponse.PD;
        return BestOverallResponse.NE;
    }

    private static IReadOnlyList<AdverseEventSummary> AdverseEvents(IEnumerable<IPatientFact> facts) => facts
        .OfType<AdverseEventRecorded>()
        .GroupBy(a => a.Term.Trim(), StringComparer.OrdinalIgnoreCase)
        .Select(g => new AdverseEventSummary(g.First().Term.Trim(), g.Max(a => a.Grade), g.Any(a => a.Serious)))
        .OrderBy(a => a.Term, StringComparer.OrdinalIgnoreCase)
        .ToList();

    private static int Days(DateOnly from, DateOnly to) => to.DayNumber - from.DayNumber;
}
