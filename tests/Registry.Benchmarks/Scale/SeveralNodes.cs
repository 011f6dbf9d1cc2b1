using System.Diagnostics;
using System.Net;

namespace Registry.Benchmarks.Scale;

/// <summary>
/// The <c>nodes</c> phase: four writers, and four readers of the live survival view, against one registry
/// process and then against two sharing the database (Wolverine distributing the async projections, as
/// deploy/README.md sets it up), each set started for the measurement; two nodes' throughput is shown beside one's,
/// with the CPU per operation of the nodes and their PostgreSQL: on a machine whose cores the one node already fills,
/// two nodes cannot add throughput, but the same CPU per operation says nothing is spent on sharing the work.
/// </summary>
public static class SeveralNodes
{
    private const int Clients = 4;

    private static readonly TimeSpan FreshProcessWarmUp = TimeSpan.FromSeconds(20);

    public static async Task RunAsync(RegistryBinary registry, ScaleOptions options, ScaleReport report, string logDirectory, IDictionary<string, string> environment,
        string coordinator, string investigator, Guid studyId, IReadOnlyList<ListedPatient> writers)
    {
        Console.WriteLine($"Several nodes: {Clients} writers, then {Clients} readers of /survival, on one registry process and on two sharing the database ...");
        var settings = new Dictionary<string, string>(environment) { ["Registry__Projections__Distribution"] = "wolverine" };
        var days = new Dictionary<Guid, int>();
        int NextDay(ListedPatient p)
        {
            lock (days) return days[p.PatientId] = days.TryGetValue(p.PatientId, out var d) ? (d + 1) % 1_500 : 0;
        }

        // Fresh processes still compile their hot paths for seconds under load, each its own: with a 3 s warm-up two nodes
        // paid that twice inside the measurement, which showed as twice the CPU per read.
        var warmUp = options.WriteWarmUp > FreshProcessWarmUp ? options.WriteWarmUp : FreshProcessWarmUp;
        var measured = new Dictionary<int, (Measured Writes, Measured Reads, LoadAverage Start, LoadAverage End, string? Refusal, string WriteCpu, string ReadCpu)>();
        foreach (var nodes in new[] { 1, 2 })
        {
            // Each set of nodes writes to patients of its own, as short at its start as the other's: a chart is written
            // whole on every entry, so the second set writing on charts the first had grown would pay more per write.
            var ownWriters = writers.Skip(nodes == 1 ? 0 : writers.Count / 2).Take(writers.Count / 2).ToList();
            var servers = new List<RunningRegistry>();
            try
            {
                for (var n = 0; n < nodes; n++)
                {
                    var server = registry.Serve(Path.Combine(logDirectory, $"scale-node-{nodes}-{n + 1}.log"), settings);
                    servers.Add(server);
                    using var probe = new HttpClient();
                    await server.WaitHealthyAsync(probe, TimeSpan.FromMinutes(5));
                }
                foreach (var server in servers) await server.WaitViewsWarmedAsync(TimeSpan.FromMinutes(5));
                var apis = servers.Select(s => new RegistryApi(s.Url)).ToList();
                // A fresh process compiles each route on its first request (seconds on a busy machine): not part of the figure.
                foreach (var (api, i) in apis.Select((a, i) => (a, i)))
                {
                    var patient = ownWriters[i];
                    await api.TimedAsync(RegistryApi.Request(HttpMethod.Post, $"/api/patients/{patient.PatientId}/follow-ups", coordinator,
                        new { lastKnownAliveOn = new DateOnly(2022, 4, 1).AddDays(NextDay(patient)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }),
                        HttpStatusCode.Created);
                    await api.TimedAsync(RegistryApi.Request(HttpMethod.Get, $"/api/studies/{studyId}/survival", investigator), HttpStatusCode.OK);
                }
                var cpu = new ProcessorTime(servers.Select(s => s.ProcessId).ToList(), RawPostgres.FromServerLog(servers[0].Lines).ClusterDirectory!);
                var start = LoadAverage.Now();
                // CPU from the end of the warm-up: each fresh process is still compiling its routes before it.
                var writesWarmed = WhenWarmedAsync(cpu, warmUp);
                var writes = await Task.WhenAll(apis.Select((api, i) => ApiWrites.RunAsync(api, coordinator,
                    ownWriters.Where((_, k) => k % nodes == i).ToList(), Clients / nodes, warmUp, options.WriteDuration, NextDay)));
                var writeLatencies = writes.SelectMany(w => w.Latencies).ToList();
                var writeRate = writes.Sum(w => w.Accepted) / writes.Max(w => w.Seconds);
                var (cpu1, nodes1) = (cpu.Now(), cpu.ByProcess());
                var readsWarmed = WhenWarmedAsync(cpu, warmUp);
                var reads = await ReadAsync(apis, $"/api/studies/{studyId}/survival", investigator, warmUp, options.WriteDuration);
                var (cpu2, nodes2) = (cpu.Now(), cpu.ByProcess());
                measured[nodes] = (Measured.OfRate(writeRate, "events/s", writes.Max(w => w.Seconds), writeLatencies),
                    Measured.OfRate(reads.Latencies.Count / reads.Seconds, "requests/s", reads.Seconds, reads.Latencies), start, LoadAverage.Now(),
                    writes.Select(w => w.FirstRefusal).FirstOrDefault(r => r is not null) is { } refusal ? $"{writes.Sum(w => w.Refused)} refused, first: {refusal}" : null,
                    PerOperation(await writesWarmed, (cpu1, nodes1), writes.Sum(w => w.Accepted)), PerOperation(await readsWarmed, (cpu2, nodes2), reads.Latencies.Count));
                foreach (var api in apis) api.Dispose();
            }
            finally
            {
                foreach (var server in servers) await server.DisposeAsync();
            }
        }

        var (one, two) = (measured[1], measured[2]);
        report.Add(new Figure("Several nodes", $"POST follow-up, {Clients} clients over 2 nodes", two.Writes, "the same on 1 node", one.Writes,
            Ratio(two.Writes, one.Writes), "of 1 node", "writes scale", two.Start, two.End,
            string.Join("; ", new[] { $"CPU per write: 2 nodes {two.WriteCpu}, 1 node {one.WriteCpu}", "both processes on this machine's 2 cores", one.Refusal, two.Refusal }.OfType<string>())));
        report.Add(new Figure("Several nodes", $"live /survival, {Clients} readers over 2 nodes", two.Reads, "the same on 1 node", one.Reads,
            Ratio(two.Reads, one.Reads), "of 1 node", "reads scale", two.Start, two.End,
            $"CPU per request: 2 nodes {two.ReadCpu}, 1 node {one.ReadCpu}; both processes on this machine's 2 cores"));
    }

    private static async Task<((double Api, double Postgres) All, double[] Nodes)> WhenWarmedAsync(ProcessorTime cpu, TimeSpan warmUp)
    {
        await Task.Delay(warmUp);
        return (cpu.Now(), cpu.ByProcess());
    }

    /// <summary>
    /// The nodes' and PostgreSQL's CPU over a span, in ms per operation measured in it; with two nodes, each node's share
    /// too, in the order they were started.
    /// </summary>
    private static string PerOperation(((double Api, double Postgres) All, double[] Nodes) from, ((double Api, double Postgres) All, double[] Nodes) to, long operations)
    {
        if (operations == 0 || double.IsNaN(to.All.Postgres - from.All.Postgres)) return "—";
        var nodes = to.Nodes.Length < 2 ? ""
            : $" ({string.Join(" + ", to.Nodes.Select((t, i) => FormattableString.Invariant($"node {i + 1} {1000 * (t - from.Nodes[i]) / operations:F2}")))})";
        return FormattableString.Invariant($"API {1000 * (to.All.Api - from.All.Api) / operations:F2}{nodes} + PostgreSQL {1000 * (to.All.Postgres - from.All.Postgres) / operations:F2} ms");
    }

    private static double? Ratio(Measured two, Measured one) => one.Rate is > 0 && two.Rate is { } rate ? rate / one.Rate : null;

    /// <summary>Readers spread over the nodes, each asking one view in a loop for the duration after a warm-up.</summary>
    private static async Task<(List<double> Latencies, double Seconds)> ReadAsync(IReadOnlyList<RegistryApi> apis, string path, string token, TimeSpan warmUp,
        TimeSpan duration)
    {
        var all = new List<double>();
        var warmUntil = DateTime.UtcNow + warmUp;
        var until = warmUntil + duration;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async client =>
        {
            var api = apis[client % apis.Count];
            var latencies = new List<double>();
            while (DateTime.UtcNow < until)
            {
                var ms = await api.TimedAsync(RegistryApi.Request(HttpMethod.Get, path, token), HttpStatusCode.OK);
                if (DateTime.UtcNow >= warmUntil) latencies.Add(ms);
            }
            lock (all) all.AddRange(latencies);
        }));
        return (all, (watch.Elapsed - warmUp).TotalSeconds);
    }
}
