using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;
using static Registry.Interop.Datasets.DatasetBuilder;

namespace Registry.Interop.Datasets;

/// <summary>
/// ADTTE, one record per analysable subject and time-to-event endpoint of the protocol: the time and censoring the
/// registry's survival, comparison and subgroup views analyse — read from <see cref="OutcomeDerivation"/>'s
/// <see cref="TimeToEvent"/> and its <see cref="EndpointEnd"/>, never derived a second time here.
/// </summary>
public static class Adtte
{
    public const string Name = "ADTTE";

    /// <summary>One row: a patient and one endpoint's time.</summary>
    private sealed record Row(AnalysisPatient Patient, EndpointDefinition Endpoint, TimeToEvent Time, EndpointEnd End);

    public static AnalysisDataset Build(AnalysisSource source) => Shape(source).Build(source.InOrder);

    /// <summary>The columns and each patient's rows; reads the source's study, moment and cut, not its patients.</summary>
    public static DatasetShape Shape(AnalysisSource source)
    {
        var protocol = source.Study.Protocol;
        var endpoints = TimeToEventEndpoints(protocol);
        var dictionary = Adsl.DictionaryColumnNames(protocol);
        var columns = new List<Column<Row>>(Identifiers<Row>(source, r => r.Patient, subjectLevel: false));
        columns.AddRange(Adsl.StrataColumns<Row>(source, r => r.Patient, subjectLevel: false));
        foreach (var variable in (protocol.Analysis?.StratifyBy ?? []).Select(protocol.Variable).OfType<Variable>().Where(v => v.IsGroupable))
        {
            var name = dictionary[variable.Key].Group!;
            columns.Add(Text<Row>(name, $"{variable.Label} Group",
                Predecessor($"ADSL.{name}: a stratification variable of the analysis plan (stratifyBy); the comparisons stratify by the first unless asked otherwise."),
                r => DataDictionary.GroupOrUnknown(variable, r.Patient.Outcome.Baseline.Get(variable.Key))));
        }
        columns.AddRange(
        [
            Text<Row>("PARAMCD", "Parameter Code", Assigned("The endpoint's code in the registry's endpoint catalogue, in capitals."), r => r.Endpoint.Code.ToUpperInvariant(), key: 2,
                values: endpoints.Select(e => new CodedValue(e.Code.ToUpperInvariant(), Parameter(e))).ToList()),
            Text<Row>("PARAM", "Parameter", Assigned("The endpoint's name and unit."), r => Parameter(r.Endpoint)),
            Integer<Row>("PARAMN", "Parameter (N)", Assigned("The endpoint's place in the protocol's endpoints."), r => endpoints.IndexOf(r.Endpoint) + 1),
            Integer<Row>("AVAL", "Analysis Value", Derived(
                    "Whole days from STARTDT to ADT, never below 0 (a date before the origin counts as day 0): the time every survival view analyses (docs/outcomes.md)."),
                r => r.Time.Days),
            Date<Row>("STARTDT", "Time-to-Event Origin Date for Subject", Derived(
                    "The protocol's time origin (ADSL.ORIGDT); for DOR the first CR or PR timepoint on or after it."), r => r.End.From),
            Date<Row>("ADT", "Analysis Date", Derived("The date of the event, or of censoring."), r => r.End.On),
            Integer<Row>("CNSR", "Censor", Derived("0 for an event; a positive code for the reason of censoring, as the registry's derivation decides it."),
                r => r.End.Censoring is { } why ? (int)why : 0,
                values: [new("0", "Event"), .. Enum.GetValues<Censoring>().Select(c => new CodedValue(((int)c).ToString(), EndpointEnd.Describe(c)))]),
            Text<Row>("EVNTDESC", "Event or Censoring Description", Derived("What ended the time: the event (death, progression or relapse with its site, imaging PD) or the censoring."),
                r => r.End.Description),
            Text<Row>("CNSDTDSC", "Censor Date Description", Derived("For a censored time, what its date is; empty for an event."),
                r => r.End.Censoring is { } why ? EndpointEnd.Describe(why) : null),
            Text<Row>("SRCDOM", "Source Data", Derived(
                    "The kind of registry entry ADT was read from (enrolled, randomized, treatmentStarted, imagingAssessed, adverseEventRecorded, diseaseProgressed, relapsed, died, lastKnownAlive, withdrewFromFollowUp); empty for a data cut."),
                r => r.End.Source?.Kind),
            Text<Row>("SRCVAR", "Source Variable", Derived("The field of that entry ADT was read from."), r => r.End.Source?.Field),
            Integer<Row>("SRCSEQ", "Source Sequence Number", Derived("The entry's version in the patient's record (its history at /api/patients/{id}/history)."),
                r => r.End.Source?.Version),
        ]);
        IEnumerable<Row> Rows(AnalysisPatient p) => !p.Outcome.Analysable ? [] : endpoints
            .Select(e => p.Outcome.Time(e.Code) is { } time
                ? new Row(p, e, time, time.End ?? throw new InvalidOperationException($"The {e.Code} time of {p.SubjectCode} was read from an outcome row, which keeps no end; derive the outcomes from the charts."))
                : null)
            .OfType<Row>();
        return DatasetBuilder.Shape(Name, "Time-to-Event Analysis Dataset", "BASIC DATA STRUCTURE", "One record per subject per parameter (time-to-event endpoint)", columns, Rows);
    }

    /// <summary>The protocol's time-to-event endpoints, in its order.</summary>
    public static List<EndpointDefinition> TimeToEventEndpoints(Protocol protocol) =>
        protocol.Endpoints.Select(EndpointCatalogue.Find).OfType<EndpointDefinition>().Where(e => e.Kind == EndpointKind.TimeToEvent).ToList();

    private static string Parameter(EndpointDefinition endpoint) => $"{endpoint.Name} (days)";
}
