using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Domain.Outcomes;

/// <summary>
/// Derives a patient's analysable outcome from the facts in force and the study's protocol — the one place the
/// registry defines every endpoint of <see cref="EndpointCatalogue"/>, best overall response and adverse-event
/// counting (docs/outcomes.md). With a data cut, facts dated after the cut are ignored and follow-up ends at the cut.
/// Total: any history the write side accepts derives without throwing.
/// </summary>
public static class OutcomeDerivation
{
    private sealed record Failure(DateOnly On, FailureSite? Site);

    public static PatientOutcome Derive(PatientTimeline timeline, Protocol protocol, DateOnly? dataCut = null)
    {
        var facts = timeline.EffectiveFacts.Where(f => dataCut is null || f.ClinicalDate <= dataCut).ToList();
        var enrolment = timeline.Enrolment;
        var randomization = facts.OfType<PatientRandomized>().OrderBy(r => r.RandomizedOn).FirstOrDefault();
        var arm = randomization?.Arm ?? enrolment.Arm;
        var origin = protocol.TimeOrigin switch
        {
            TimeOrigins.Randomization => randomization?.RandomizedOn,
            TimeOrigins.Enrolment => enrolment.EnrolledOn,
            _ => facts.OfType<TreatmentStarted>().Select(t => (DateOnly?)t.StartedOn).Min(),
        };
        var adverseEvents = AdverseEvents(facts);
        string? excluded = dataCut is { } c && enrolment.EnrolledOn > c ? "enrolled after the data cut"
            : arm is null ? "not randomized"
            : origin is null ? protocol.TimeOrigin switch
            {
                TimeOrigins.Randomization => "not randomized",
                _ => "no treatment start recorded",
            }
            : null;
        if (excluded is not null || origin is not { } start)
            return new PatientOutcome(timeline.PatientId, arm, enrolment.Site, enrolment.Baseline, origin, excluded,
                new Dictionary<string, TimeToEvent>(), BestOverallResponse.NE, false, adverseEvents);

        var imaging = facts.OfType<ImagingAssessed>().Where(i => i.AssessedOn >= start).OrderBy(i => i.AssessedOn).ToList();
        // An imaging timepoint of PD is a progression on its date, whether or not a progression entry was made.
        var failures = facts.OfType<DiseaseProgressed>().Select(p => new Failure(p.ProgressedOn, p.Site))
            .Concat(facts.OfType<DiseaseRelapsed>().Select(r => new Failure(r.RelapsedOn, r.Type)))
            .Concat(imaging.Where(i => i.Response == TimepointResponse.PD).Select(i => new Failure(i.AssessedOn, null)))
            .OrderBy(f => f.On)
            .ToList();
        var died = facts.OfType<PatientDied>().Select(d => (DateOnly?)d.DiedOn).Min();
        var anyFailure = failures.Select(f => (DateOnly?)f.On).FirstOrDefault();
        var distant = failures.Where(f => f.Site is FailureSite.Distant or FailureSite.Both).Select(f => (DateOnly?)f.On).FirstOrDefault();
        var locoregional = failures.Where(f => f.Site is FailureSite.Locoregional or FailureSite.Both).Select(f => (DateOnly?)f.On).FirstOrDefault();

        var lastContact = timeline.LastContactOn;
        var censorAlive = dataCut is { } cut && lastContact > cut ? cut : lastContact;
        DateOnly LastAssessmentBefore(DateOnly? limit) =>
            imaging.Where(i => limit is null || i.AssessedOn <= limit).Select(i => i.AssessedOn).DefaultIfEmpty(start).Max();
        var lastAssessment = LastAssessmentBefore(anyFailure);

        TimeToEvent Event(DateOnly on) => new(Days(start, on), true);
        TimeToEvent Censored(DateOnly on) => new(Days(start, on), false);
        TimeToEvent FirstOf(DateOnly? a, DateOnly? b, DateOnly censorOn) =>
            Earliest(a, b) is { } e ? Event(e) : Censored(censorOn);

        var times = new Dictionary<string, TimeToEvent>
        {
            ["pfs"] = FirstOf(anyFailure, died, lastAssessment),
            ["os"] = died is { } d ? Event(d) : Censored(censorAlive),
            ["efs"] = FirstOf(anyFailure, died, censorAlive),
            ["ffs"] = anyFailure is { } f ? Event(f) : Censored(died ?? censorAlive),
            ["dmfs"] = FirstOf(distant, died, censorAlive),
            ["lrrfs"] = FirstOf(locoregional, died, censorAlive),
            ["ttp"] = anyFailure is { } p ? Event(p) : Censored(lastAssessment),
        };

        var criteria = protocol.ResponseCriteria;
        var best = BestResponse(start, anyFailure, imaging, criteria);
        var confirmed = BestResponse(start, anyFailure, imaging, criteria with { RequireConfirmation = true }) is BestOverallResponse.CR or BestOverallResponse.PR;
        if (best is BestOverallResponse.CR or BestOverallResponse.PR &&
            imaging.FirstOrDefault(i => i.Response is TimepointResponse.CR or TimepointResponse.PR) is { } firstResponse)
        {
            var from = firstResponse.AssessedOn;
            var end = Earliest(anyFailure, died);
            times["dor"] = end is { } e && e >= from
                ? new TimeToEvent(e.DayNumber - from.DayNumber, true)
                : new TimeToEvent(Math.Max(0, lastAssessment.DayNumber - from.DayNumber), false);
        }
        return new PatientOutcome(timeline.PatientId, arm, enrolment.Site, enrolment.Baseline, start, null, times, best, confirmed, adverseEvents);
    }

    /// <summary>
    /// RECIST 1.1 best overall response from timepoints up to the first progression: CR > PR > SD > PD > NE.
    /// SD needs a timepoint at least <see cref="ResponseCriteria.StableDiseaseMinimumDays"/> after the time origin;
    /// with confirmation required, CR/PR count only when a later timepoint at least the confirmation interval
    /// apart shows the same or better response, and an unconfirmed one can still qualify as SD.
    /// </summary>
    public static BestOverallResponse BestResponse(DateOnly start, DateOnly? progressed, IReadOnlyList<ImagingAssessed> imaging, ResponseCriteria rules)
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

    /// <summary>Worst grade per term; an entry accepted before terms were required reads as "Term not recorded".</summary>
    private static IReadOnlyList<AdverseEventSummary> AdverseEvents(IEnumerable<IPatientFact> facts) => facts
        .OfType<AdverseEventRecorded>()
        .GroupBy(a => string.IsNullOrWhiteSpace(a.Term) ? "Term not recorded" : a.Term.Trim(), StringComparer.OrdinalIgnoreCase)
        .Select(g => new AdverseEventSummary(g.Key, g.Max(a => a.Grade), g.Any(a => a.Serious)))
        .OrderBy(a => a.Term, StringComparer.OrdinalIgnoreCase)
        .ToList();

    private static DateOnly? Earliest(DateOnly? a, DateOnly? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static int Days(DateOnly from, DateOnly to) => Math.Max(0, to.DayNumber - from.DayNumber);
}
