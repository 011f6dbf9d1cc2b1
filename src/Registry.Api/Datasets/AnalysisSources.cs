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
    /// The same study, moment and cut (<see cref="AnalysisSource"/> without its patients, for the datasets' shapes) and
    /// its patients read one at a time in USUBJID order, each pass reading them again: what a route writes as they come.
    /// </summary>
    public static async Task<(AnalysisSource? Source, Func<CancellationToken, IAsyncEnumerable<AnalysisPatient>>? Patients, ViewRefusal? Refusal)> StreamAsync(
        IQuerySession session, Guid studyId, string? asOf, string? dataCut, CancellationToken ct)
    {
        var (stream, refusal) = await StudyViewLoader.StreamPatientsAsync(session, studyId, asOf, dataCut, ct);
        if (stream is null) return (null, null, refusal);
        return (new AnalysisSource(stream.Study, [], stream.AsOf, stream.DataCut), c => Patients(stream, c), null);
    }

    private static async IAsyncEnumerable<AnalysisPatient> Patients(StudyPatientStream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (timeline, outcome) in stream.Patients(ct)) yield return new AnalysisPatient(timeline, outcome);
    }
}
