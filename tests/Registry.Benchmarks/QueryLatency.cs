using System.Diagnostics;
using System.Net.Http.Headers;

namespace Registry.Benchmarks;

/// <summary>
/// p50/p99 of the investigator queries against a running registry, with `/health` (an HTTP round trip and a
/// database ping) measured in the same run as the baseline each query is reported against.
/// </summary>
public static class QueryLatency
{
    public static async Task<int> RunAsync(string baseUrl, string token, string studyId, int requests)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        string[] queries =
        [
            "/health",
            $"/api/studies/{studyId}/survival?endpoint=pfs",
            $"/api/studies/{studyId}/survival?endpoint=os",
            $"/api/studies/{studyId}/comparisons?endpoint=pfs&arm=ITC&reference=C",
            $"/api/studies/{studyId}/comparisons?endpoint=pfs&arm=ITC%2BIT&reference=IC%2BC&strata=kps",
            $"/api/studies/{studyId}/survival?endpoint=pfs&consistent=true",
            $"/api/studies/{studyId}/comparisons?endpoint=pfs&arm=ITC&reference=C&dataCut=2021-06-30",
        ];

        Console.WriteLine($"{requests} sequential requests per query after 5 warm-ups; ratio = p50 / p50 of /health");
        Console.WriteLine($"{"query",-95} {"p50 ms",8} {"p99 ms",8} {"ratio",7}");
        double? baseline = null;
        foreach (var query in queries)
        {
            for (var i = 0; i < 5; i++) await GetAsync(http, query);
            var timings = new List<double>();
            for (var i = 0; i < requests; i++) timings.Add(await GetAsync(http, query));
            timings.Sort();
            var p50 = Percentile(timings, 0.50);
            baseline ??= p50;
            Console.WriteLine($"{query,-95} {p50,8:F1} {Percentile(timings, 0.99),8:F1} {p50 / baseline,7:F1}");
        }
        return 0;
    }

    private static async Task<double> GetAsync(HttpClient http, string query)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(query);
        await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{query} answered {(int)response.StatusCode}");
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Nearest-rank percentile of sorted timings.</summary>
    private static double Percentile(List<double> sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
