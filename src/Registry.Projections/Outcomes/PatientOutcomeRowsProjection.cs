using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Registry.Domain.Outcomes;
using Registry.Domain.Studies;
using Registry.Projections.Patients;

namespace Registry.Projections.Outcomes;

/// <summary>
/// Re-derives the outcome row of every patient touched by a batch of events, from the patient's chart (as just
/// written on this node, <see cref="ChartsJustWritten"/>, or read back) and the study's protocol. Runs in the async daemon, so writes never wait on it; a rebuild converges on the same rows
/// because each row is a pure function of the chart. A patient whose derivation fails is set aside as a
/// <see cref="ProjectionFault"/> (visible on the study and in /health) and every other patient keeps projecting.
/// </summary>
public sealed class PatientOutcomeRowsProjection : IProjection
{
    /// <summary>The projection's name as the daemon records its progression (with its shard, <c>:All</c>).</summary>
    public const string Name = "PatientOutcomeRows";

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        // A chart this node has just written is taken as it is; only the others are read back.
        var justWritten = ChartsJustWritten.For(operations.DocumentStore);
        var charts = new List<PatientChart>();
        var unread = new List<Guid>();
        foreach (var stream in events.GroupBy(e => e.StreamId))
        {
            if (justWritten.Take(stream.Key, stream.Max(e => e.Version)) is { } chart) charts.Add(chart);
            else unread.Add(stream.Key);
        }
        if (unread.Count > 0) charts.AddRange(await operations.LoadManyAsync<PatientChart>(cancellation, unread.ToArray()));
        if (charts.Count == 0) return;
        var studies = (await operations.LoadManyAsync<Study>(cancellation, charts.Select(c => c.StudyId).Distinct().ToArray()))
            .ToDictionary(s => s.Id);

        foreach (var chart in charts)
        {
            switch (Derive(chart, studies.GetValueOrDefault(chart.StudyId)))
            {
                case PatientOutcomeRow row:
                    operations.Store(row);
                    operations.Delete<ProjectionFault>(chart.Id);
                    break;
                case ProjectionFault fault:
                    operations.Store(fault);
                    break;
            }
        }
    }

    /// <summary>
    /// A chart's outcome row under its study's protocol, or the fault that sets the patient aside; null when there is
    /// nothing to derive (not enrolled, or the study unknown). The daemon and the rebuild both derive through here.
    /// </summary>
    public static object? Derive(PatientChart chart, Study? study)
    {
        try
        {
            if (chart.Timeline() is not { } timeline || study is null) return null;
            return new PatientOutcomeRow
            {
                Id = chart.Id,
                StudyId = chart.StudyId,
                Version = chart.Version,
                Outcome = OutcomeDerivation.Derive(timeline, study.Protocol),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ProjectionFault
            {
                Id = chart.Id, StudyId = chart.StudyId, Version = chart.Version, Projection = "PatientOutcomeRows",
                Problem = $"{e.GetType().Name}: {e.Message}", At = DateTimeOffset.UtcNow,
            };
        }
    }
}

/// <summary>
/// A patient the outcome projection could not derive: which version of the record failed and why. The patient's
/// previous row (if any) stays; the fault clears when a later entry derives again.
/// </summary>
public sealed class ProjectionFault
{
    public Guid Id { get; set; }
    public Guid StudyId { get; set; }
    public long Version { get; set; }
    public string Projection { get; set; } = "";
    public string Problem { get; set; } = "";
    public DateTimeOffset At { get; set; }
}
