using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Registry.Domain.Outcomes;
using Registry.Domain.Studies;
using Registry.Projections.Patients;

namespace Registry.Projections.Outcomes;

/// <summary>
/// Re-derives the outcome row of every patient touched by a batch of events, from the patient's chart and the
/// study's response rules. Runs in the async daemon, so writes never wait on it; a rebuild converges on the
/// same rows because each row is a pure function of the chart.
/// </summary>
public sealed class PatientOutcomeRowsProjection : IProjection
{
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var patientIds = events.Select(e => e.StreamId).Distinct().ToArray();
        var charts = await operations.LoadManyAsync<PatientChart>(cancellation, patientIds);
        if (charts.Count == 0) return;
        var studies = (await operations.LoadManyAsync<Study>(cancellation, charts.Select(c => c.StudyId).Distinct().ToArray()))
            .ToDictionary(s => s.Id);

        foreach (var chart in charts)
        {
            if (chart.Timeline() is not { } timeline) continue;
            var rules = studies.TryGetValue(chart.StudyId, out var study) ? study.ResponseRules : ResponseRules.Default;
            operations.Store(new PatientOutcomeRow
            {
                Id = chart.Id,
                StudyId = chart.StudyId,
                Version = chart.Version,
                Outcome = OutcomeDerivation.Derive(timeline, rules),
            });
        }
    }
}
