using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Registry.Benchmarks.Scale;

/// <summary>A patient as the patient list shows it (the fields the load needs).</summary>
public sealed record ListedPatient(Guid PatientId, string SubjectCode, string Site, string? Arm, string Status, long Version);

/// <summary>The registry's HTTP API as a client uses it: bearer tokens, JSON, the routes the README lists.</summary>
public sealed class RegistryApi(string baseUrl) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(30) })
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public HttpClient Http => _http;

    public static HttpRequestMessage Request(HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    public async Task<JsonNode> GetJsonAsync(string path, string token)
    {
        using var response = await _http.SendAsync(Request(HttpMethod.Get, path, token));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new BenchmarkSetupException($"GET {path} answered {(int)response.StatusCode}: {Shorten(text)}");
        return JsonNode.Parse(text)!;
    }

    public async Task<string> GetTextAsync(string path, string token)
    {
        using var response = await _http.SendAsync(Request(HttpMethod.Get, path, token));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new BenchmarkSetupException($"GET {path} answered {(int)response.StatusCode}: {Shorten(text)}");
        return text;
    }

    public async Task<Guid> StudyIdAsync(string code, string token)
    {
        var studies = (await GetJsonAsync("/api/studies", token)).AsArray();
        return studies.FirstOrDefault(s => (string?)s?["code"] == code) is { } study
            ? Guid.Parse((string)study["id"]!)
            : throw new BenchmarkSetupException($"The registry has no study {code}; it holds {string.Join(", ", studies.Select(s => (string?)s?["code"]))}.");
    }

    public async Task<List<ListedPatient>> PatientsAsync(Guid studyId, string auditorToken, string status, int skip, int take)
    {
        var list = new List<ListedPatient>();
        while (list.Count < take)
        {
            var page = await GetJsonAsync($"/api/studies/{studyId}/patients?status={status}&skip={skip + list.Count}&take={Math.Min(500, take - list.Count)}", auditorToken);
            var patients = page["patients"]!.Deserialize<List<ListedPatient>>(JsonSerializerOptions.Web)!;
            if (patients.Count == 0) break;
            list.AddRange(patients);
        }
        return list;
    }

    /// <summary>One timed request; throws on a status other than the expected one (with the body, shortened).</summary>
    public async Task<double> TimedAsync(HttpRequestMessage request, HttpStatusCode expected, CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        using (request)
        using (var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct))
        {
            var elapsed = watch.Elapsed.TotalMilliseconds;
            if (response.StatusCode != expected)
                throw new UnexpectedAnswerException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {Shorten(await response.Content.ReadAsStringAsync(ct))}");
            return elapsed;
        }
    }

    public static string Shorten(string text) => text.Length > 400 ? text[..400] + "…" : text;

    public void Dispose() => _http.Dispose();
}

public sealed class UnexpectedAnswerException(string message) : Exception(message);

/// <summary>
/// Accepted writes through the API: each client records last-known-alive follow-ups, with increasing dates, for
/// patients of its own (so no two clients ever write to one stream), for a fixed time after a warm-up, or until the
/// clients together have sent a fixed number of writes after it.
/// </summary>
public static class ApiWrites
{
    public static async Task<(long Accepted, long Refused, double Seconds, List<double> Latencies, string? FirstRefusal, long Written)> RunAsync(
        RegistryApi api, string coordinatorToken, IReadOnlyList<ListedPatient> patients, int clients, TimeSpan warmUp, TimeSpan duration,
        Func<ListedPatient, int> nextDay, long? count = null)
    {
        var all = new List<double>();
        long accepted = 0, refused = 0, written = 0, sent = 0;
        string? firstRefusal = null;
        var warmUntil = DateTime.UtcNow + warmUp;
        var until = warmUntil + duration;
        var started = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
        {
            var mine = patients.Where((_, i) => i % clients == client).ToList();
            var latencies = new List<double>();
            long ok = 0, no = 0, any = 0;
            for (var i = 0; ; i++)
            {
                var measured = DateTime.UtcNow >= warmUntil;
                if (count is { } most ? measured && Interlocked.Increment(ref sent) > most : DateTime.UtcNow >= until) break;
                var patient = mine[i % mine.Count];
                var date = new DateOnly(2022, 4, 1).AddDays(nextDay(patient));
                try
                {
                    var ms = await api.TimedAsync(RegistryApi.Request(HttpMethod.Post, $"/api/patients/{patient.PatientId}/follow-ups", coordinatorToken,
                        new { lastKnownAliveOn = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) }), HttpStatusCode.Created);
                    any++;
                    if (!measured) continue;
                    latencies.Add(ms);
                    ok++;
                }
                catch (UnexpectedAnswerException refusal)
                {
                    if (measured) no++;
                    lock (all) firstRefusal ??= refusal.Message;
                }
            }
            lock (all) { all.AddRange(latencies); accepted += ok; refused += no; written += any; }
        }));
        return (accepted, refused, (started.Elapsed - warmUp).TotalSeconds, all, firstRefusal, written);
    }
}
