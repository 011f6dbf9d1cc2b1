using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Registry.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registry.Api.Tests.Faults;

/// <summary>
/// Four clients on the real registry (its own process, durable embedded cluster) for a few minutes of mixed clinic
/// work — enrolling, recording adverse events, reading histories, the survival view, the patient list, /health —
/// with no error of any kind. The latencies are printed, never asserted. REGISTRY_SOAK_SECONDS sets the length
/// (default 120).
/// </summary>
public sealed class SoakTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Clients = 4;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"trial-registry-soak-{Guid.NewGuid():N}");
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _latencies = new();
    private readonly ConcurrentBag<string> _errors = [];

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataDirectory);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await new ClusterUnderTest(_dataDirectory).StopAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Four_clients_of_mixed_reads_and_writes_for_minutes_see_no_error()
    {
        var length = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("REGISTRY_SOAK_SECONDS"), out var seconds) ? seconds : 120);
        // One investigator and one auditor stand for the four clients: the per-user limit on views would throttle them.
        await using var registry = await RegistryProcess.StartAsync(_dataDirectory, new Dictionary<string, string>
        {
            ["Registry__RateLimits__ConcurrentRequests"] = "16",
            ["Registry__RateLimits__Burst"] = "100000",
            ["Registry__RateLimits__PerMinute"] = "100000",
        });
        var clinic = await ClinicLoad.OpenAsync(registry.Address, patients: Clients);
        await WarmUpAsync(registry.Address, clinic);

        var watch = Stopwatch.StartNew();
        var written = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            using var coordinator = ClinicLoad.Client(registry.Address, ClinicLoad.Coordinator);
            using var investigator = ClinicLoad.Client(registry.Address, ClinicLoad.Investigator);
            using var auditor = ClinicLoad.Client(registry.Address, ClinicLoad.Auditor);
            var patient = clinic.Patients[client];
            for (var cycle = 0; watch.Elapsed < length; cycle++)
            {
                if (cycle % 20 == 19)
                    patient = await TimedAsync("enrol", () => coordinator.PostAsJsonAsync($"/api/studies/{clinic.StudyId}/patients", new
                    {
                        subjectCode = $"S-{client}-{cycle}", site = "S1", enrolledOn = "2020-01-05", arm = cycle % 40 == 19 ? "C" : "ITC", baseline = Scenarios.Baseline(),
                    }), async body => (Guid?)(await body.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid()) ?? patient;
                var term = clinic.Term(client, cycle);
                if (await TimedAsync("record adverse event", () => coordinator.PostAsJsonAsync($"/api/patients/{patient}/adverse-events", ClinicLoad.AdverseEvent(term)), _ => Task.FromResult(true)))
                    written.Add(term);
                await TimedAsync("patient history", () => auditor.GetAsync($"/api/patients/{patient}/history"), _ => Task.FromResult(true));
                await TimedAsync("survival view", () => investigator.GetAsync($"/api/studies/{clinic.StudyId}/survival?endpoint=os"), _ => Task.FromResult(true));
                await TimedAsync("patient list", () => coordinator.GetAsync($"/api/studies/{clinic.StudyId}/patients?take=50"), _ => Task.FromResult(true));
                await TimedAsync("health", () => coordinator.GetAsync("/health"), _ => Task.FromResult(true));
            }
        })));
        var elapsed = watch.Elapsed;

        var connection = new ClusterUnderTest(_dataDirectory).ConnectionString();
        var recorded = await clinic.RecordedTermsAsync(connection);
        var caughtUp = await ClinicLoad.ProjectionCaughtUpAsync(connection, TimeSpan.FromSeconds(60));
        var verified = await ClinicLoad.VerifyAsync(registry.Address);

        var requests = _latencies.Values.Sum(l => l.Count);
        output.WriteLine($"{Clients} clients for {elapsed.TotalSeconds:0} s: {requests} requests ({requests / elapsed.TotalSeconds:0} /s), {_errors.Count} errors; " +
            $"{written.Count} adverse events recorded; outcome projection caught up {caughtUp.TotalSeconds:0.0} s after the last write; {verified.GetProperty("events").GetInt64()} events verify.");
        output.WriteLine($"{"request",-22} {"n",7} {"p50 ms",8} {"p99 ms",8} {"max ms",8}");
        foreach (var (kind, latencies) in _latencies.OrderBy(k => k.Key))
        {
            var sorted = latencies.Order().ToArray();
            output.WriteLine($"{kind,-22} {sorted.Length,7} {Percentile(sorted, 0.50),8:0.0} {Percentile(sorted, 0.99),8:0.0} {sorted[^1],8:0.0}");
        }
        Assert.Empty(_errors.Take(10));
        Assert.Equal(written.Order(), recorded.Keys.Order());
        Assert.All(recorded.Values, count => Assert.Equal(1, count));
        Assert.True(verified.GetProperty("intact").GetBoolean());
        await registry.StopAsync();
    }

    /// <summary>One untimed request of each read kind: the registry compiles each route on its first request.</summary>
    private static async Task WarmUpAsync(Uri registry, ClinicLoad clinic)
    {
        using var investigator = ClinicLoad.Client(registry, ClinicLoad.Investigator);
        using var auditor = ClinicLoad.Client(registry, ClinicLoad.Auditor);
        using var coordinator = ClinicLoad.Client(registry, ClinicLoad.Coordinator);
        (await auditor.GetAsync($"/api/patients/{clinic.Patients[0]}/history")).EnsureSuccessStatusCode();
        (await investigator.GetAsync($"/api/studies/{clinic.StudyId}/survival?endpoint=os")).EnsureSuccessStatusCode();
        (await coordinator.GetAsync($"/api/studies/{clinic.StudyId}/patients?take=50")).EnsureSuccessStatusCode();
    }

    /// <summary>Times one request; a non-success status or a failed request is an error. The read answer, or default on error.</summary>
    private async Task<T?> TimedAsync<T>(string kind, Func<Task<HttpResponseMessage>> send, Func<HttpContent, Task<T>> read)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await send();
            _latencies.GetOrAdd(kind, _ => []).Add(watch.Elapsed.TotalMilliseconds);
            if (response.IsSuccessStatusCode) return await read(response.Content);
            _errors.Add($"{kind}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            _errors.Add($"{kind}: {e.Message}");
        }
        return default;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
