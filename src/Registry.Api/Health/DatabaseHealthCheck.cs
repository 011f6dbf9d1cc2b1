using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Registry.Api.Health;

/// <summary>Healthy when the event store answers a query.</summary>
public sealed class DatabaseHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var session = store.QuerySession();
            var streams = await session.Events.QueryAllRawEvents().Take(1).CountAsync(cancellationToken);
            return HealthCheckResult.Healthy($"event store reachable");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("event store unreachable", e);
        }
    }
}
