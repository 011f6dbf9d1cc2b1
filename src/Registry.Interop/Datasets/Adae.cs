using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using static Registry.Interop.Datasets.DatasetBuilder;

namespace Registry.Interop.Datasets;

/// <summary>
/// ADAE, one record per adverse event in force up to the data cut, with the term the safety view counts it under
/// (<see cref="OutcomeDerivation"/>'s worst grade per term) and flags marking each subject's worst occurrence overall
/// and per term, so Table 3 is a count of flagged records.
/// </summary>
public static class Adae
{
    public const string Name = "ADAE";

    private sealed record Row(AnalysisPatient Patient, AdverseEventRecorded Event, long Version, string Term, DateOnly? TreatmentStart,
        bool WorstOverall, bool WorstOfTerm);

    public static AnalysisDataset Build(AnalysisSource source) => Shape(source).Build(source.InOrder);

    /// <summary>The columns and each patient's rows; reads the source's study, moment and cut, not its patients.</summary>
    public static DatasetShape Shape(AnalysisSource source)
    {
        var columns = new List<Column<Row>>(Identifiers<Row>(source, r => r.Patient, subjectLevel: false))
        {
            Date<Row>("TRTSDT", "Date of First Exposure to Treatment", Predecessor("ADSL.TRTSDT"), r => r.TreatmentStart),
            Text<Row>("AETERM", "Reported Term for the Adverse Event", Collected("adverseEventRecorded.term, as recorded (as last corrected)."), r => r.Event.Term),
            Text<Row>("AEDECOD", "Dictionary-Derived Term", Derived(
                    "The CTCAE term the safety view counts the event under: the term trimmed, compared without regard to case, spelt as first recorded for the patient; \"Term not recorded\" when blank."),
                r => r.Term, key: 2),
            Text<Row>("AETOXGR", "Standard Toxicity Grade", Collected("adverseEventRecorded.grade (CTCAE, 1–5)."), r => r.Event.Grade.ToString(),
                values: [.. Enumerable.Range(1, 5).Select(g => new CodedValue(g.ToString(), $"Grade {g}"))]),
            Integer<Row>("ATOXGRN", "Analysis Toxicity Grade (N)", Derived("AETOXGR as a number."), r => r.Event.Grade),
            Date<Row>("ASTDT", "Analysis Start Date", Collected("adverseEventRecorded.onsetOn."), r => r.Event.OnsetOn, key: 3),
            Text<Row>("AESER", "Serious Event", Collected("adverseEventRecorded.serious."), r => YN(r.Event.Serious), values: YesNo),
            Text<Row>("AEREL", "Causality", Collected("adverseEventRecorded.attribution."), r => r.Event.Attribution.ToString(),
                values: [.. Enum.GetValues<Attribution>().Select(a => new CodedValue(a.ToString(), a.ToString()))]),
            Text<Row>("TRTEMFL", "Treatment Emergent Analysis Flag", Derived(
                    "Y when the onset is on or after TRTSDT; empty otherwise (no treatment start, or before it). The registry's safety table counts every adverse event, whatever this flag says."),
                r => YOrNull(r.TreatmentStart is { } start && r.Event.OnsetOn >= start), values: YesOnly),
            Text<Row>("AOCCIFL", "1st Max Sev./Int. Occurrence Flag", Derived(
                    "Y on the subject's adverse event of the highest grade (the earliest onset, then the first recorded, among equals): one per subject with any."),
                r => YOrNull(r.WorstOverall), values: YesOnly),
            Text<Row>("AOCCPIFL", "1st Max Sev./Int. Occur Within PT Flag", Derived(
                    "Y on the subject's adverse event of the highest grade within each AEDECOD (the earliest onset, then the first recorded, among equals): its grade is the worst grade the safety view counts for that term."),
                r => YOrNull(r.WorstOfTerm), values: YesOnly),
            Integer<Row>("SRCSEQ", "Source Sequence Number", Derived("The adverse event entry's version in the patient's record."), r => r.Version, key: 4),
        };
        return DatasetBuilder.Shape(Name, "Adverse Events Analysis Dataset", "OCCURRENCE DATA STRUCTURE", "One record per adverse event entry", columns,
            p => Rows(p, source.DataCut));
    }

    private static IEnumerable<Row> Rows(AnalysisPatient patient, DateOnly? cut)
    {
        var treatmentStart = patient.Entries<TreatmentStarted>(cut).Select(t => (DateOnly?)t.Fact.StartedOn).Min();
        var events = patient.Entries<AdverseEventRecorded>(cut)
            .Select(e => (e.Fact, e.Version, Term: Term(patient.Outcome, e.Fact)))
            .OrderBy(e => e.Term, StringComparer.OrdinalIgnoreCase).ThenBy(e => e.Fact.OnsetOn).ThenBy(e => e.Version)
            .ToList();
        (AdverseEventRecorded, long)? Worst(IEnumerable<(AdverseEventRecorded Fact, long Version, string Term)> among) => among
            .OrderByDescending(e => e.Fact.Grade).ThenBy(e => e.Fact.OnsetOn).ThenBy(e => e.Version)
            .Select(e => ((AdverseEventRecorded, long)?)(e.Fact, e.Version)).FirstOrDefault();
        var worstOverall = Worst(events);
        var worstOfTerm = events.GroupBy(e => e.Term).Select(Worst).ToHashSet();
        return events.Select(e => new Row(patient, e.Fact, e.Version, e.Term, treatmentStart,
            worstOverall == (e.Fact, e.Version), worstOfTerm.Contains((e.Fact, e.Version))));
    }

    /// <summary>The term of the outcome's worst-grade summary this event falls under (its grouping is the derivation's).</summary>
    private static string Term(PatientOutcome outcome, AdverseEventRecorded e)
    {
        var term = string.IsNullOrWhiteSpace(e.Term) ? "Term not recorded" : e.Term.Trim();
        return outcome.AdverseEvents.FirstOrDefault(s => string.Equals(s.Term, term, StringComparison.OrdinalIgnoreCase))?.Term ?? term;
    }
}
