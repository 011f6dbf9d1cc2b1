using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Registry.Benchmarks.Scale;

/// <summary>What the load of a data directory measured, kept beside it so a rerun can reuse the directory and still quote it.</summary>
public sealed record LoadMarker(string StudyCode, int Scale, int Patients, long Entries, double Seconds, double VerbSeconds, LoadAverage LoadStart,
    LoadAverage LoadEnd, string Commit, DateTime LoadedAt, long? Events = null)
{
    public const string FileName = "scale-loaded.json";
}

/// <summary>
/// Issue 13's benchmark in one run: writes, bulk load and import, rebuild, views and freshness, memory — each beside a
/// baseline measured in the same run on the same PostgreSQL cluster, with the load average around each measurement.
/// </summary>
public sealed class ScaleRun(ScaleOptions options)
{
    private readonly RegistryBinary _registry = RegistryBinary.Locate(options.Repository, options.DataDirectory);
    private readonly LoadAverage _loadAtStart = LoadAverage.Now();
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly string _commit = Commit(options.Repository);
    private ScaleReport _report = null!;
    private string _logPath = "";

    public async Task<int> RunAsync()
    {
        Directory.CreateDirectory(options.OutputDirectory);
        if (options.Fresh && Directory.Exists(options.DataDirectory)) Directory.Delete(options.DataDirectory, recursive: true);
        Directory.CreateDirectory(options.DataDirectory);
        _logPath = Path.Combine(options.DataDirectory, "scale-registry.log");
        Console.WriteLine($"Scale benchmark on commit {_commit}: {options.StudyCode} (~{options.Patients:N0} patients), data directory {options.DataDirectory}" +
                          $"{(options.Quick ? ", quick" : "")}; registry log {_logPath}; load average {_loadAtStart.One:F2} {_loadAtStart.Five:F2} {_loadAtStart.Fifteen:F2}");

        var (marker, reused) = await LoadAsync();
        _report = new ScaleReport(Header(marker, reused, marker.Events ?? 0));
        ScaleReport.PrintColumns();
        _report.Note($"Registry: {_registry.Description}.");
        if (reused)
            _report.Note($"Data directory {options.DataDirectory} reused: loaded {marker.LoadedAt:yyyy-MM-dd HH:mm} UTC by commit {marker.Commit}; its load figure is from then ({LoadMarker.FileName}), rerun with --fresh to measure it again.");

        (double Seconds, LoadAverage Start, LoadAverage End, string Output)? rebuild = null;
        if (options.Phases.Contains("rebuild")) rebuild = await RebuildAsync();

        var environment = new Dictionary<string, string>
        {
            // The benchmark is one user asking far more than a person at a dashboard: lift the per-user view limits.
            ["Registry__RateLimits__PerMinute"] = "1000000",
            ["Registry__RateLimits__Burst"] = "1000000",
            ["Registry__RateLimits__QueuedRequests"] = "1000",
        };
        var serverStart = LoadAverage.Now();
        var started = Stopwatch.StartNew();
        await using var server = _registry.Serve(_logPath, environment);
        using var api = new RegistryApi(server.Url);
        await server.WaitHealthyAsync(api.Http, TimeSpan.FromMinutes(5));
        var healthySeconds = started.Elapsed.TotalSeconds;
        var healthyLoad = LoadAverage.Now();
        var rssAtStart = server.ResidentMegabytes();
        var raw = RawPostgres.FromServerLog(server.Lines);

        var events = await raw.EventCountAsync();
        if (marker.Events is null)
        {
            marker = marker with { Events = events };
            await File.WriteAllTextAsync(Path.Combine(options.DataDirectory, LoadMarker.FileName), JsonSerializer.Serialize(marker));
        }
        var behindAtStart = await raw.EventsBehindAsync();
        var catchUp = await WaitCaughtUpAsync(raw, server);
        var rssCaughtUp = server.ResidentMegabytes();
        // The writes and views are measured on a server done reading its study views ahead, not beside that read.
        await server.WaitViewsWarmedAsync(TimeSpan.FromMinutes(5));
        _report.Header = Header(marker, reused, events);

        var admin = await _registry.TokenAsync("bench-admin", "admin");
        var auditor = await _registry.TokenAsync("bench-auditor", "auditor");
        var investigator = await _registry.TokenAsync("bench-investigator", "investigator");
        var studyId = await api.StudyIdAsync(options.StudyCode, investigator);

        string? nodesCoordinator = null;
        IReadOnlyList<ListedPatient>? nodesWriters = null;
        await raw.PrepareScratchAsync();
        try
        {
            double? copyRate = null;
            (double Rows, double Seconds, LoadAverage Start, LoadAverage End)? scan = null;
            if (options.Phases.Overlaps(["raw", "load", "import", "rebuild"]))
            {
                Console.WriteLine("Baselines on the registry's cluster: COPY of event rows, scan of mt_events ...");
                var sample = await raw.SampleEventsAsync(5_000);
                var s0 = LoadAverage.Now();
                var copySeconds = await raw.CopyEventsAsync(sample, events);
                copyRate = events / copySeconds;
                var s1 = LoadAverage.Now();
                var (rows, seconds) = await raw.ScanEventsAsync();
                scan = (rows, seconds, s1, LoadAverage.Now());
                _report.Add(new Figure("Bulk load and import", $"raw COPY of {events:N0} event rows", null, "COPY (format binary), one transaction",
                    Measured.OfRate(copyRate.Value, "events/s", copySeconds), null, "", null, s0, s1, "the baseline of the two rows below"));
            }

            if (options.Phases.Contains("load") || !reused)
                _report.Add(new Figure("Bulk load and import", $"seed --scale {options.Scale} ({marker.Entries:N0} entries, {marker.Patients:N0} patients)",
                    Measured.OfRate(marker.Entries / marker.Seconds, "events/s", marker.Seconds), "raw COPY",
                    copyRate is { } c1 ? Measured.OfRate(c1, "events/s", events / c1) : null, copyRate is { } c2 ? marker.Entries / marker.Seconds / c2 : null,
                    "of raw", "≥ 20 000 events/s; 10 000 patients in < 15 s", marker.LoadStart, marker.LoadEnd,
                    (reused ? $"measured {marker.LoadedAt:yyyy-MM-dd HH:mm} UTC, commit {marker.Commit}; " : "") + $"verb's own time {marker.VerbSeconds:F1} s"));

            if (rebuild is { } r && scan is { } sc)
                _report.Add(new Figure("Rebuild", $"rebuild verb, {events:N0} events (registry stopped)", Measured.OfRate(events / r.Seconds, "events/s", r.Seconds),
                    "raw scan of mt_events (data, headers)", Measured.OfRate(sc.Rows / sc.Seconds, "events/s", sc.Seconds),
                    events / r.Seconds / (sc.Rows / sc.Seconds), "of raw", "≥ 50 000 events/s", r.Start, r.End, RebuildDetail(r.Output)));

            if (behindAtStart is > 0 and { } behind && scan is { } sc2 && catchUp.Seconds > 0)
                _report.Add(new Figure("Rebuild", $"async projections catching up at start ({behind:N0} events)", Measured.OfRate(behind / catchUp.Seconds, "events/s", catchUp.Seconds),
                    "raw scan of mt_events (data, headers)", Measured.OfRate(sc2.Rows / sc2.Seconds, "events/s", sc2.Seconds),
                    behind / catchUp.Seconds / (sc2.Rows / sc2.Seconds), "of raw", null, catchUp.Start, catchUp.End, "after a load: the outcome rows the seed leaves to the daemon"));

            _report.Add(new Figure("Memory", "API resident memory after start", new Measured(rssAtStart, "MB", null, null, null, null), "—", null, null, "", null,
                serverStart, healthyLoad, $"/health answered {healthySeconds:F1} s after launch"));
            _report.Add(new Figure("Memory", "API resident memory after catch-up", new Measured(rssCaughtUp, "MB", null, null, null, null), "—", null, null, "", null,
                catchUp.Start, catchUp.End, $"{behindAtStart?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} events behind at start, caught up in {catchUp.Seconds:F1} s"));

            // The patients on treatment with the fewest entries: every run adds to the patients it writes to, and the same
            // first ones of the list, grown run after run, would be timed instead of typical charts.
            var onTreatment = (await api.PatientsAsync(studyId, auditor, "OnTreatment", 0, Math.Max(5_000, options.WritePatients + options.FreshnessTrials)))
                .OrderBy(p => p.Version).ThenBy(p => p.SubjectCode, StringComparer.Ordinal).Take(options.WritePatients + options.FreshnessTrials).ToList();
            if (onTreatment.Count < 8 + options.FreshnessTrials)
                throw new BenchmarkSetupException($"{options.StudyCode} has only {onTreatment.Count} patients on treatment; the writes and freshness need {8 + options.FreshnessTrials}.");
            var freshnessPatients = onTreatment.TakeLast(options.FreshnessTrials).ToList();
            var writers = onTreatment.SkipLast(options.FreshnessTrials).ToList();
            var coordinator = await _registry.TokenAsync("bench-coordinator", "coordinator", onTreatment.Select(p => p.Site).Distinct().Order());

            if (options.Phases.Contains("raw") || options.Phases.Contains("writes"))
                await PhaseAsync("writes", () => WritesAsync(raw, api, coordinator, writers, server.ProcessId));
            (nodesCoordinator, nodesWriters) = (coordinator, writers);

            if (options.Phases.Contains("freshness"))
            {
                await WaitCaughtUpAsync(raw, server);
                await PhaseAsync("freshness", () => FreshnessAsync(api, studyId, investigator, coordinator, freshnessPatients));
            }

            if (options.Phases.Contains("import"))
                await PhaseAsync("import", () => ImportAsync(raw, api, studyId, investigator, copyRate));

            if (options.Phases.Contains("views"))
            {
                await WaitCaughtUpAsync(raw, server);
                await PhaseAsync("views", () => ViewsAsync(api, server, studyId, investigator));
            }
        }
        finally
        {
            await raw.DropScratchAsync();
        }

        var finalEvents = await raw.EventCountAsync();
        if (options.Phases.Contains("nodes"))
        {
            // Two processes sharing the database must both let Wolverine place the projections, so this one goes first.
            await server.DisposeAsync();
            await PhaseAsync("nodes", () => SeveralNodes.RunAsync(_registry, options, _report, options.DataDirectory, environment, nodesCoordinator!, investigator,
                studyId, nodesWriters!));
        }
        _report.Header = _report.Header with { Finished = DateTime.UtcNow, LoadEnd = LoadAverage.Now(), Events = finalEvents };
        var name = $"scale-{options.Patients}{(options.Quick ? "-quick" : "")}";
        var markdown = Path.Combine(options.OutputDirectory, name + ".md");
        await File.WriteAllTextAsync(markdown, _report.ToMarkdown());
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, name + ".json"), _report.ToJson());
        Console.WriteLine($"Results: {markdown} (and .json); load average at the end {_report.Header.LoadEnd.One:F2} {_report.Header.LoadEnd.Five:F2} {_report.Header.LoadEnd.Fifteen:F2}.");
        return 0;
    }

    /// <summary>A phase that breaks is reported and the run goes on to the next, so one failure does not cost the other figures.</summary>
    private async Task PhaseAsync(string phase, Func<Task> run)
    {
        try { await run(); }
        catch (Exception problem) when (problem is BenchmarkSetupException or UnexpectedAnswerException or HttpRequestException)
        {
            _report.Note($"The {phase} phase failed: {problem.Message}");
        }
    }

    private ScaleRunHeader Header(LoadMarker marker, bool reused, long events) =>
        new(_commit, options.StudyCode, marker.Patients, events, options.Quick, reused, _started, DateTime.UtcNow, _loadAtStart, LoadAverage.Now());

    /// <summary>Loads the demo study into the data directory with the `seed` verb, unless an earlier run did (its marker says so).</summary>
    private async Task<(LoadMarker Marker, bool Reused)> LoadAsync()
    {
        var path = Path.Combine(options.DataDirectory, LoadMarker.FileName);
        if (File.Exists(path) && JsonSerializer.Deserialize<LoadMarker>(await File.ReadAllTextAsync(path)) is { } existing && existing.StudyCode == options.StudyCode)
            return (existing, true);
        if (Directory.EnumerateFileSystemEntries(options.DataDirectory).Any(e => Path.GetFileName(e) == "postgres"))
            throw new BenchmarkSetupException($"{options.DataDirectory} holds a cluster but no {LoadMarker.FileName} (a load that did not finish?): rerun with --fresh.");
        Console.WriteLine($"Loading {options.StudyCode} with `seed --study {ScaleOptions.DemoStudy} --scale {options.Scale}` (once per data directory) ...");
        var start = LoadAverage.Now();
        var watch = Stopwatch.StartNew();
        var output = await _registry.RunAsync(["seed", "--study", ScaleOptions.DemoStudy, "--scale", options.Scale.ToString(CultureInfo.InvariantCulture)],
            echo: true);
        var seconds = watch.Elapsed.TotalSeconds;
        var loaded = Regex.Match(output, @"Loaded \S+ \([^)]*\): (?<patients>\d+) patients, (?<entries>\d+) entries.*in (?<seconds>[\d.]+) s\.");
        if (!loaded.Success) throw new BenchmarkSetupException($"`seed` did not say what it loaded:{Environment.NewLine}{output}");
        var marker = new LoadMarker(options.StudyCode, options.Scale, int.Parse(loaded.Groups["patients"].Value), long.Parse(loaded.Groups["entries"].Value),
            seconds, double.Parse(loaded.Groups["seconds"].Value, CultureInfo.InvariantCulture), start, LoadAverage.Now(), _commit, DateTime.UtcNow);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(marker));
        return (marker, false);
    }

    private async Task<(double Seconds, LoadAverage Start, LoadAverage End, string Output)> RebuildAsync()
    {
        Console.WriteLine("Rebuilding every projection with the `rebuild` verb (registry stopped) ...");
        var start = LoadAverage.Now();
        var watch = Stopwatch.StartNew();
        var log = new StringWriter();
        await _registry.RunAsync(["rebuild"], log, echo: true);
        return (watch.Elapsed.TotalSeconds, start, LoadAverage.Now(), log.ToString());
    }

    /// <summary>The verb's own account of where the time went, when it gives one (a line per projection with its seconds).</summary>
    private static string? RebuildDetail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => Regex.IsMatch(l, @"\d+(\.\d+)?\s*s\b")).ToList();
        return lines.Count == 0 ? "wall time of the verb, including its start" : "wall time of the verb, including its start; " + string.Join("; ", lines.TakeLast(4));
    }

    /// <summary>Waits until every async projection has reached the newest event (Marten's mt_event_progression).</summary>
    private static async Task<(double Seconds, LoadAverage Start, LoadAverage End)> WaitCaughtUpAsync(RawPostgres raw, RunningRegistry server)
    {
        var start = LoadAverage.Now();
        var watch = Stopwatch.StartNew();
        var lastShown = TimeSpan.Zero;
        while (true)
        {
            if (server.HasExited) throw new BenchmarkSetupException("The registry exited while its projections were catching up (see its log).");
            var behind = await raw.EventsBehindAsync();
            if (behind == 0) return (watch.Elapsed.TotalSeconds, start, LoadAverage.Now());
            if (behind is null && watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                Console.WriteLine("  note: no async projection has recorded progress in 60 s; timing the views as they are.");
                return (watch.Elapsed.TotalSeconds, start, LoadAverage.Now());
            }
            if (watch.Elapsed > TimeSpan.FromMinutes(60)) throw new BenchmarkSetupException($"The async projections are still {behind} events behind after an hour.");
            if (watch.Elapsed - lastShown > TimeSpan.FromSeconds(10))
            {
                lastShown = watch.Elapsed;
                Console.WriteLine($"  waiting for the async projections: {behind?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} events behind, {watch.Elapsed.TotalSeconds:F0} s");
            }
            await Task.Delay(200);
        }
    }

    private async Task WritesAsync(RawPostgres raw, RegistryApi api, string coordinator, IReadOnlyList<ListedPatient> writers, int apiProcess)
    {
        var cpu = raw.ClusterDirectory is { } cluster ? new ProcessorTime([apiProcess], cluster) : null;
        var level = options.WriteCount is { } count ? $"{count:N0} writes" : $"{options.WriteDuration.TotalSeconds:F0} s";
        Console.WriteLine($"Writes: {level} per level after {options.WriteWarmUp.TotalSeconds:F0} s warm-up ...");
        var days = new ConcurrentDictionary<Guid, int>();
        var entries = writers.Average(p => (double)p.Version);
        foreach (var clients in options.WriteClients)
        {
            // The server has just started: a longer first warm-up so the first level is not timing the JIT.
            var warmUp = clients == options.WriteClients[0] ? 4 * options.WriteWarmUp : options.WriteWarmUp;
            var r0 = LoadAverage.Now();
            var cpu0 = cpu?.Now();
            var client0 = ProcessorTime.Client();
            var (rows, rawSeconds, rawLatencies, inserted) = await raw.InsertAsync(clients, warmUp, options.WriteDuration);
            var cpu1 = cpu?.Now();
            var client1 = ProcessorTime.Client();
            var r1 = LoadAverage.Now();
            var rawCpu = cpu0 is { } a0 && cpu1 is { } a1
                ? $"PostgreSQL {Milliseconds(a1.Postgres - a0.Postgres, inserted)} ms CPU per insert, client {Milliseconds(client1 - client0, inserted)} ms"
                : null;
            var baseline = Measured.OfRate(rows / rawSeconds, "tps", rawSeconds, rawLatencies);
            if (!options.Phases.Contains("writes"))
            {
                _report.Add(new Figure("Writes", $"raw insert, {clients} client{(clients > 1 ? "s" : "")}", null, "1 KB jsonb row, autocommit", baseline, null, "", null, r0, r1));
                continue;
            }
            int NextDay(ListedPatient p) => days.AddOrUpdate(p.PatientId, 0, (_, d) => (d + 1) % 1_500);
            var warmedUp = 0L;
            if (options.WriteCount is not null)
            {
                // The warm-up on its own, so the CPU below is counted over the fixed number of writes alone.
                warmedUp = (await ApiWrites.RunAsync(api, coordinator, writers, clients, TimeSpan.Zero, warmUp, NextDay)).Written;
                (cpu1, client1) = (cpu?.Now(), ProcessorTime.Client());
            }
            var (accepted, refused, seconds, latencies, refusal, written) = options.WriteCount is { } fixedCount
                ? await ApiWrites.RunAsync(api, coordinator, writers, clients, TimeSpan.Zero, TimeSpan.Zero, NextDay, fixedCount)
                : await ApiWrites.RunAsync(api, coordinator, writers, clients, warmUp, options.WriteDuration, NextDay);
            var cpu2 = cpu?.Now();
            var client2 = ProcessorTime.Client();
            var digits = options.WriteCount is null ? 2 : 3;
            var writeCpu = cpu1 is { } b1 && cpu2 is { } b2
                ? $"CPU per write: API {Milliseconds(b2.Api - b1.Api, written, digits)} ms, PostgreSQL {Milliseconds(b2.Postgres - b1.Postgres, written, digits)} ms, " +
                  $"client {Milliseconds(client2 - client1, written, digits)} ms" +
                  (options.WriteCount is null ? "" : $" (over the {written:N0} writes after the warm-up)") + $"; raw: {rawCpu}"
                : null;
            entries += (warmedUp + written) / (double)writers.Count;
            var charts = $"{writers.Count} patients in turn, ~{entries:F0} entries each by the end";
            var registry = Measured.OfRate(accepted / seconds, "events/s", seconds, latencies);
            _report.Add(new Figure("Writes", $"POST follow-up, {clients} client{(clients > 1 ? "s" : "")}", registry, "raw 1 KB jsonb insert", baseline,
                registry.Rate / baseline.Rate, "of raw", clients == 4 ? "≥ 30% of raw, p99 < 25 ms" : null, r0, LoadAverage.Now(),
                string.Join("; ", new[] { charts, writeCpu, refused > 0 ? $"{refused} refused, first: {refusal}" : null }.OfType<string>()) is { Length: > 0 } note ? note : null));
        }
    }

    /// <summary>CPU seconds spread over <paramref name="count"/> operations, in ms (with a timed level the warm-up's CPU is in the span too).</summary>
    private static string Milliseconds(double cpuSeconds, long count, int digits = 2) =>
        count == 0 || double.IsNaN(cpuSeconds) ? "—" : (1000 * cpuSeconds / count).ToString($"F{digits}", CultureInfo.InvariantCulture);

    private async Task FreshnessAsync(RegistryApi api, Guid studyId, string investigator, string coordinator, IReadOnlyList<ListedPatient> patients)
    {
        Console.WriteLine($"Freshness: {patients.Count} progressions, each polled in the live survival view until it counts ...");
        var survival = $"/api/studies/{studyId}/survival";
        async Task<(int Events, double Ms)> EventsAsync()
        {
            var watch = Stopwatch.StartNew();
            var view = await api.GetJsonAsync(survival, investigator);
            return (view["arms"]!.AsArray().Sum(a => (int)a!["events"]!), watch.Elapsed.TotalMilliseconds);
        }
        var start = LoadAverage.Now();
        var delays = new List<double>();
        var requests = new List<double>();
        var missed = 0;
        var random = new Random(13);
        var progressedOn = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var patient in patients)
        {
            var (before, _) = await EventsAsync();
            await Task.Delay(random.Next(0, 500));
            await api.TimedAsync(RegistryApi.Request(HttpMethod.Post, $"/api/patients/{patient.PatientId}/progressions", coordinator,
                new { progressedOn, basis = "Radiological" }), HttpStatusCode.Created);
            var posted = Stopwatch.StartNew();
            while (true)
            {
                var (now, ms) = await EventsAsync();
                requests.Add(ms);
                if (now > before) { delays.Add(posted.Elapsed.TotalMilliseconds); break; }
                if (posted.Elapsed > TimeSpan.FromSeconds(30)) { missed++; break; }
            }
        }
        _report.Add(new Figure("Views", "freshness: a progression visible in live /survival", delays.Count > 0 ? Measured.OfLatencies(delays) : null,
            "one live /survival request (the polling step)", Measured.OfLatencies(requests), null, "", "< 1 s p99", start, LoadAverage.Now(),
            missed > 0 ? $"{missed} not seen within 30 s" : $"{delays.Count} trials"));
    }

    /// <summary>
    /// The import path on the study's own export: the subjects and events CSV into a fresh database on the same cluster
    /// (its study registered from the exported protocol by a second registry process), timed as the `import` verb runs.
    /// </summary>
    private async Task ImportAsync(RawPostgres raw, RegistryApi api, Guid studyId, string investigator, double? copyRate)
    {
        Console.WriteLine("Import: the study's CSV export into a fresh database on the same cluster ...");
        var work = Path.Combine(options.DataDirectory, "scale-import");
        Directory.CreateDirectory(work);
        var subjects = Path.Combine(work, "subjects.csv");
        var entries = Path.Combine(work, "events.csv");
        await File.WriteAllTextAsync(subjects, await api.GetTextAsync($"/api/studies/{studyId}/export/subjects.csv", investigator));
        await File.WriteAllTextAsync(entries, await api.GetTextAsync($"/api/studies/{studyId}/export/events.csv", investigator));
        var protocol = JsonNode.Parse(await api.GetTextAsync($"/api/studies/{studyId}/protocol.json", investigator))!;

        const string database = "registry_benchmark_import";
        await raw.ExecuteAsync($"drop database if exists {database} with (force)");
        await raw.ExecuteAsync($"create database {database}");
        var target = raw.ForDatabase(database);
        var environment = new Dictionary<string, string> { ["ConnectionStrings__Registry"] = target.ConnectionString };
        try
        {
            await using (var second = _registry.Serve(Path.Combine(work, "registry.log"), environment))
            {
                using var secondApi = new RegistryApi(second.Url);
                await second.WaitHealthyAsync(secondApi.Http, TimeSpan.FromMinutes(5));
                var admin = await _registry.TokenAsync("bench-admin", "admin");
                using var response = await secondApi.Http.SendAsync(RegistryApi.Request(HttpMethod.Post, "/api/studies", admin, protocol));
                if (response.StatusCode != HttpStatusCode.Created)
                    throw new BenchmarkSetupException($"Registering {options.StudyCode} for the import answered {(int)response.StatusCode}: {RegistryApi.Shorten(await response.Content.ReadAsStringAsync())}");
            }
            var before = await target.EventCountAsync();
            var start = LoadAverage.Now();
            var watch = Stopwatch.StartNew();
            var output = await _registry.RunAsync(["import", "--study", options.StudyCode, "--subjects", subjects, "--events", entries], environment: environment);
            var seconds = watch.Elapsed.TotalSeconds;
            var end = LoadAverage.Now();
            var imported = await target.EventCountAsync() - before;
            var registry = Measured.OfRate(imported / seconds, "events/s", seconds);
            _report.Add(new Figure("Bulk load and import", $"import verb, CSV export ({imported:N0} events)", registry, "raw COPY",
                copyRate is { } c ? Measured.OfRate(c, "events/s", imported / c) : null, copyRate is { } c2 ? registry.Rate / c2 : null, "of raw",
                "≥ 20 000 events/s", start, end, "wall time of the verb: reading, checking every row, recording; " +
                string.Join("; ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(2)
                    .Select(line => Regex.Replace(line, @" \(sha256 [0-9a-f]+\)", "")))));
        }
        finally
        {
            await raw.ExecuteAsync($"drop database if exists {database} with (force)");
        }
    }

    private async Task ViewsAsync(RegistryApi api, RunningRegistry server, Guid studyId, string investigator)
    {
        var routes = StudyViewRoutes.From(JsonNode.Parse(await api.Http.GetStringAsync("/openapi/v1.json"))!)
            .Where(r => !options.SkippedViews.Any(skipped => r.Path.Contains(skipped, StringComparison.Ordinal)))
            .Where(r => options.ViewsAsked.Count == 0 || options.ViewsAsked.Any(asked => r.Path.Contains(asked, StringComparison.Ordinal)))
            // Table 1 last: today its exact tests can run for minutes and keep computing after the client gives up.
            .OrderBy(r => r.Path.Contains("/baseline", StringComparison.Ordinal)).ToList();
        if (options.SkippedViews.Count > 0) _report.Note($"Views left out (--skip-views): routes containing {string.Join(", ", options.SkippedViews)}.");
        if (options.ViewsAsked.Count > 0) _report.Note($"Views asked for (--views): only routes containing {string.Join(", ", options.ViewsAsked)}.");
        Console.WriteLine($"Views: {routes.Count} routes from /openapi/v1.json, up to {options.ViewRequests} sequential requests or {options.ViewBudget.TotalSeconds:F0} s each after warm-up ...");

        var peak = server.ResidentMegabytes();
        // Which view was being measured when the peak was sampled: where to look when it moves.
        var (measuring, peakDuring) = ("/health", "/health");
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var now = server.ResidentMegabytes();
                if (now > peak) (peak, peakDuring) = (now, Volatile.Read(ref measuring));
                try { await Task.Delay(100, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        var viewsStart = LoadAverage.Now();

        var healthStart = LoadAverage.Now();
        var health = await LatenciesAsync(api, "/health", null);
        var healthMeasured = Measured.OfLatencies(health.Measured!);
        _report.Add(new Figure("Views", "/health", healthMeasured, "—", null, null, "", null, healthStart, LoadAverage.Now(), "the baseline of the live views"));

        foreach (var route in routes)
        {
            var name = route.Path.Replace($"/api/studies/{{studyId}}/", "");
            Volatile.Write(ref measuring, name);
            var s0 = LoadAverage.Now();
            var live = await LatenciesAsync(api, route.For(studyId), investigator);
            if (live.Measured is null)
            {
                _report.Add(new Figure("Views", name, null, "/health", healthMeasured, null, "", null, s0, LoadAverage.Now(), live.Problem));
                continue;
            }
            var liveMeasured = Measured.OfLatencies(live.Measured);
            _report.Add(new Figure("Views", name, liveMeasured, "/health", healthMeasured, liveMeasured.P50Ms / healthMeasured.P50Ms, "p50 of /health's",
                "p99 < 100 ms (10k), < 250 ms (100k)", s0, LoadAverage.Now(), live.FirstNote));
            foreach (var (parameter, value) in new[] { ("consistent", "true"), ("asOf", options.AsOf), ("dataCut", options.DataCut) })
            {
                if (!route.Takes(parameter)) continue;
                Volatile.Write(ref measuring, $"{name} {parameter}={value}");
                var v0 = LoadAverage.Now();
                var (liveBeside, variant) = await AlternatedLatenciesAsync(api, route.For(studyId), route.For(studyId, (parameter, value)), investigator);
                var measured = variant.Measured is null ? null : Measured.OfLatencies(variant.Measured);
                var baseline = liveBeside.Measured is null ? liveMeasured : Measured.OfLatencies(liveBeside.Measured);
                _report.Add(new Figure("Views", $"{name} {parameter}={value}", measured, "the live view, asked in turn with it", baseline, measured?.P50Ms / baseline.P50Ms,
                    "p50 of live", "within 2× of live", v0, LoadAverage.Now(), variant.FirstNote));
                if (variant.TimedOut) break;
            }
            if (route.Path.Contains("/datasets/ad", StringComparison.Ordinal) && !live.TimedOut)
            {
                // As a browser or curl --compressed asks: the kept bytes sent as they are, timed to their last byte, not inflated here.
                Volatile.Write(ref measuring, $"{name} (Accept-Encoding: deflate)");
                var d0 = LoadAverage.Now();
                var both = await LatenciesAsync(api, [route.For(studyId), route.For(studyId)], investigator, deflateLast: true);
                var file = both[0].Measured is null ? liveMeasured : Measured.OfLatencies(both[0].Measured!);
                var deflated = both[1].Measured is null ? null : Measured.OfLatencies(both[1].Measured!);
                _report.Add(new Figure("Views", $"{name} (Accept-Encoding: deflate)", deflated, "the file itself, asked in turn with it", file, deflated?.P50Ms / file.P50Ms,
                    "p50 of the file's", "p99 < 100 ms (10k), < 250 ms (100k)", d0, LoadAverage.Now(), string.Join("; ", new[] { both[1].FirstNote, "the kept bytes as sent, not inflated by the client" }.OfType<string>())));
            }
            if (live.TimedOut) break;
        }
        await sampling.CancelAsync();
        await sampler;
        _report.Add(new Figure("Memory", "API resident memory, peak during the view load", new Measured(peak, "MB", null, null, null, null), "—", null, null, "",
            "< 600 MB at 100 000 patients", viewsStart, LoadAverage.Now(), $"sampled while {peakDuring} was measured"));
    }

    /// <summary>
    /// Sequential requests to one route after warm-up: up to the request count or the time budget, whichever comes first.
    /// The first warm-up request is reported on its own: it pays for reading the study's patients when no set is kept.
    /// </summary>
    private async Task<Latencies> LatenciesAsync(RegistryApi api, string path, string? token) =>
        (await LatenciesAsync(api, [path], token))[0];

    /// <summary>
    /// A variant asked in turn with its live view (live, variant, live, …) once the variant is warm, so both medians are
    /// taken over the same seconds of a shared machine and their ratio measures the registry, not the load that came and
    /// went between two separate runs.
    /// </summary>
    private async Task<(Latencies Live, Latencies Variant)> AlternatedLatenciesAsync(RegistryApi api, string live, string variant, string? token)
    {
        var both = await LatenciesAsync(api, [live, variant], token);
        return (both[0], both[1]);
    }

    /// <summary>
    /// Warms the last path (its first request reported on its own), then asks the paths in turn up to the request count
    /// each or the time budget per path, whichever comes first; with <paramref name="deflateLast"/>, the last path asks for the deflate coding.
    /// </summary>
    private async Task<Latencies[]> LatenciesAsync(RegistryApi api, string[] paths, string? token, bool deflateLast = false)
    {
        HttpRequestMessage Request(int p)
        {
            var request = token is null ? new HttpRequestMessage(HttpMethod.Get, paths[p]) : RegistryApi.Request(HttpMethod.Get, paths[p], token);
            if (deflateLast && p == paths.Length - 1) request.Headers.AcceptEncoding.ParseAdd("deflate");
            return request;
        }
        var latencies = paths.Select(_ => new List<double>()).ToArray();
        double? first = null;
        Latencies[] Each(Func<List<double>, Latencies> answer) => latencies.Select(answer).ToArray();
        Latencies[] WithFirst(Latencies[] each) => [.. each[..^1], each[^1] with { FirstMs = first }];
        try
        {
            for (var i = 0; i < (options.Quick ? 1 : 3); i++)
            {
                using var warm = new CancellationTokenSource(options.ViewTimeout);
                var ms = await api.TimedAsync(Request(paths.Length - 1), HttpStatusCode.OK, warm.Token);
                first ??= ms;
                if (ms > options.ViewBudget.TotalMilliseconds / 3) break;
            }
            var budget = Stopwatch.StartNew();
            while (latencies[^1].Count < options.ViewRequests && (budget.Elapsed < options.ViewBudget * paths.Length || latencies[^1].Count < 3))
                for (var p = 0; p < paths.Length; p++)
                {
                    using var timeout = new CancellationTokenSource(options.ViewTimeout);
                    latencies[p].Add(await api.TimedAsync(Request(p), HttpStatusCode.OK, timeout.Token));
                }
            return WithFirst(Each(l => new(l, l.Count < options.ViewRequests ? $"{l.Count} requests in the {options.ViewBudget.TotalSeconds:F0} s budget" : null, false, null)));
        }
        catch (UnexpectedAnswerException refused) { return WithFirst(Each(_ => new(null, refused.Message, false, null))); }
        catch (OperationCanceledException)
        {
            return WithFirst(Each(_ => new(null, $"no answer within {options.ViewTimeout.TotalSeconds:F0} s; the route's later variants and the routes after it are skipped", true, null)));
        }
    }

    private sealed record Latencies(List<double>? Measured, string? Problem, bool TimedOut, double? FirstMs)
    {
        public string? FirstNote => FirstMs is { } ms ? $"first request {ms:N0} ms" + (Problem is null ? "" : $"; {Problem}") : Problem;
    }

    private static string Commit(string repository)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", repository, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true })!;
            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? commit : "unknown";
        }
        catch (System.ComponentModel.Win32Exception) { return "unknown"; }
    }
}
