using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using static Registry.Interop.Datasets.DatasetBuilder;

namespace Registry.Interop.Datasets;

/// <summary>
/// ADRS: every imaging timepoint response (OVRLRESP) as recorded, and per analysable subject the best overall
/// response (BOR) and whether a response was confirmed (CONFRESP) as the registry's response view counts them —
/// read from <see cref="OutcomeDerivation"/>, not derived again.
/// </summary>
public static class Adrs
{
    public const string Name = "ADRS";

    private sealed record Row(AnalysisPatient Patient, string Parameter, string Response, DateOnly? On, string? InAnalysis, EntrySource? Source);

    public static AnalysisDataset Build(AnalysisSource source) => Shape(source).Build(source.InOrder);

    /// <summary>The columns and each patient's rows; reads the source's study, moment and cut, not its patients.</summary>
    public static DatasetShape Shape(AnalysisSource source)
    {
        var criteria = source.Study.Protocol.ResponseCriteria;
        var confirmation = criteria.RequireConfirmation ? $", confirmed at least {criteria.ConfirmationMinimumDays} days apart" : "";
        var parameters = new List<CodedValue>
        {
            new("OVRLRESP", $"Overall response at the timepoint, by the investigator ({criteria.Criteria})"),
            new("BOR", $"Best overall response ({criteria.Criteria}{confirmation})"),
            new("CONFRESP", $"Confirmed objective response (CR or PR confirmed at least {criteria.ConfirmationMinimumDays} days apart)"),
        };
        var columns = new List<Column<Row>>(Identifiers<Row>(source, r => r.Patient, subjectLevel: false))
        {
            Text<Row>("PARAMCD", "Parameter Code", Assigned("OVRLRESP for each timepoint, BOR and CONFRESP once per analysable subject (ADSL.EFFFL = Y)."),
                r => r.Parameter, key: 2, values: parameters),
            Text<Row>("PARAM", "Parameter", Assigned("The parameter's name, with the protocol's response criteria."),
                r => parameters.First(p => p.Value == r.Parameter).Meaning),
            Text<Row>("AVALC", "Analysis Value (C)", Derived(
                    "OVRLRESP: imagingAssessed.response as recorded (as last corrected). BOR: the registry's best overall response (docs/outcomes.md), from the timepoints on or after the time origin up to the first failure. CONFRESP: Y when the derivation with confirmation required gives CR or PR."),
                r => r.Response, values:
                [
                    .. Enum.GetValues<BestOverallResponse>().Select(b => new CodedValue(b.ToString(), Meaning(b))),
                    new("Y", "Yes (CONFRESP)"), new("N", "No (CONFRESP)"),
                ]),
            Date<Row>("ADT", "Analysis Date", Derived(
                    "OVRLRESP: imagingAssessed.assessedOn. BOR: the timepoint that gave it (the earliest qualifying one), for PD the first failure, empty for NE. Empty for CONFRESP."),
                r => r.On, key: 3),
            Text<Row>("ANL01FL", "Analysis Flag 01", Derived("OVRLRESP: Y for a timepoint on or after the time origin (the timepoints the best overall response reads, up to the first failure); N before it or with no time origin."),
                r => r.InAnalysis, values: YesNo),
            Text<Row>("SRCDOM", "Source Data", Derived("imagingAssessed for a timepoint; empty for a derived parameter."), r => r.Source?.Kind),
            Integer<Row>("SRCSEQ", "Source Sequence Number", Derived("The timepoint entry's version in the patient's record."), r => r.Source?.Version, key: 4),
        };
        return DatasetBuilder.Shape(Name, "Response Analysis Dataset", "BASIC DATA STRUCTURE", "One record per subject per parameter per analysis date", columns,
            p => Rows(p, source.DataCut));
    }

    private static IEnumerable<Row> Rows(AnalysisPatient patient, DateOnly? cut)
    {
        var origin = patient.Outcome.Analysable ? patient.Outcome.OriginOn : null;
        var timepoints = patient.Entries<ImagingAssessed>(cut).OrderBy(i => i.Fact.AssessedOn).ThenBy(i => i.Version)
            .Select(i => new Row(patient, "OVRLRESP", i.Fact.Response.ToString(), i.Fact.AssessedOn, YN(origin is { } o && i.Fact.AssessedOn >= o),
                EntrySource.Of(i.Fact, i.Version)));
        foreach (var row in timepoints) yield return row;
        if (!patient.Outcome.Analysable) yield break;
        yield return new Row(patient, "BOR", patient.Outcome.BestOverallResponse.ToString(), patient.Outcome.BestOverallResponseOn, null, null);
        yield return new Row(patient, "CONFRESP", YN(patient.Outcome.ConfirmedResponse), null, null, null);
    }

    private static string Meaning(BestOverallResponse response) => response switch
    {
        BestOverallResponse.CR => "Complete response",
        BestOverallResponse.PR => "Partial response",
        BestOverallResponse.SD => "Stable disease",
        BestOverallResponse.PD => "Progressive disease",
        _ => "Not evaluable",
    };
}
