using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Faults;

/// <summary>
/// Coordinators recording adverse events through the HTTP API, one writer per patient, each entry's term a unique
/// marker (<c>fault-&lt;run&gt;-&lt;writer&gt;-&lt;n&gt;</c>), so what was acknowledged can be looked for, once, in the store.
/// </summary>
public sealed class ClinicLoad
{
    public static readonly TokenIssuer Tokens = new(RegistryApp.SigningKey);
    public static string Admin => Tokens.Mint("admin-user", [Roles.Admin], [], TimeSpan.FromHours(1));
    public static string Coordinator => Tokens.Mint("coordinator-user", [Roles.Coordinator], ["S1"], TimeSpan.FromHours(1));
    public static string Auditor => Tokens.Mint("auditor-user", [Roles.Auditor], [], TimeSpan.FromHours(1));
    public static string Investigator => Tokens.Mint("investigator-user", [Roles.Investigator], [], TimeSpan.FromHours(1));

    /// <summary>This load's part of every marker, so loads sharing a store never count each other's entries.</summary>
    public string Run { get; } = Guid.NewGuid().ToString("N")[..8];
    public Guid StudyId { get; }
    public IReadOnlyList<Guid> Patients { get; }

    /// <summary>Terms whose write answered 201: the registry promised they are recorded.</summary>
    public ConcurrentBag<string> Acknowledged { get; } = [];

    /// <summary>Writes that got no answer or a 5xx: recorded or not, the client cannot know (the store says).</summary>
    public ConcurrentBag<string> Unanswered { get; } = [];

    /// <summary>Writes refused with a 4xx, which no write here should be.</summary>
    public ConcurrentBag<string> Refused { get; } = [];

    private ClinicLoad(Guid studyId, IReadOnlyList<Guid> patients)
    {
        StudyId = studyId;
        Patients = patients;
    }

    /// <summary>Registers a study and enrols <paramref name="patients"/> patients with treatment started, through the API.</summary>
    public static async Task<ClinicLoad> OpenAsync(Uri registry, int patients)
    {
        using var admin = Client(registry, Admin);
        var study = await Created(await admin.PostAsJsonAsync("/api/studies", Scenarios.Protocol()));
        using var coordinator = Client(registry, Coordinator);
        var ids = new List<Guid>();
        for (var i = 0; i < patients; i++)
        {
            var patient = await Created(await coordinator.PostAsJsonAsync($"/api/studies/{study}/patients", new
            {
                subjectCode = $"F-{i}-{Guid.NewGuid():N}"[..12], site = "S1", enrolledOn = "2020-01-05", arm = "ITC", baseline = Scenarios.Baseline(),
            }));
            (await coordinator.PostAsJsonAsync($"/api/patients/{patient}/treatment-starts", new { startedOn = "2020-01-10" })).EnsureSuccessStatusCode();
            ids.Add(patient);
        }
        return new ClinicLoad(study, ids);
    }

    /// <summary>
    /// One writer per patient until <paramref name="stop"/>, each against whichever registry <paramref name="target"/>
    /// names at the time; a failed write is followed by a short pause, as a client's retry loop would.
    /// </summary>
    public Task WriteAsync(Func<Uri> target, CancellationToken stop) => Task.WhenAll(Patients.Select((patient, writer) => Task.Run(async () =>
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Coordinator);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var term = Term(writer, n);
            var status = await PostAsync(client, new Uri(target(), $"/api/patients/{patient}/adverse-events"), AdverseEvent(term));
            if (status == HttpStatusCode.Created) Acknowledged.Add(term);
            else if (status is null || (int)status >= 500) Unanswered.Add(term);
            else Refused.Add($"{term}: {(int)status}");
            if (status != HttpStatusCode.Created) await Task.Delay(100, CancellationToken.None);
        }
    })));

    public string Term(int writer, int n) => $"fault-{Run}-{writer}-{n}";

    /// <summary>Waits, bounded, until <paramref name="more"/> further writes are acknowledged (a restarted registry compiles its routes on first use).</summary>
    public async Task<bool> AcknowledgedAsync(int more, TimeSpan within)
    {
        var target = Acknowledged.Count + more;
        var deadline = DateTime.UtcNow + within;
        while (Acknowledged.Count < target)
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }
        return true;
    }

    public static object AdverseEvent(string term) => new { term, grade = 1, onsetOn = "2020-02-01", serious = false, attribution = "Unrelated" };

    private static async Task<HttpStatusCode?> PostAsync(HttpClient client, Uri uri, object body)
    {
        try
        {
            using var response = await client.PostAsJsonAsync(uri, body);
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    /// <summary>How many times each of this load's marker terms is recorded in the event store.</summary>
    public async Task<Dictionary<string, int>> RecordedTermsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select data->>'term', count(*) from {EventStoreConfiguration.Schema}.mt_events where data->>'term' like $1 group by 1", connection)
        {
            Parameters = { new() { Value = $"fault-{Run}-%" } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        var terms = new Dictionary<string, int>();
        while (await reader.ReadAsync()) terms[reader.GetString(0)] = (int)reader.GetInt64(1);
        return terms;
    }

    /// <summary>Waits, bounded, until the async outcome projection has processed every event in the store; how long it took.</summary>
    public static async Task<TimeSpan> ProjectionCaughtUpAsync(string connectionString, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(
                    $"select (select coalesce(max(seq_id), 0) from {EventStoreConfiguration.Schema}.mt_events), " +
                    $"(select coalesce(max(last_seq_id), 0) from {EventStoreConfiguration.Schema}.mt_event_progression where name like 'PatientOutcomeRows%')", connection);
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                var (last, projected) = (reader.GetInt64(0), reader.GetInt64(1));
                if (projected >= last) return watch.Elapsed;
                if (watch.Elapsed > within)
                    throw new TimeoutException($"The outcome projection stayed at event {projected} of {last} for {within}.");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>The registry's own verification of every hash chain, as an auditor calls it.</summary>
    public static async Task<JsonElement> VerifyAsync(Uri registry)
    {
        using var auditor = Client(registry, Auditor);
        using var response = await auditor.GetAsync("/api/audit/verify");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A client with a generous timeout: a registry compiles each route on its first request, slowly on a busy machine.</summary>
    public static HttpClient Client(Uri registry, string token)
    {
        var client = new HttpClient { BaseAddress = registry, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    private static async Task<Guid> Created(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"Expected 201, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.TryGetProperty("patientId", out var patient) ? patient.GetGuid() : body.GetProperty("id").GetGuid();
    }
}
