using System.Diagnostics;
using System.Text.Json;
using Alba;
using Marten;
using Npgsql;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Outcomes;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// Study views keep each study's outcomes between requests (<see cref="StudyScopes"/>) and bring them forward by the
/// patients written since: a write changes the next answer, an unchanged store answers from what was kept, a view
/// as of a past moment is not moved by later writes.
/// </summary>
public sealed class KeptScopesTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private async Task<JsonElement> ViewAsync(Guid studyId, string query) =>
        await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{studyId}/{query}");
        })).JsonAsync();

    private async Task<int> PfsEventsAsync(Guid studyId, string query = "") =>
        (await ViewAsync(studyId, $"survival?endpoint=pfs&arms=ITC{query}")).GetProperty("arms")[0].GetProperty("events").GetInt32();

    /// <summary>Two patients treated from 2020-01-10, one per arm; the outcome rows projected before the test goes on.</summary>
    /// <summary>Puts the sets' byte budget back when a test that changed it ends: the store, and so its cache, is the class's.</summary>
    private sealed class BudgetRestored(StudyScopes scopes) : IDisposable
    {
        private readonly long _budget = scopes.MaximumBytesKept;

        public void Dispose() => scopes.MaximumBytesKept = _budget;
    }

    private async Task<(Guid StudyId, Guid Treated, Guid Control)> TwoTreatedPatientsAsync()
    {
        var studyId = await app.RegisteredStudyAsync();
        var treated = await app.EnrolledPatientAsync(studyId);
        var control = await app.EnrolledPatientAsync(studyId, arm: "C");
        foreach (var patient in new[] { treated, control })
        {
            await app.RecordAsync(patient, "treatment-starts", new { startedOn = "2020-01-10" });
            await app.OutcomeRowAsync(patient, 2);
        }
        return (studyId, treated, control);
    }

    private async Task<StudyViewScope> LoadAsync(Guid studyId, string? asOf = null, bool? consistent = null, CancellationToken ct = default)
    {
        await using var session = app.Store.QuerySession();
        var (scope, refusal) = await StudyViewLoader.LoadAsync(session, studyId, asOf, null, consistent, ct);
        Assert.Null(refusal);
        return scope!;
    }

    [Fact]
    public async Task An_unchanged_store_answers_from_the_kept_scope_and_a_write_replaces_it()
    {
        var (studyId, treated, _) = await TwoTreatedPatientsAsync();
        var first = await LoadAsync(studyId);
        Assert.Same(first, await LoadAsync(studyId));
        Assert.False(first.Outcomes.Single(o => o.PatientId == treated).Time("pfs")!.Event);

        await app.RecordAsync(treated, "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });
        await app.OutcomeRowAsync(treated, 3);
        var after = await LoadAsync(studyId);
        Assert.NotSame(first, after);
        Assert.Equal(new TimeToEvent(112, true), after.Outcomes.Single(o => o.PatientId == treated).Time("pfs"));
        // The patient not written is the very outcome kept before: only the written one was read again.
        Assert.Same(first.Outcomes.Single(o => o.PatientId != treated), after.Outcomes.Single(o => o.PatientId != treated));
    }

    [Fact]
    public async Task A_derived_scope_is_kept_once_the_daemon_has_passed_every_event()
    {
        var (studyId, treated, _) = await TwoTreatedPatientsAsync();
        await app.HighWaterCaughtUpAsync();
        var first = await LoadAsync(studyId, consistent: true);
        Assert.Same(first, await LoadAsync(studyId, consistent: true));

        await app.RecordAsync(treated, "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });
        var after = await LoadAsync(studyId, consistent: true);
        Assert.NotSame(first, after);
        Assert.True(after.Outcomes.Single(o => o.PatientId == treated).Time("pfs")!.Event);
        // Met again (above the mark, or passed by it since), the patient's chart has not moved on: the scope and its answers stay.
        Assert.Same(after, await LoadAsync(studyId, consistent: true));
    }

    [Fact]
    public async Task Kept_sets_beyond_the_byte_budget_go_least_recently_used_first_and_answer_the_same_when_read_again()
    {
        var scopes = StudyScopes.Of(app.Store);
        var (first, _, _) = await TwoTreatedPatientsAsync();
        var (second, _, _) = await TwoTreatedPatientsAsync();
        using var restored = new BudgetRestored(scopes);
        // Room for two sets of two patients: a third set pushes out the one used longest ago, never the one just used.
        scopes.MaximumBytesKept = 4 * StudyScopes.BytesPerPatient;
        var firstLive = await LoadAsync(first);
        var secondLive = await LoadAsync(second);
        Assert.Same(firstLive, await LoadAsync(first));
        var secondAsOf = await LoadAsync(second, asOf: "2030-01-01T00:00:00Z");
        Assert.True(scopes.Kept.Patients <= 4, $"{scopes.Kept.Patients} patients kept");
        Assert.Same(secondAsOf, await LoadAsync(second, asOf: "2030-01-01T00:00:00Z"));
        var secondAgain = await LoadAsync(second);
        Assert.NotSame(secondLive, secondAgain);
        Assert.Equal(JsonSerializer.Serialize(secondLive.Outcomes), JsonSerializer.Serialize(secondAgain.Outcomes));
    }

    [Fact]
    public async Task A_moment_taken_from_the_whole_records_set_costs_the_budget_an_entry_per_patient_it_shares()
    {
        var scopes = StudyScopes.Of(app.Store);
        var (studyId, _, _) = await TwoTreatedPatientsAsync();
        using var restored = new BudgetRestored(scopes);
        // Room for the current set and the whole records' set (two patients each), and the two entries of a moment
        // sharing every outcome with the latter: counted as a third full set, it would push the current set out.
        scopes.MaximumBytesKept = 4 * StudyScopes.BytesPerPatient + 2 * StudyScopes.BytesPerSharedPatient;
        var live = await LoadAsync(studyId);
        var whole = await LoadAsync(studyId, consistent: true);
        var moment = await LoadAsync(studyId, asOf: "2030-01-01T00:00:00Z");
        Assert.Same(live, await LoadAsync(studyId));
        Assert.Same(moment, await LoadAsync(studyId, asOf: "2030-01-01T00:00:00Z"));
        Assert.Same(whole, await LoadAsync(studyId, consistent: true));
    }

    [Fact]
    public async Task A_moments_set_goes_before_the_studys_current_and_whole_records_sets_used_longer_ago()
    {
        var scopes = StudyScopes.Of(app.Store);
        var (studyId, _, _) = await TwoTreatedPatientsAsync();
        await app.HighWaterCaughtUpAsync();
        using var restored = new BudgetRestored(scopes);
        // Room for the current and whole records' sets and one moment sharing every outcome with the latter: a second
        // moment pushes out the first, not the current set used before both (read again, it costs every patient's row).
        scopes.MaximumBytesKept = 4 * StudyScopes.BytesPerPatient + 2 * StudyScopes.BytesPerSharedPatient;
        var live = await LoadAsync(studyId);
        var whole = await LoadAsync(studyId, consistent: true);
        var first = await LoadAsync(studyId, asOf: "2030-01-01T00:00:00Z");
        var second = await LoadAsync(studyId, asOf: "2031-01-01T00:00:00Z");
        Assert.Same(second, await LoadAsync(studyId, asOf: "2031-01-01T00:00:00Z"));
        Assert.Same(live, await LoadAsync(studyId));
        Assert.Same(whole, await LoadAsync(studyId, consistent: true));
        Assert.NotSame(first, await LoadAsync(studyId, asOf: "2030-01-01T00:00:00Z"));
    }

    [Fact]
    public async Task A_kept_answer_goes_before_a_moments_set_used_longer_ago()
    {
        var scopes = StudyScopes.Of(app.Store);
        var (studyId, _, _) = await TwoTreatedPatientsAsync();
        await app.HighWaterCaughtUpAsync();
        const long answerBytes = 1_000;
        var mark = new StoreMark(1, null);
        using var restored = new BudgetRestored(scopes);
        // No room at all: reading the current set drops every other study's sets and answers the class kept before.
        scopes.MaximumBytesKept = 0;
        await LoadAsync(studyId);
        // Room for the current and whole records' sets, a moment sharing every outcome with the latter, and one answer:
        // a second answer (a dataset file) pushes out the first, not the moment's set used before both.
        scopes.MaximumBytesKept = 4 * StudyScopes.BytesPerPatient + 2 * StudyScopes.BytesPerSharedPatient + answerBytes + scopes.MaturityBytesKept;
        var live = await LoadAsync(studyId);
        var whole = await LoadAsync(studyId, consistent: true);
        var moment = await LoadAsync(studyId, asOf: "2030-01-01T00:00:00Z");
        scopes.KeepAnswer(studyId, "datasets/adsl.csv", null, null, mark, "adsl", answerBytes, patientsRead: 0);
        scopes.KeepAnswer(studyId, "datasets/adtte.csv", null, null, mark, "adtte", answerBytes, patientsRead: 0);
        Assert.Null(scopes.KeptAnswerAt<string>(studyId, "datasets/adsl.csv", null, null, mark));
        Assert.Equal("adtte", scopes.KeptAnswerAt<string>(studyId, "datasets/adtte.csv", null, null, mark));
        Assert.Same(moment, await LoadAsync(studyId, asOf: "2030-01-01T00:00:00Z"));
        Assert.Same(live, await LoadAsync(studyId));
        Assert.Same(whole, await LoadAsync(studyId, consistent: true));
    }

    [Fact]
    public async Task Outcomes_are_read_in_subject_code_order_whatever_order_the_patients_ids_were_made_in()
    {
        // Ids are made in enrolment order (version 7), so enrolling Z before A puts the ids against the subject codes.
        var studyId = await app.RegisteredStudyAsync();
        string[] codes = ["Z-003", "M-002", "A-001"];
        foreach (var code in codes)
        {
            var patient = await app.EnrolledPatientAsync(studyId, subjectCode: code);
            await app.RecordAsync(patient, "treatment-starts", new { startedOn = "2020-01-10" });
            await app.OutcomeRowAsync(patient, 2);
        }
        string[] ordered = ["A-001", "M-002", "Z-003"];
        Assert.Equal(ordered, (await LoadAsync(studyId)).Outcomes.Select(o => o.SubjectCode));
        Assert.Equal(ordered, (await LoadAsync(studyId, consistent: true)).Outcomes.Select(o => o.SubjectCode));
    }

    [Fact]
    public async Task A_kept_set_brought_forward_places_new_and_written_patients_in_subject_code_order()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patients = new Dictionary<string, Guid>();
        foreach (var code in new[] { "M-003", "Z-005", "A-001" })
        {
            patients[code] = await app.EnrolledPatientAsync(studyId, subjectCode: code);
            await app.RecordAsync(patients[code], "treatment-starts", new { startedOn = "2020-01-10" });
            await app.OutcomeRowAsync(patients[code], 2);
        }
        Assert.Equal(["A-001", "M-003", "Z-005"], (await LoadAsync(studyId)).Outcomes.Select(o => o.SubjectCode));
        Assert.Equal(["A-001", "M-003", "Z-005"], (await LoadAsync(studyId, consistent: true)).Outcomes.Select(o => o.SubjectCode));

        // Kept sets, brought forward by two patients: one enrolled between the kept ones, one written.
        var enrolled = await app.EnrolledPatientAsync(studyId, subjectCode: "F-002");
        await app.RecordAsync(enrolled, "treatment-starts", new { startedOn = "2020-01-10" });
        await app.RecordAsync(patients["M-003"], "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });
        await app.OutcomeRowAsync(enrolled, 2);
        await app.OutcomeRowAsync(patients["M-003"], 3);

        foreach (var consistent in new bool?[] { null, true })
        {
            var outcomes = (await LoadAsync(studyId, consistent: consistent)).Outcomes;
            Assert.Equal(["A-001", "F-002", "M-003", "Z-005"], outcomes.Select(o => o.SubjectCode));
            Assert.True(outcomes.Single(o => o.SubjectCode == "M-003").Time("pfs")!.Event, "M-003's progression is in the set brought forward");
        }
    }

    [Fact]
    public async Task A_kept_live_view_shows_a_new_entry_once_the_daemon_has_projected_it()
    {
        var (studyId, treated, _) = await TwoTreatedPatientsAsync();
        Assert.Equal(0, await PfsEventsAsync(studyId));

        await app.RecordAsync(treated, "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });
        var waited = Stopwatch.StartNew();
        while (await PfsEventsAsync(studyId) != 1)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "The kept live view never showed the progression.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_kept_consistent_view_shows_a_write_at_once()
    {
        var (studyId, treated, control) = await TwoTreatedPatientsAsync();
        Assert.Equal(0, await PfsEventsAsync(studyId, "&consistent=true"));

        await app.RecordAsync(treated, "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });
        Assert.Equal(1, await PfsEventsAsync(studyId, "&consistent=true"));
        // A second write right after, to the other arm, is seen too (the first is still above the daemon's mark or not).
        await app.RecordAsync(control, "deaths", new { diedOn = "2020-03-01", cause = "Disease" });
        var both = await ViewAsync(studyId, "survival?endpoint=pfs&consistent=true");
        Assert.Equal([1, 1], both.GetProperty("arms").EnumerateArray().Select(a => a.GetProperty("events").GetInt32()));
    }

    [Fact]
    public async Task A_view_as_of_a_past_moment_is_not_moved_by_later_writes()
    {
        var (studyId, treated, _) = await TwoTreatedPatientsAsync();
        var before = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");
        await Task.Delay(20);
        Assert.Equal(0, await PfsEventsAsync(studyId, $"&asOf={before}"));

        await app.RecordAsync(treated, "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });
        Assert.Equal(0, await PfsEventsAsync(studyId, $"&asOf={before}"));
        var after = DateTimeOffset.UtcNow.AddSeconds(1).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");
        Assert.Equal(1, await PfsEventsAsync(studyId, $"&asOf={after}"));
    }

    [Fact]
    public async Task A_data_cut_view_drops_what_happened_after_the_cut_and_follows_a_correction()
    {
        var (studyId, treated, _) = await TwoTreatedPatientsAsync();
        await app.RecordAsync(treated, "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });
        Assert.Equal(0, await PfsEventsAsync(studyId, "&dataCut=2020-04-30"));
        Assert.Equal(1, await PfsEventsAsync(studyId, "&dataCut=2020-05-01"));

        // The kept cut is brought forward: a progression before the cut recorded now counts at once.
        var control = (await ViewAsync(studyId, "survival?endpoint=pfs&arms=C&dataCut=2020-04-30")).GetProperty("arms")[0];
        Assert.Equal(0, control.GetProperty("events").GetInt32());
        var controlId = (await LoadAsync(studyId, consistent: true)).Outcomes.Single(o => o.Arm == "C").PatientId;
        await app.RecordAsync(controlId, "progressions", new { progressedOn = "2020-04-01", basis = "Clinical" });
        var moved = (await ViewAsync(studyId, "survival?endpoint=pfs&arms=C&dataCut=2020-04-30")).GetProperty("arms")[0];
        Assert.Equal(1, moved.GetProperty("events").GetInt32());
    }

    [Fact]
    public async Task A_cancelled_load_leaves_the_kept_scope_usable()
    {
        var (studyId, treated, _) = await TwoTreatedPatientsAsync();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => LoadAsync(studyId, consistent: true, ct: cancelled.Token));

        await app.RecordAsync(treated, "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });
        var scope = await LoadAsync(studyId, consistent: true);
        Assert.True(scope.Outcomes.Single(o => o.PatientId == treated).Time("pfs")!.Event);
    }

    [Fact]
    public async Task Maturity_follows_a_new_entry_at_the_latest_cut()
    {
        var (studyId, treated, control) = await TwoTreatedPatientsAsync();
        int LastCutEvents(JsonElement view) => view.GetProperty("cuts").EnumerateArray().Last().GetProperty("events").GetInt32();
        const string query = "maturity?endpoint=pfs&arm=ITC&reference=C";
        Assert.Equal(0, LastCutEvents(await ViewAsync(studyId, query)));
        var figure = await FigureAsync(studyId, $"plots/{query.Replace("maturity?", "maturity.svg?")}");
        Assert.Equal(figure, await FigureAsync(studyId, $"plots/{query.Replace("maturity?", "maturity.svg?")}"));

        await app.RecordAsync(treated, "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });
        await app.RecordAsync(control, "progressions", new { progressedOn = "2020-04-01", basis = "Clinical" });
        var waited = Stopwatch.StartNew();
        while (LastCutEvents(await ViewAsync(studyId, query)) != 2)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "Maturity never showed the progressions at its latest cut.");
            await Task.Delay(50);
        }
        // The figure kept for the earlier points is not handed out for the new ones.
        Assert.NotEqual(figure, await FigureAsync(studyId, $"plots/{query.Replace("maturity?", "maturity.svg?")}"));
    }

    [Fact]
    public async Task The_streams_written_since_a_mark_are_read_through_the_sequence_index_without_statistics()
    {
        var (_, treated, _) = await TwoTreatedPatientsAsync();
        var (_, mark) = await app.EventStoreMarkAsync();
        await app.RecordAsync(treated, "progressions", new { progressedOn = "2020-05-01", basis = "Radiological" });

        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        const string schema = EventStoreConfiguration.Schema;
        // The store as a bulk load leaves it until autovacuum analyzes it: no statistics on the events.
        await using (var forget = new NpgsqlCommand($"delete from pg_statistic where starelid = '{schema}.mt_events'::regclass", connection))
            await forget.ExecuteNonQueryAsync();
        var sql = StudyScopes.StreamsWithEventsAboveSql(schema).Replace("?", "$1");

        var streams = new List<Guid>();
        await using (var read = new NpgsqlCommand(sql, connection) { Parameters = { new NpgsqlParameter { Value = mark } } })
        await using (var reader = await read.ExecuteReaderAsync())
            while (await reader.ReadAsync()) streams.Add(reader.GetGuid(0));
        Assert.Equal([treated], streams);

        // Planned as a small range of the index, not a third of the table scanned (PostgreSQL's guess for an open range).
        var table = PlannedRows(await ExplainAsync(connection, $"select * from {schema}.mt_events", null));
        var range = PlannedRows(await ExplainAsync(connection, sql, mark));
        Assert.True(range * 10 < table, $"The events after the mark were planned as {range} of {table} rows.");
    }

    private static async Task<JsonElement> ExplainAsync(NpgsqlConnection connection, string sql, long? parameter)
    {
        await using var explain = new NpgsqlCommand($"explain (format json) {sql}", connection);
        if (parameter is { } value) explain.Parameters.Add(new NpgsqlParameter { Value = value });
        return JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!).RootElement[0].GetProperty("Plan");
    }

    /// <summary>The rows the plan expects from its scan of the events, leaving out its sub-plans (the newest sequence's lookup).</summary>
    private static double PlannedRows(JsonElement plan)
    {
        if (plan.TryGetProperty("Parent Relationship", out var parent) && parent.GetString() is "InitPlan" or "SubPlan") return 0;
        if (plan.TryGetProperty("Relation Name", out var relation) && relation.GetString() == "mt_events") return plan.GetProperty("Plan Rows").GetDouble();
        return plan.TryGetProperty("Plans", out var children) ? children.EnumerateArray().Sum(PlannedRows) : 0;
    }

    private async Task<string> FigureAsync(Guid studyId, string path) =>
        await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{studyId}/{path}");
        })).ReadAsTextAsync();
}
