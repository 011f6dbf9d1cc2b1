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
}
