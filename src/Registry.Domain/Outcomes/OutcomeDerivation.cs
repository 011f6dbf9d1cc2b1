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
    private sealed record Failure(DateOnly On, FailureSite? Site, IPatientFact Fact);

    /// <summary>The endpoints every analysable patient has a time for, in the order the outcome lists them.</summary>
    private static readonly string[] SurvivalEndpoints = ["pfs", "os", "efs", "ffs", "dmfs", "lrrfs", "ttp"];

    /// <summary><see cref="SurvivalEndpoints"/> and duration of response, a responder's endpoints.</summary>
    private static readonly string[] SurvivalEndpointsAndResponse = [.. SurvivalEndpoints, "dor"];

    public static PatientOutcome Derive(PatientTimeline timeline, Protocol protocol, DateOnly? dataCut = null) => Derive(timeline, protocol, dataCut, null, Ends.WithSources);

    /// <summary>
    /// <see cref="Derive(PatientTimeline, Protocol, DateOnly?)"/> with every time's days and event only, not where it ends
    /// (<see cref="TimeToEvent.End"/> null): what a kept set holds, which drops the ends (the analysis datasets derive their
    /// own). Naming each end and finding the entry it was read from (a scan of the record per endpoint) was done for every
    /// patient of a set at a new moment.
    /// </summary>
    public static PatientOutcome DeriveWithoutEnds(PatientTimeline timeline, Protocol protocol, DateOnly? dataCut) =>
        Derive(timeline, protocol, dataCut, null, Ends.None);

    /// <summary>How much of where each time ends an outcome holds.</summary>
    private enum Ends { WithSources, WithoutSources, None }

    /// <summary>Where a time ends before it is named: a value, so an outcome that keeps no ends makes none.</summary>
    private readonly record struct Ending(DateOnly From, DateOnly On, IPatientFact? Fact, Censoring? Censoring);

    /// <summary>
    /// The outcome <see cref="Derive(PatientTimeline, Protocol, DateOnly?)"/> gives as far as a comparison on one endpoint
    /// reads it — the patient, arm, exclusion, time origin and that endpoint's time (which ends alike, without the entry
    /// it was read from) — and nothing else: no adverse events, no response (NE) unless the endpoint is duration of
    /// response, no other endpoint. What maturity derives at each data cut of every patient.
    /// </summary>
    public static PatientOutcome DeriveFor(string endpoint, PatientTimeline timeline, Protocol protocol, DateOnly? dataCut) =>
        Derive(timeline, protocol, dataCut, [endpoint], Ends.WithoutSources);

    /// <summary>
    /// <see cref="DeriveFor(string, PatientTimeline, Protocol, DateOnly?)"/> for several endpoints at once: each endpoint's
    /// time as that gives it, the facts read once. What maturity's pass derives for every endpoint of the protocol.
    /// </summary>
    public static PatientOutcome DeriveFor(IReadOnlyCollection<string> endpoints, PatientTimeline timeline, Protocol protocol, DateOnly? dataCut) =>
        Derive(timeline, protocol, dataCut, endpoints, Ends.WithoutSources);

    private static PatientOutcome Derive(PatientTimeline timeline, Protocol protocol, DateOnly? dataCut, IReadOnlyCollection<string>? only, Ends ends)
    {
        // Loops rather than queries where a maturity pass asks it of every patient at every cut: what it allocates, the GC pays for.
        var facts = new List<IPatientFact>(timeline.Entries.Count);
        for (var i = 0; i < timeline.Entries.Count; i++)
            if (timeline.Entries[i] is { Voided: false, Current: var fact } && (dataCut is null || fact.ClinicalDate <= dataCut)) facts.Add(fact);
        var enrolment = timeline.Enrolment;
        // The first of each kind with the earliest date, as ordering them by date and taking the first would: one loop
        // over concrete types (a generic type test is a runtime lookup, and a maturity pass asks this of every change).
        PatientRandomized? randomization = null;
        TreatmentStarted? treatmentStart = null;
        PatientDied? death = null;
        foreach (var fact in facts)
            switch (fact)
            {
                case PatientRandomized r when randomization is null || r.RandomizedOn < randomization.RandomizedOn: randomization = r; break;
                case TreatmentStarted t when treatmentStart is null || t.StartedOn < treatmentStart.StartedOn: treatmentStart = t; break;
                case PatientDied d when death is null || d.DiedOn < death.DiedOn: death = d; break;
            }
        var arm = randomization?.Arm ?? enrolment.Arm;
        IPatientFact? originFact = protocol.TimeOrigin switch
        {
            TimeOrigins.Randomization => randomization,
            TimeOrigins.Enrolment => enrolment,
            _ => treatmentStart,
        };
        var origin = originFact?.ClinicalDate;
        IReadOnlyList<AdverseEventSummary> adverseEvents = only is null ? AdverseEvents(facts) : [];
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
                new Dictionary<string, TimeToEvent>(), BestOverallResponse.NE, false, adverseEvents, SubjectCode: enrolment.SubjectCode);

        // Only the whole outcome with its sources names the entry each date was read from: the first entry in force holding the
        // fact, looked up for the few facts the times end on rather than every entry hashed by reference for every patient.
        EntrySource? Source(IPatientFact fact)
        {
            if (ends != Ends.WithSources) return null;
            for (var i = 0; i < timeline.Entries.Count; i++)
                if (timeline.Entries[i] is { Voided: false } entry && ReferenceEquals(entry.Current, fact)) return EntrySource.Of(fact, entry.Version);
            return null;
        }

        var imaging = new List<ImagingAssessed>(facts.Count);
        foreach (var fact in facts)
            if (fact is ImagingAssessed scan && scan.AssessedOn >= start) InDateOrder(imaging, scan, scan.AssessedOn, static i => i.AssessedOn);
        // An imaging timepoint of PD is a progression on its date, whether or not a progression entry was made; on one
        // date, progression entries first, then relapses, then scans.
        var failures = new List<Failure>();
        foreach (var fact in facts)
            if (fact is DiseaseProgressed p) InDateOrder(failures, new Failure(p.ProgressedOn, p.Site, p), p.ProgressedOn, static f => f.On);
        foreach (var fact in facts)
            if (fact is DiseaseRelapsed r) InDateOrder(failures, new Failure(r.RelapsedOn, r.Type, r), r.RelapsedOn, static f => f.On);
        foreach (var scan in imaging)
            if (scan.Response == TimepointResponse.PD) InDateOrder(failures, new Failure(scan.AssessedOn, null, scan), scan.AssessedOn, static f => f.On);
        var anyFailure = failures.Count > 0 ? failures[0] : null;
        Failure? distant = null, locoregional = null;
        foreach (var failure in failures)
        {
            distant ??= failure.Site is FailureSite.Distant or FailureSite.Both ? failure : null;
            locoregional ??= failure.Site is FailureSite.Locoregional or FailureSite.Both ? failure : null;
        }

        // The last contact is read from every entry in force, so a patient followed past the cut is censored at the
        // cut; of facts on the same latest date, the last entered.
        IPatientFact? latestFact = null;
        for (var i = 0; i < timeline.Entries.Count; i++)
            if (timeline.Entries[i] is { Voided: false, Current: var fact } && (latestFact is null || fact.ClinicalDate >= latestFact.ClinicalDate)) latestFact = fact;
        var lastContact = latestFact!;
        ImagingAssessed? lastAssessment = null;
        foreach (var scan in imaging)
            if (anyFailure is null || scan.AssessedOn <= anyFailure.On) lastAssessment = scan;

        Ending Event(IPatientFact fact, DateOnly from) => new(from, fact.ClinicalDate, fact, null);
        Ending Censored(IPatientFact fact, Censoring why, DateOnly from) => new(from, fact.ClinicalDate, fact, why);
        TimeToEvent Time(Ending end) => ends == Ends.None
            ? new TimeToEvent(Math.Max(0, end.On.DayNumber - end.From.DayNumber), end.Censoring is null)
            : TimeToEvent.Ending(new EndpointEnd(end.From, end.On, end.Censoring is { } why ? EndpointEnd.Describe(why) : EndpointEnd.DescribeEvent(end.Fact!),
                end.Censoring, end.Fact is { } fact ? Source(fact) : null));
        Ending AtLastAssessment(DateOnly from) => lastAssessment is { } scan
            ? Censored(scan, Censoring.LastTumourAssessment, from)
            : Censored(originFact!, Censoring.NoTumourAssessment, from);
        var aliveAtLastContact = dataCut is { } cut && lastContact.ClinicalDate > cut
            ? new Ending(start, cut, null, Censoring.DataCut)
            : Censored(lastContact, Censoring.LastKnownAlive, start);
        // Whichever came first; a failure on the day of death counts as the death.
        IPatientFact? FirstOf(Failure? failure) =>
            failure is null ? death : death is null || failure.On < death.DiedOn ? failure.Fact : death;

        Ending End(string endpoint) => endpoint switch
        {
            "pfs" => FirstOf(anyFailure) is { } pfs ? Event(pfs, start) : AtLastAssessment(start),
            "os" => death is not null ? Event(death, start) : aliveAtLastContact,
            "efs" => FirstOf(anyFailure) is { } efs ? Event(efs, start) : aliveAtLastContact,
            "ffs" => anyFailure is not null ? Event(anyFailure.Fact, start)
                : death is not null ? Censored(death, Censoring.DeathWithoutFailure, start)
                : aliveAtLastContact,
            "dmfs" => FirstOf(distant) is { } dmfs ? Event(dmfs, start) : aliveAtLastContact,
            "lrrfs" => FirstOf(locoregional) is { } lrrfs ? Event(lrrfs, start) : aliveAtLastContact,
            "ttp" => anyFailure is not null ? Event(anyFailure.Fact, start) : AtLastAssessment(start),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "Not a survival endpoint."),
        };
        if (only is not null && !only.Contains("dor"))
        {
            // Each time straight into the outcome's one dictionary: a maturity pass derives this at every cut where a record changed.
            var endpointTimes = new Dictionary<string, TimeToEvent>(only.Count);
            foreach (var endpoint in SurvivalEndpoints)
                if (only.Contains(endpoint)) endpointTimes[endpoint] = Time(End(endpoint));
            return new PatientOutcome(timeline.PatientId, arm, enrolment.Site, enrolment.Baseline, start, null,
                endpointTimes, BestOverallResponse.NE, false, adverseEvents, null, enrolment.SubjectCode);
        }
        var criteria = protocol.ResponseCriteria;
        // The scans are in date order from the time origin, so those up to the first failure are the first few of them.
        var window = 0;
        while (window < imaging.Count && (anyFailure is null || imaging[window].AssessedOn <= anyFailure.On)) window++;
        var (best, bestOn) = BestResponseOn(start, anyFailure?.On, imaging, window, criteria, criteria.RequireConfirmation);
        var confirmed = BestResponseOn(start, anyFailure?.On, imaging, window, criteria, requireConfirmation: true).Response is BestOverallResponse.CR or BestOverallResponse.PR;
        var firstResponse = best is BestOverallResponse.CR or BestOverallResponse.PR ? FirstResponse(imaging) : null;

        // Each time in the catalogue's order and then DOR's: without ends (a kept set's outcome) in an array beside endpoints
        // every such outcome shares, else straight into the outcome's dictionary.
        var times = ends == Ends.None && only is null ? null : new Dictionary<string, TimeToEvent>(SurvivalEndpoints.Length + 1);
        var inOrder = times is null ? new TimeToEvent[SurvivalEndpoints.Length + (firstResponse is null ? 0 : 1)] : null;
        for (var i = 0; i < SurvivalEndpoints.Length; i++)
            if (only is null || only.Contains(SurvivalEndpoints[i]))
            {
                var time = Time(End(SurvivalEndpoints[i]));
                if (times is null) inOrder![i] = time;
                else times[SurvivalEndpoints[i]] = time;
            }
        if (firstResponse is not null)
        {
            // Duration of response counts from the first response, not from the time origin.
            var from = firstResponse.AssessedOn;
            var time = Time(FirstOf(anyFailure) is { } end && end.ClinicalDate >= from ? Event(end, from) : AtLastAssessment(from));
            if (times is null) inOrder![^1] = time;
            else times["dor"] = time;
        }
        IReadOnlyDictionary<string, TimeToEvent> derived = (IReadOnlyDictionary<string, TimeToEvent>?)times ?? new EndpointTimes(firstResponse is null ? SurvivalEndpoints : SurvivalEndpointsAndResponse, inOrder!);
        return new PatientOutcome(timeline.PatientId, arm, enrolment.Site, enrolment.Baseline, start, null, derived, best, confirmed, adverseEvents, bestOn, enrolment.SubjectCode);
    }

    /// <summary>Adds <paramref name="item"/> after every item dated on or before it: the list stays as a stable sort by date orders it.</summary>
    private static void InDateOrder<T>(List<T> items, T item, DateOnly on, Func<T, DateOnly> date)
    {
        var at = items.Count;
        while (at > 0 && date(items[at - 1]) > on) at--;
        items.Insert(at, item);
    }

    /// <summary>The first scan showing a complete or partial response.</summary>
    private static ImagingAssessed? FirstResponse(List<ImagingAssessed> imaging)
    {
        foreach (var scan in imaging)
            if (scan.Response is TimepointResponse.CR or TimepointResponse.PR) return scan;
        return null;
    }

    /// <summary>
    /// RECIST 1.1 best overall response from timepoints up to the first progression: CR > PR > SD > PD > NE.
    /// SD needs a timepoint at least <see cref="ResponseCriteria.StableDiseaseMinimumDays"/> after the time origin;
    /// with confirmation required, CR/PR count only when a later timepoint at least the confirmation interval
    /// apart shows the same or better response, and an unconfirmed one can still qualify as SD.
    /// </summary>
    public static BestOverallResponse BestResponse(DateOnly start, DateOnly? progressed, IReadOnlyList<ImagingAssessed> imaging, ResponseCriteria rules) =>
        BestResponseOn(start, progressed, imaging, rules).Response;

    /// <summary>
    /// <see cref="BestResponse"/> with the date that gave it: the earliest qualifying timepoint, for PD the first
    /// failure (or PD timepoint), for NE none.
    /// </summary>
    public static (BestOverallResponse Response, DateOnly? On) BestResponseOn(DateOnly start, DateOnly? progressed, IReadOnlyList<ImagingAssessed> imaging,
        ResponseCriteria rules)
    {
        // The timepoints up to the progression in date order, of one date as given (a stable sort).
        var window = new List<ImagingAssessed>(imaging.Count);
        foreach (var scan in imaging)
            if (progressed is null || scan.AssessedOn <= progressed) InDateOrder(window, scan, scan.AssessedOn, static i => i.AssessedOn);
        return BestResponseOn(start, progressed, window, window.Count, rules, rules.RequireConfirmation);
    }

    /// <summary>
    /// <see cref="BestResponseOn(DateOnly, DateOnly?, IReadOnlyList{ImagingAssessed}, ResponseCriteria)"/> over the first
    /// <paramref name="count"/> of <paramref name="window"/>, the timepoints up to the progression in date order. Loops,
    /// not queries: every patient of a set at a new moment is derived.
    /// </summary>
    private static (BestOverallResponse Response, DateOnly? On) BestResponseOn(DateOnly start, DateOnly? progressed, List<ImagingAssessed> window, int count,
        ResponseCriteria rules, bool requireConfirmation)
    {
        // A response is confirmed by any timepoint at least the interval after it showing the same or better.
        bool Confirmed(ImagingAssessed at, bool completeOnly)
        {
            if (!requireConfirmation) return true;
            for (var i = 0; i < count; i++)
                if (window[i].AssessedOn.DayNumber - at.AssessedOn.DayNumber >= rules.ConfirmationMinimumDays &&
                    (window[i].Response == TimepointResponse.CR || !completeOnly && window[i].Response == TimepointResponse.PR)) return true;
            return false;
        }

        for (var i = 0; i < count; i++)
            if (window[i].Response == TimepointResponse.CR && Confirmed(window[i], completeOnly: true)) return (BestOverallResponse.CR, window[i].AssessedOn);
        for (var i = 0; i < count; i++)
            if (window[i].Response is TimepointResponse.CR or TimepointResponse.PR && Confirmed(window[i], completeOnly: false))
                return (BestOverallResponse.PR, window[i].AssessedOn);
        for (var i = 0; i < count; i++)
            if (window[i].Response is TimepointResponse.CR or TimepointResponse.PR or TimepointResponse.SD &&
                window[i].AssessedOn.DayNumber - start.DayNumber >= rules.StableDiseaseMinimumDays) return (BestOverallResponse.SD, window[i].AssessedOn);
        if (progressed is { } on) return (BestOverallResponse.PD, on);
        for (var i = 0; i < count; i++)
            if (window[i].Response == TimepointResponse.PD) return (BestOverallResponse.PD, window[i].AssessedOn);
        return (BestOverallResponse.NE, null);
    }

    /// <summary>
    /// Worst grade per term; an entry accepted before terms were required reads as "Term not recorded". A loop, not a
    /// query: each term as first recorded, in the terms' order ignoring case.
    /// </summary>
    private static IReadOnlyList<AdverseEventSummary> AdverseEvents(List<IPatientFact> facts)
    {
        List<AdverseEventSummary>? summaries = null;
        foreach (var fact in facts)
        {
            if (fact is not AdverseEventRecorded adverseEvent) continue;
            var term = string.IsNullOrWhiteSpace(adverseEvent.Term) ? "Term not recorded" : adverseEvent.Term.Trim();
            summaries ??= [];
            var at = summaries.Count - 1;
            while (at >= 0 && !string.Equals(summaries[at].Term, term, StringComparison.OrdinalIgnoreCase)) at--;
            if (at < 0) summaries.Add(new AdverseEventSummary(term, adverseEvent.Grade, adverseEvent.Serious));
            else summaries[at] = summaries[at] with
            {
                WorstGrade = Math.Max(summaries[at].WorstGrade, adverseEvent.Grade),
                Serious = summaries[at].Serious || adverseEvent.Serious,
            };
        }
        if (summaries is null) return [];
        // Terms differ ignoring case, so no two compare equal and the sort's order is the one order.
        summaries.Sort(static (a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Term, b.Term));
        return summaries;
    }
}
