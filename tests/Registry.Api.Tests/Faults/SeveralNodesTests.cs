using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using Registry.Api.Infrastructure;
using Xunit.Abstractions;

namespace Registry.Api.Tests.Faults;

/// <summary>
/// Two registry processes on one database with Wolverine distributing the async projections between them
/// (<c>Registry:Projections:Distribution=wolverine</c>, see deploy/README.md): both take writes, and when the node
/// running the outcome projection is killed, nothing acknowledged is lost and the projection moves to the survivor.
/// </summary>
public sealed partial class SeveralNodesTests(RegistryDataDirectory data, ITestOutputHelper output) : IClassFixture<RegistryDataDirectory>
{
    private const string OutcomeAgent = "event-subscriptions://marten/main/%/patientoutcomerows/all";

    private static readonly Dictionary<string, string> Distributed = new()
    {
        ["Registry__Projections__Distribution"] = "wolverine",
        // Each node logs its Wolverine node id, which the agent assignments name.
        ["Logging__LogLevel__Wolverine.Runtime.Agents"] = "Information",
    };

    [Fact]
    public async Task The_node_running_the_projections_killed_under_writers_on_both_nodes_loses_nothing_and_its_projection_moves_to_the_other_within_30_seconds()
    {
        await using var first = await RegistryProcess.StartAsync(data.Path, Distributed);
        await using var second = await RegistryProcess.StartAsync(data.Path, Distributed);
        var connection = new ClusterUnderTest(data.Path).ConnectionString();
        var nodes = new[] { first, second };
        var owner = await OutcomeProjectionNodeAsync(connection, TimeSpan.FromSeconds(60))
            ?? throw new TimeoutException($"No node took the outcome projection.\n{first.Output}\n{second.Output}");
        var running = nodes.Single(n => NodeId(n) == owner);
        var survivor = nodes.Single(n => n != running);

        var clinic = await ClinicLoad.OpenAsync(first.Address, patients: 4);
        using var stop = new CancellationTokenSource();
        // Writers alternate between the nodes, as a load balancer spreads them, until one node is gone.
        var turn = 0;
        var writing = clinic.WriteAsync(() => running.HasExited || Interlocked.Increment(ref turn) % 2 == 0 ? survivor.Address : running.Address, stop.Token);
        Assert.True(await clinic.AcknowledgedAsync(100, TimeSpan.FromSeconds(60)));
        var beforeKill = clinic.Acknowledged.Count;
        await running.KillAsync();
        var moving = Stopwatch.StartNew();
        var moved = await OutcomeProjectionNodeAsync(connection, TimeSpan.FromSeconds(30), except: owner);
        var movedAfter = moving.Elapsed;
        Assert.True(moved == NodeId(survivor), $"The outcome projection did not move to the surviving node within 30 s.\n{survivor.Output}");
        Assert.True(await clinic.AcknowledgedAsync(100, TimeSpan.FromSeconds(60)), $"Writes did not go on through the surviving node.\n{survivor.Output}");
        await stop.CancelAsync();
        await writing;

        var recorded = await clinic.RecordedTermsAsync(connection);
        Assert.Empty(clinic.Refused);
        Assert.DoesNotContain(clinic.Acknowledged, term => !recorded.ContainsKey(term));
        Assert.DoesNotContain(recorded, term => term.Value != 1);
        Assert.True((await ClinicLoad.VerifyAsync(survivor.Address)).GetProperty("intact").GetBoolean());
        var caughtUp = await ClinicLoad.ProjectionCaughtUpAsync(connection, TimeSpan.FromSeconds(30));
        await survivor.StopAsync();
        output.WriteLine($"Killed the projecting node after {beforeKill} acknowledged writes on both nodes; the outcome projection ran on the other " +
            $"{movedAfter.TotalSeconds:0.0} s later; {clinic.Acknowledged.Count} acknowledged in all, {clinic.Unanswered.Count} unanswered; " +
            $"caught up {caughtUp.TotalSeconds:0.0} s after the writers stopped.");
    }

    /// <summary>The Wolverine node id a registry process announced when it started.</summary>
    private static Guid NodeId(RegistryProcess registry) =>
        Guid.Parse(NodeAnnouncement().Match(registry.Output) is { Success: true } m ? m.Groups[1].Value
            : throw new InvalidOperationException($"The registry did not announce its node.\n{registry.Output}"));

    /// <summary>Waits, bounded, until a node other than <paramref name="except"/> holds the outcome projection; that node, or null.</summary>
    private static async Task<Guid?> OutcomeProjectionNodeAsync(string connectionString, TimeSpan within, Guid? except = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(
                    $"select node_id from {EventStoreConfiguration.Schema}.wolverine_node_assignments where id like $1", connection)
                {
                    Parameters = { new() { Value = OutcomeAgent } },
                };
                if (await command.ExecuteScalarAsync() is Guid node && node != except) return node;
            }
            await Task.Delay(200);
        }
        return null;
    }

    [GeneratedRegex(@"Starting agents for Node ([0-9a-f-]{36})")]
    private static partial Regex NodeAnnouncement();
}
