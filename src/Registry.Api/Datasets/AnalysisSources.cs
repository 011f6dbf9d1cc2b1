using System.Runtime.CompilerServices;
using Marten;
using Registry.Api.StudyViews;
using Registry.Interop.Datasets;
using Registry.Projections.StudyViews;

namespace Registry.Api.Datasets;

/// <summary>
/// The read side's query behind every export built from patients' records (ADaM datasets, FHIR), shared by their
/// routes and verbs so no endpoint calls another's.
/// </summary>
public static class AnalysisSources
{
    /// <summary>What the datasets are built from: the study's patients as of the moment, at the data cut, as the views load them.</summary>
    public static async Task<(AnalysisSource? Source, ViewRefusal? Refusal)> LoadAsync(IQuerySession session, Guid studyId, string? asOf, string? dataCut,
        CancellationToken ct)
    {
        var (patients, refusal) = await StudyViewLoader.LoadPatientsAsync(session, studyId, asOf, dataCut, ct);
        return patients is null ? (null, refusal)
            : (new AnalysisSource(patients.Study, patients.Patients.Select(p => new AnalysisPatient(p.Timeline, p.Outcome)).ToList(), patients.AsOf, patients.DataCut), null);
    }

    /// <summary>
    /// The study's dataset <paramref name="shapeOf"/> at the moment and cut as CSV, or as Dataset-JSON when
    /// <paramref name="json"/> (<see cref="KeptAsync{T}"/>).
    /// </summary>
    public static async Task<(AnalysisSource? Source, DeflatedDataset? Dataset, ViewRefusal? Refusal)> DatasetAsync(IQuerySession session, Guid studyId,
        Func<AnalysisSource, DatasetShape> shapeOf, bool json, string? asOf, string? dataCut, CancellationToken ct) =>
        await KeptAsync(session, studyId, asOf, dataCut, source => $"datasets/{shapeOf(source).Name}.{(json ? "json" : "csv")}",
            (source, patients, c) => json ? DeflatedDataset.JsonAsync(shapeOf(source), patients, c) : DeflatedDataset.CsvAsync(shapeOf(source), patients, c),
            dataset => dataset.Bytes, ct);

    /// <summary>The data definition (define.json) of the study's datasets at the moment and cut, as its bytes (<see cref="KeptAsync{T}"/>).</summary>
    public static async Task<(AnalysisSource? Source, byte[]? Definition, ViewRefusal? Refusal)> DefinitionAsync(IQuerySession session, Guid studyId,
        string? asOf, string? dataCut, CancellationToken ct) =>
        await KeptAsync(session, studyId, asOf, dataCut, _ => "datasets/define.json", async (source, patients, c) =>
        {
            var definition = await DataDefinition.OfAsync(source, AnalysisDatasets.All.Select(d => d.Shape(source)).ToList(), patients, c);
            using var body = new MemoryStream();
            await definition.WriteAsync(body, c);
            return body.ToArray();
        }, definition => definition.Length, ct);

    /// <summary>
    /// An answer written from every patient of the study at the moment and cut, read once in USUBJID order. When no event
    /// lies above the committed store position it is kept beside the views' sets, under their budget, while the store
    /// stays there: a new entry moves it, so the next request writes the answer again. Otherwise it is written for this
    /// request only. Either way the heap is collected after a large study's read (<see cref="StudyScopes.CollectAfter"/>).
    /// </summary>
    private static async Task<(AnalysisSource? Source, T? Answer, ViewRefusal? Refusal)> KeptAsync<T>(IQuerySession session, Guid studyId, string? asOf,
        string? dataCut, Func<AnalysisSource, string> name, Func<AnalysisSource, IAsyncEnumerable<AnalysisPatient>, CancellationToken, Task<T>> write,
        Func<T, long> bytes, CancellationToken ct) where T : class
    {
        var scopes = StudyScopes.Of(session.DocumentStore);
        // Read before the study and its charts, so what is written holds at least every event up to it.
        var (mark, settled) = await scopes.ChartsMarkAsync(session, ct);
        var (study, moment, cut, refusal) = await StudyViewLoader.ResolveAsync(session, studyId, asOf, dataCut, ct);
        if (study is null) return (null, null, refusal);
        var source = new AnalysisSource(study, [], moment, cut);
        if (settled && scopes.KeptAnswerAt<T>(studyId, name(source), moment, cut, mark) is { } kept) return (source, kept, null);
        var stream = await StudyViewLoader.StreamPatientsAsync(session, study, moment, cut, ct);
        var answer = await write(source, Patients(stream, ct), ct);
        if (settled) scopes.KeepAnswer(studyId, name(source), moment, cut, mark, answer, bytes(answer), patientsRead: stream.Charts);
        else StudyScopes.CollectAfter(stream.Charts);
        return (source, answer, null);
    }

    private static async IAsyncEnumerable<AnalysisPatient> Patients(StudyPatientStream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (timeline, outcome) in stream.Patients(ct)) yield return new AnalysisPatient(timeline, outcome);
    }
}
