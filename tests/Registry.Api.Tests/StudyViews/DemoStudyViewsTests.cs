using System.Text.Json;
using Alba;
using Marten;
using Registry.Analytics.Tables;
using Registry.Api.Tests.DemoStudy;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Studies;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// The investigator views on the motivating demo study (NPC-RM-2L), end to end, against R: Fixtures/demo-study-r.json
/// holds survfit medians and landmark rates and coxph (Efron) / survdiff results that R/demo_study.R computed from
/// the same patients' rows (Fixtures/demo-study-outcomes.csv, checked by DemoStudyFixtureTests).
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class DemoStudyViewsTests(DemoStudyApp app)
{
    private static readonly JsonElement R = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "demo-study-r.json"))).RootElement;
    private static readonly string[] Arms = ["ITC", "IT", "IC", "C"];
    private IReadOnlyList<PatientOutcome> Derived => derived ??= DemoOutcomes.Derive(app.Simulated);
    private IReadOnlyList<PatientOutcome>? derived;

    private async Task<JsonElement> GetAsync(string query) => await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Investigator);
        s.Get.Url($"/api/studies/{app.StudyId}/{query}");
    })).JsonAsync();

    private static void Close(JsonElement expected, JsonElement actual, double relative, string what)
    {
        if (expected.ValueKind == JsonValueKind.Null) { Assert.True(actual.ValueKind == JsonValueKind.Null, $"{what}: R gives NA, registry {actual}"); return; }
        Assert.True(actual.ValueKind == JsonValueKind.Number, $"{what}: R gives {expected}, registry {actual}");
        var (e, a) = (expected.GetDouble(), actual.GetDouble());
        Assert.True(Math.Abs(a - e) <= relative * Math.Abs(e), $"{what}: registry {a:R}, R {e:R}");
    }

    [Theory]
    [InlineData("pfs")]
    [InlineData("os")]
    public async Task Medians_and_landmark_rates_per_arm_and_pooled_group_agree_with_R_survfit(string endpoint)
    {
        var view = await GetAsync($"survival?endpoint={endpoint}&arms=ITC,IT,IC,C,ITC%2BIT,IC%2BC");
        var groups = view.GetProperty("arms").EnumerateArray().ToList();
        Assert.Equal(6, groups.Count);
        foreach (var arm in groups)
        {
            var code = arm.GetProperty("arm").GetString()!;
            var r = R.GetProperty(endpoint).GetProperty("medians").GetProperty(code);
            Assert.Equal(r.GetProperty("n").GetInt32(), arm.GetProperty("n").GetInt32());
            Assert.Equal(r.GetProperty("events").GetInt32(), arm.GetProperty("events").GetInt32());
            // Medians are step-function times in months (days / 30.4375): equal up to floating-point division.
            Close(r.GetProperty("median"), arm.GetProperty("median"), 1e-12, $"{endpoint} {code} median");
            Close(r.GetProperty("lower"), arm.GetProperty("medianLower"), 1e-12, $"{endpoint} {code} lower");
            Close(r.GetProperty("upper"), arm.GetProperty("medianUpper"), 1e-12, $"{endpoint} {code} upper");
            // Landmark rates at the protocol's 6, 12 and 24 months with R's default log-scale CI (Greenwood).
            var landmarks = arm.GetProperty("landmarks").EnumerateArray().ToList();
            Assert.Equal(r.GetProperty("landmarks").GetArrayLength(), landmarks.Count);
            foreach (var (expected, actual) in r.GetProperty("landmarks").EnumerateArray().Zip(landmarks))
            {
                Assert.Equal(expected.GetProperty("months").GetDouble(), actual.GetProperty("months").GetDouble());
                Close(expected.GetProperty("survival"), actual.GetProperty("survival"), 1e-12, $"{endpoint} {code} {expected.GetProperty("months")}-month rate");
                Close(expected.GetProperty("lower"), actual.GetProperty("lower"), 1e-9, $"{endpoint} {code} {expected.GetProperty("months")}-month lower");
                Close(expected.GetProperty("upper"), actual.GetProperty("upper"), 1e-9, $"{endpoint} {code} {expected.GetProperty("months")}-month upper");
            }
        }
    }

    public static TheoryData<string, int> Comparisons()
    {
        var data = new TheoryData<string, int>();
        foreach (var endpoint in new[] { "pfs", "os" })
            for (var i = 0; i < 6; i++) data.Add(endpoint, i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Comparisons))]
    public async Task Hazard_ratios_agree_with_R_coxph_and_survdiff(string endpoint, int index)
    {
        var r = R.GetProperty(endpoint).GetProperty("comparisons")[index];
        var view = await GetAsync($"comparisons?endpoint={endpoint}&arm={Uri.EscapeDataString(r.GetProperty("arm").GetString()!)}&reference={Uri.EscapeDataString(r.GetProperty("reference").GetString()!)}");
        AgreesWithR(r, view);
    }

    [Theory]
    [InlineData("pfs")]
    [InlineData("os")]
    public async Task The_plans_comparisons_are_Rs_in_the_plans_order(string endpoint)
    {
        var view = await GetAsync($"comparisons?endpoint={endpoint}");
        Assert.Equal(endpoint, view.GetProperty("endpoint").GetString());
        var comparisons = view.GetProperty("comparisons").EnumerateArray().ToList();
        var r = R.GetProperty(endpoint).GetProperty("comparisons").EnumerateArray().ToList();
        Assert.Equal(r.Select(c => (c.GetProperty("arm").GetString(), c.GetProperty("reference").GetString())),
            comparisons.Select(c => (c.GetProperty("arm").GetString(), c.GetProperty("reference").GetString())));
        foreach (var (expected, actual) in r.Zip(comparisons)) AgreesWithR(expected, actual);
    }

    private static void AgreesWithR(JsonElement r, JsonElement view)
    {
        var what = $"{r.GetProperty("arm")} vs {r.GetProperty("reference")}";
        Assert.Equal(r.GetProperty("n").GetInt32(), view.GetProperty("n").GetInt32());
        Assert.Equal(r.GetProperty("events").GetInt32(), view.GetProperty("events").GetInt32());
        Assert.Null(view.GetProperty("strata").GetString());
        // R was run at eps 1e-12; the registry stops at R's default 1e-9 on the log-likelihood, so 1e-6 bounds the difference.
        Close(r.GetProperty("hr"), view.GetProperty("hr"), 1e-6, $"{what} HR");
        Close(r.GetProperty("lower"), view.GetProperty("hrLower"), 1e-6, $"{what} HR lower");
        Close(r.GetProperty("upper"), view.GetProperty("hrUpper"), 1e-6, $"{what} HR upper");
        Close(r.GetProperty("p"), view.GetProperty("p"), 1e-6, $"{what} Wald p");
        Close(r.GetProperty("logRankP"), view.GetProperty("logRankP"), 1e-9, $"{what} log-rank p");
    }

    [Fact]
    public async Task The_async_view_equals_the_read_your_write_view_and_answers_are_reproducible()
    {
        var live = (await GetAsync("survival?endpoint=pfs")).GetProperty("arms").GetRawText();
        var consistent = (await GetAsync("survival?endpoint=pfs&consistent=true")).GetProperty("arms").GetRawText();
        Assert.Equal(consistent, live);

        var query = "comparisons?endpoint=pfs&arm=ITC&reference=C&asOf=2021-06-30T00:00:00Z&dataCut=2021-06-30";
        Assert.Equal((await GetAsync(query)).GetRawText(), (await GetAsync(query)).GetRawText());
    }

    [Fact]
    public async Task An_earlier_asOf_sees_fewer_patients_and_a_data_cut_fewer_events()
    {
        var cutOn = new DateOnly(2020, 6, 30);
        var now = await GetAsync("comparisons?endpoint=pfs&arm=ITC&reference=C");
        var then = await GetAsync("comparisons?endpoint=pfs&arm=ITC&reference=C&asOf=2020-06-30T00:00:00Z");
        var cut = await GetAsync("comparisons?endpoint=pfs&arm=ITC&reference=C&dataCut=2020-06-30");
        Assert.True(then.GetProperty("n").GetInt32() < now.GetProperty("n").GetInt32());
        Assert.Equal(now.GetProperty("n").GetInt32(), cut.GetProperty("n").GetInt32() + TreatedAfter(cutOn, "ITC", "C"));
        Assert.True(cut.GetProperty("events").GetInt32() < now.GetProperty("events").GetInt32());

        // Patients enrolled by the cut but treated after it are in the study, excluded without a time origin.
        var population = cut.GetProperty("population");
        var untreated = EnrolledButTreatedAfter(cutOn, "ITC", "C");
        Assert.Equal(cut.GetProperty("n").GetInt32(), population.GetProperty("analysed").GetInt32());
        Assert.Equal(cut.GetProperty("n").GetInt32() + untreated, population.GetProperty("enrolled").GetInt32());
        Assert.Equal(untreated, population.GetProperty("excluded").EnumerateArray()
            .Where(e => e.GetProperty("reason").GetString() == "no treatment start recorded").Sum(e => e.GetProperty("n").GetInt32()));
    }

    private IEnumerable<(string Arm, DateOnly EnrolledOn, DateOnly StartedOn)> Starts() => DemoOutcomes.Timelines(app.Simulated)
        .Select(t => (t.Arm!, t.Enrolment.EnrolledOn, t.TreatmentStartedOn!.Value));

    /// <summary>Patients of the given arms whose treatment started after the cut: not yet analysable at it.</summary>
    private int TreatedAfter(DateOnly cut, params string[] arms) => Starts().Count(s => s.StartedOn > cut && arms.Contains(s.Arm));

    private int EnrolledButTreatedAfter(DateOnly cut, params string[] arms) =>
        Starts().Count(s => s.EnrolledOn <= cut && s.StartedOn > cut && arms.Contains(s.Arm));

    [Fact]
    public async Task Subgroups_give_each_planned_characteristic_its_rows_and_interaction_test()
    {
        var view = await GetAsync("subgroups?endpoint=pfs&arm=ITC%2BIT&reference=IC%2BC");
        var overall = await GetAsync("comparisons?endpoint=pfs&arm=ITC%2BIT&reference=IC%2BC");
        Close(overall.GetProperty("hr"), view.GetProperty("overall").GetProperty("hr"), 1e-9, "overall HR");
        Assert.Equal(["age", "sex", "kps", "ebvDna", "diseaseStatus", "treatmentLine", "liverMetastasis"],
            view.GetProperty("subgroups").EnumerateArray().Select(v => v.GetProperty("variable").GetString()));
        var kps = view.GetProperty("subgroups").EnumerateArray().Single(v => v.GetProperty("variable").GetString() == "kps");
        Assert.Equal(["70–80", "90–100"], kps.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("level").GetString()));
        Assert.Equal(overall.GetProperty("n").GetInt32(), kps.GetProperty("levels").EnumerateArray().Sum(l => l.GetProperty("n").GetInt32()));
        Assert.Equal(JsonValueKind.Number, kps.GetProperty("interactionP").ValueKind);
    }

    [Fact]
    public async Task Maturity_ends_at_the_latest_record_and_matches_a_comparison_at_that_cut()
    {
        var view = await GetAsync("maturity?endpoint=os&arm=ITC&reference=C&every=3m");
        var cuts = view.GetProperty("cuts").EnumerateArray().ToList();
        Assert.True(cuts.Count > 8);
        Assert.True(cuts.Zip(cuts.Skip(1)).All(p => p.First.GetProperty("events").GetInt32() <= p.Second.GetProperty("events").GetInt32()));
        var last = app.Simulated.Entries.Max(e => e.RecordedAt);
        Assert.Equal(DateOnly.FromDateTime(last.UtcDateTime).ToString("yyyy-MM-dd"), cuts[^1].GetProperty("dataCut").GetString());

        var some = cuts[cuts.Count / 2];
        var cut = some.GetProperty("dataCut").GetString();
        var direct = await GetAsync($"comparisons?endpoint=os&arm=ITC&reference=C&dataCut={cut}&asOf={DateOnly.Parse(cut!).AddDays(1):yyyy-MM-dd}T00:00:00Z");
        Assert.Equal(direct.GetProperty("events").GetInt32(), some.GetProperty("events").GetInt32());
        Close(direct.GetProperty("hr"), some.GetProperty("hr"), 1e-12, "HR at the cut");
    }

    [Fact]
    public async Task Every_monthly_maturity_cut_equals_the_comparison_derived_at_that_cut()
    {
        // Most patients' records do not change between two monthly cuts, so most cuts take a patient's outcome from the cut before.
        var cuts = (await GetAsync("maturity?endpoint=pfs&arm=ITC&reference=C&every=1m")).GetProperty("cuts").EnumerateArray().ToList();
        Assert.True(cuts.Count > 24);
        foreach (var point in cuts)
        {
            var cut = point.GetProperty("dataCut").GetString();
            var direct = await GetAsync($"comparisons?endpoint=pfs&arm=ITC&reference=C&dataCut={cut}&asOf={DateOnly.Parse(cut!).AddDays(1):yyyy-MM-dd}T00:00:00Z");
            Assert.Equal(direct.GetProperty("n").GetInt32(), point.GetProperty("n").GetInt32());
            Assert.Equal(direct.GetProperty("events").GetInt32(), point.GetProperty("events").GetInt32());
            Close(direct.GetProperty("hr"), point.GetProperty("hr"), 1e-12, $"HR at {cut}");
        }
    }

    [Fact]
    public async Task A_set_at_a_moment_and_a_data_cut_equals_the_outcomes_every_chart_derives_then()
    {
        // With the consistent=true set kept, most patients are taken whole from it or left out; only those still being written then are derived again.
        await using var session = app.Store.QuerySession();
        var charts = await session.Query<PatientChart>().Where(c => c.StudyId == app.StudyId).ToListAsync();
        var study = (await session.LoadAsync<Study>(app.StudyId))!;
        var whole = (await StudyViewLoader.LoadAsync(session, app.StudyId, null, null, true, default)).Scope!.Outcomes;
        var recorded = charts.SelectMany(c => c.Entries).Select(e => e.RecordedAt).Order().ToList();
        var moments = Enumerable.Range(1, 9).Select(i => (DateTimeOffset?)recorded[i * recorded.Count / 10]).Append(null).ToList();
        var cuts = moments.OfType<DateTimeOffset>().Select(m => (DateOnly?)DateOnly.FromDateTime(m.UtcDateTime).AddDays(-30)).Append(null).ToList();
        foreach (var moment in moments)
            foreach (var cut in cuts.Where(c => moment is not null || c is not null))
            {
                var (scope, refusal) = await StudyViewLoader.LoadAsync(session, app.StudyId, moment?.ToString("O"), cut?.ToString("yyyy-MM-dd"), null, default);
                Assert.Null(refusal);
                var expected = StudyViewLoader.Derive(charts, study.AsOf(moment)!, moment, cut).OrderBy(o => o.SubjectCode, StringComparer.Ordinal).ThenBy(o => o.PatientId);
                Assert.Equal(Described(expected), Described(scope!.Outcomes));
            }
        // Late in the study most patients' records are whole: their outcomes are the consistent set's own.
        var late = (await StudyViewLoader.LoadAsync(session, app.StudyId, moments[8]!.Value.ToString("O"), null, null, default)).Scope!.Outcomes;
        Assert.Contains(late, o => whole.Any(w => ReferenceEquals(w, o)));
    }

    [Fact]
    public async Task A_set_at_a_moment_taken_from_a_nearby_moments_set_equals_the_outcomes_every_chart_derives_then_deriving_only_those_written_between()
    {
        // Moments stepped forwards and back through the demo's simulated calendar, as an auditor moves the moment field, at no cut and at one.
        await using var session = app.Store.QuerySession();
        var charts = await session.Query<PatientChart>().Where(c => c.StudyId == app.StudyId).ToListAsync();
        var study = (await session.LoadAsync<Study>(app.StudyId))!;
        var recorded = charts.SelectMany(c => c.Entries).Select(e => e.RecordedAt).Order().ToList();
        var steps = new[] { 40, 42, 45, 44, 30, 31, 70 }.Select(p => recorded[p * recorded.Count / 100]).ToList();
        int Between(DateTimeOffset a, DateTimeOffset b) =>
            charts.Count(c => c.Entries.Any(e => e.RecordedAt > (a < b ? a : b) && e.RecordedAt <= (a < b ? b : a)));
        var scopes = new StudyScopes();
        await scopes.DerivedAsync(session, study, null, null, default);
        var fewerThanFromWhole = 0;
        foreach (var cut in new DateOnly?[] { null, DateOnly.FromDateTime(steps[3].UtcDateTime) })
        {
            var kept = new List<DateTimeOffset>();
            foreach (var moment in steps)
            {
                var derived = scopes.MomentPatientsDerived;
                var scope = await scopes.DerivedAsync(session, study.AsOf(moment)!, moment, cut, default);
                var expected = StudyViewLoader.Derive(charts, study.AsOf(moment)!, moment, cut).OrderBy(o => o.SubjectCode, StringComparer.Ordinal).ThenBy(o => o.PatientId);
                Assert.Equal(Described(expected), Described(scope.Outcomes));
                derived = scopes.MomentPatientsDerived - derived;
                // Never more than the patients written between it and the nearest moment kept at that cut.
                if (kept.Count > 0) Assert.True(derived <= kept.Min(k => Between(k, moment)), $"{moment:O}: {derived} derived");
                var stillWritten = charts.Count(c => c.Entries.Min(e => e.RecordedAt) <= moment && c.Entries.Max(e => e.RecordedAt) > moment);
                if (cut is null && derived < stillWritten) fewerThanFromWhole++;
                kept.Add(moment);
            }
        }
        Assert.True(fewerThanFromWhole >= 4, $"{fewerThanFromWhole} sets derived fewer patients than the whole records' set leaves");
    }

    /// <summary>The outcomes as every view reads them (a kept set shares equal times, so where each ends is not kept).</summary>
    private static string Described(IEnumerable<PatientOutcome> outcomes) => string.Join("\n", outcomes.Select(o => JsonSerializer.Serialize(o)));

    [Fact]
    public async Task Response_rates_and_their_tests_equal_the_analytics_run_on_the_same_rows()
    {
        var view = await GetAsync("response");
        var orr = new int[4, 2];
        for (var i = 0; i < Arms.Length; i++)
        {
            var patients = Derived.Where(o => o.Arm == Arms[i]).ToList();
            var responders = patients.Count(o => o.BestOverallResponse is BestOverallResponse.CR or BestOverallResponse.PR);
            (orr[i, 0], orr[i, 1]) = (responders, patients.Count - responders);
            var row = view.GetProperty("arms")[i];
            Assert.Equal(Arms[i], row.GetProperty("arm").GetString());
            var ci = ClopperPearson.Interval(responders, patients.Count);
            Assert.Equal(responders, row.GetProperty("orr").GetProperty("patients").GetInt32());
            Assert.Equal(ci.Lower, row.GetProperty("orr").GetProperty("lower").GetDouble(), 15);
            Assert.Equal(ci.Upper, row.GetProperty("orr").GetProperty("upper").GetDouble(), 15);
            Assert.Equal(patients.Count(o => o.ConfirmedResponse), row.GetProperty("confirmedOrr").GetProperty("patients").GetInt32());
        }
        Assert.Equal(PearsonChiSquare.Test(orr).Test!.P, view.GetProperty("orrAcrossArms").GetProperty("chiSquareP").GetDouble(), 15);
        var fisher = view.GetProperty("orrAcrossArms").GetProperty("fisherP");
        if (fisher.ValueKind != JsonValueKind.Null) Assert.Equal(FisherExact.Test(orr).P, fisher.GetDouble(), 15);
    }

    [Fact]
    public async Task Safety_and_baseline_counts_equal_the_same_rows_counted_directly()
    {
        var safety = await GetAsync("safety");
        var neutropenia = safety.GetProperty("terms").EnumerateArray().Single(t => t.GetProperty("term").GetString() == "Neutropenia");
        var expected = Arms.Select(arm => Derived.Count(o => o.Arm == arm && o.AdverseEvents.Any(a => a.Term == "Neutropenia" && a.WorstGrade >= 3)));
        Assert.Equal(expected, neutropenia.GetProperty("gradeThreeOrMore").EnumerateArray().Select(c => c.GetProperty("patients").GetInt32()));

        var baseline = await GetAsync("baseline");
        var sex = baseline.GetProperty("characteristics").EnumerateArray().Single(c => c.GetProperty("variable").GetString() == "sex");
        var table = new int[4, 2];
        for (var i = 0; i < 4; i++)
        {
            table[i, 0] = Derived.Count(o => o.Arm == Arms[i] && o.Baseline.Text("sex") == "Male");
            table[i, 1] = Derived.Count(o => o.Arm == Arms[i] && o.Baseline.Text("sex") == "Female");
        }
        Assert.Equal(PearsonChiSquare.Test(table).Test!.P, sex.GetProperty("acrossArms").GetProperty("chiSquareP").GetDouble(), 15);
    }
}
