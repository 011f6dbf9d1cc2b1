using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Registry.Projections.Outcomes;

namespace Registry.Api.Health;

/// <summary>
/// Healthy when the event store answers a query and every patient projects; degraded, naming the studies, when the
/// outcome projection has set patients aside (their views lag; everything else keeps projecting).
/// </summary>
public sealed class DatabaseHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var session = store.QuerySession();
            await session.Events.QueryAllRawEvents().Take(1).ToListAsync(cancellationToken);
            var faults = await session.Query<ProjectionFault>().Take(100).ToListAsync(cancellationToken);
            if (faults.Count == 0) return HealthCheckResult.Healthy("event store reachable; every patient projected");
            return HealthCheckResult.Degraded(
                $"{faults.Count}{(faults.Count == 100 ? "+" : "")} patient(s) could not be projected, in studies {string.Join(", ", faults.Select(f => f.StudyId).Distinct())}; see GET /api/studies/{{id}}.",
                data: new Dictionary<string, object> { ["projectionFaults"] = faults.Count });
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("event store unreachable", e);
        }
    }
}
