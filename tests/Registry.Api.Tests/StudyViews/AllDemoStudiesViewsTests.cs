using System.Collections.Concurrent;
using System.Text.Json;
using System.Xml.Linq;
using Alba;
using Registry.Analytics.Survival;
using Registry.Api.Tests.DemoStudy;
using Registry.Api.Tests.Infrastructure;
using Registry.Demo;
using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// Every view over every demo study, for every endpoint of the catalogue: the motivating study (PFS, OS), the
/// randomized LA-NPC trial (EFS, OS, DMFS, LRRFS, FFS from randomization) and the single-arm trial (DOR, PFS, OS; ORR
/// and DCR). Each answer is checked against the same patients derived directly from the simulation
/// (<see cref="DemoOutcomes"/>) and against the other views' answers for the same question.
/// </summary>
[Collection(AllDemoStudiesCollection.Name)]
public sealed class AllDemoStudiesViewsTests(AllDemoStudiesApp app)
{
    private const double DaysPerMonth = 30.4375;

    /// <summary>The demo studies' protocols as their simulators load them (no database, so theories can list them).</summary>
    public static readonly IReadOnlyDictionary<string, Protocol> Protocols = new Dictionary<string, Protocol>
    {
        ["NPC-RM-2L"] = DemoProtocols.Load(MotivatingStudy.ProtocolFile),
        ["LA-NPC-EFS"] = DemoProtocols.Load(LocoregionalTrial.ProtocolFile),
        ["RM-NPC-CADO"] = DemoProtocols.Load(SingleArmTrial.ProtocolFile),
    };

    public static IEnumerable<string> TimeToEventEndpoints(Protocol protocol) =>
        protocol.Endpoints.Where(e => EndpointCatalogue.Find(e)?.Kind == EndpointKind.TimeToEvent);

    /// <summary>Each demo study with each time-to-event endpoint its protocol names.</summary>
    public static TheoryData<string, string> StudyEndpoints()
    {
        var data = new TheoryData<string, string>();
        foreach (var (code, protocol) in Protocols)
            foreach (var endpoint in TimeToEventEndpoints(protocol)) data.Add(code, endpoint);
        return data;
    }

    /// <summary>Each demo study with every time-to-event endpoint of the catalogue, named by its protocol or not.</summary>
    public static TheoryData<string, string> StudyCatalogueEndpoints()
    {
        var data = new TheoryData<string, string>();
        foreach (var code in Protocols.Keys)
            foreach (var endpoint in EndpointCatalogue.TimeToEventCodes) data.Add(code, endpoint);
        return data;
    }

    private static readonly ConcurrentDictionary<string, IReadOnlyList<PatientOutcome>> DerivedByStudy = new();

    private IReadOnlyList<PatientOutcome> Derived(string code) => DerivedByStudy.GetOrAdd(code, _ => DemoOutcomes.Derive(app[code].Simulated));

    private Task<JsonElement> GetAsync(string code, string query) => GetAsync(code, query, 200);

    private async Task<JsonElement> GetAsync(string code, string query, int status)
    {
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{app[code].StudyId}/{query}");
            s.StatusCodeShouldBe(status);
        });
        return await result.JsonAsync();
    }

    private static void Close(double? expected, JsonElement actual, double relative, string what)
    {
        if (expected is null) { Assert.True(actual.ValueKind == JsonValueKind.Null, $"{what}: expected null, the API gives {actual}"); return; }
        Assert.True(actual.ValueKind == JsonValueKind.Number, $"{what}: expected {expected}, the API gives {actual}");
        Assert.True(Math.Abs(actual.GetDouble() - expected.Value) <= relative * Math.Abs(expected.Value), $"{what}: expected {expected:R}, the API gives {actual.GetDouble():R}");
    }

    private static Dictionary<string, int> Excluded(JsonElement population) => population.GetProperty("excluded").EnumerateArray()
        .ToDictionary(e => e.GetProperty("reason").GetString()!, e => e.GetProperty("n").GetInt32());

    private static void Population(JsonElement population, int enrolled, int analysed, string what)
    {
        Assert.True(enrolled == population.GetProperty("enrolled").GetInt32(), $"{what}: {enrolled} enrolled, the API says {population}");
        Assert.True(analysed == population.GetProperty("analysed").GetInt32(), $"{what}: {analysed} analysed, the API says {population}");
        Assert.Equal(enrolled - analysed, Excluded(population).Values.Sum());
    }

    private static (string Arm, string Reference) FirstPlanned(Protocol protocol) => protocol.Analysis!.Comparisons is { Count: > 0 } c
        ? (c[0].Arm, c[0].Reference)
        : (protocol.Arms.First(a => a.Code != protocol.Analysis.Reference).Code, protocol.Analysis.Reference!);

    private IReadOnlyList<string> ArmsOf(string code, string group) =>
        Protocols[code].Analysis?.Pooled?.GetValueOrDefault(group) ?? group.Split('+');

    [Theory]
    [MemberData(nameof(StudyCatalogueEndpoints))]
    public async Task Survival_per_arm_is_the_Kaplan_Meier_of_the_derived_patients(string code, string endpoint)
    {
        var protocol = Protocols[code];
        var view = await GetAsync(code, $"survival?endpoint={endpoint}");
        Assert.Equal(endpoint, view.GetProperty("endpoint").GetString());
        Assert.Equal(protocol.TimeOrigin, view.GetProperty("timeOrigin").GetString());
        Assert.Equal(protocol.Arms.Select(a => a.Code), view.GetProperty("arms").EnumerateArray().Select(a => a.GetProperty("arm").GetString()));
        foreach (var arm in view.GetProperty("arms").EnumerateArray())
        {
            var what = $"{code} {endpoint} {arm.GetProperty("arm")}";
            var enrolled = Derived(code).Where(o => o.Arm == arm.GetProperty("arm").GetString()).ToList();
            var times = enrolled.Where(o => o.Analysable).Select(o => o.Time(endpoint)).OfType<TimeToEvent>().ToList();
            Assert.True(times.Count == arm.GetProperty("n").GetInt32(), $"{what}: {times.Count} analysable, the API says {arm.GetProperty("n")}");
            Assert.Equal(times.Count(t => t.Event), arm.GetProperty("events").GetInt32());
            Population(arm.GetProperty("population"), enrolled.Count, times.Count, what);
            if (endpoint == "dor")
                Assert.Equal(enrolled.Count(o => o.Time("dor") is null), Excluded(arm.GetProperty("population")).GetValueOrDefault("not a responder (DOR counts responders only)"));
            Assert.Equal(protocol.LandmarkMonths, arm.GetProperty("landmarks").EnumerateArray().Select(l => l.GetProperty("months").GetDouble()));
            if (times.Count == 0) continue;

            var curve = KaplanMeier.Estimate(new SurvivalData(times.Select(t => t.Days / DaysPerMonth).ToList(), times.Select(t => t.Event).ToList()));
            Close(curve.Median.Time, arm.GetProperty("median"), 1e-12, $"{what} median");
            Close(curve.Median.Lower, arm.GetProperty("medianLower"), 1e-12, $"{what} median lower");
            Close(curve.Median.Upper, arm.GetProperty("medianUpper"), 1e-12, $"{what} median upper");
            foreach (var landmark in arm.GetProperty("landmarks").EnumerateArray())
            {
                // Past the last follow-up the rate is unknown, unless the curve has reached 0 and stays there.
                var expected = curve.SurvivalAt(landmark.GetProperty("months").GetDouble()).Survival ?? (curve.Timeline[^1].Survival == 0 ? 0 : null);
                Close(expected, landmark.GetProperty("survival"), 1e-12, $"{what} {landmark.GetProperty("months")}-month rate");
            }
            Assert.Equal(curve.Steps.Count, arm.GetProperty("steps").GetArrayLength());
            Assert.Equal(times.Count, arm.GetProperty("atRisk")[0].GetProperty("n").GetInt32());
        }
        // The view as a whole says who it is about: every enrolled patient, and those analysed in an arm.
        var all = Derived(code);
        Population(view.GetProperty("population"), all.Count, all.Count(o => o.Analysable && o.Time(endpoint) is not null), $"{code} {endpoint} view");
        Assert.Equal(0, view.GetProperty("withoutArm").GetInt32());
    }

    [Theory]
    [MemberData(nameof(StudyCatalogueEndpoints))]
    public async Task Comparisons_are_the_plans_and_count_the_survival_views_patients(string code, string endpoint)
    {
        var protocol = Protocols[code];
        if (protocol.Arms.Count < 2)
        {
            var refused = await GetAsync(code, $"comparisons?endpoint={endpoint}", 400);
            Assert.Contains("nothing to compare", refused.GetProperty("errors").GetProperty("arm")[0].GetString());
            return;
        }
        var survival = (await GetAsync(code, $"survival?endpoint={endpoint}&arms={Uri.EscapeDataString(string.Join(",", protocol.Arms.Select(a => a.Code)))}"))
            .GetProperty("arms").EnumerateArray().ToDictionary(a => a.GetProperty("arm").GetString()!, a => (N: a.GetProperty("n").GetInt32(), Events: a.GetProperty("events").GetInt32()));
        var view = await GetAsync(code, $"comparisons?endpoint={endpoint}");
        Assert.Equal(endpoint, view.GetProperty("endpoint").GetString());
        var comparisons = view.GetProperty("comparisons").EnumerateArray().ToList();
        Assert.Equal(protocol.Analysis!.Comparisons!.Select(c => (c.Arm, c.Reference)),
            comparisons.Select(c => (c.GetProperty("arm").GetString()!, c.GetProperty("reference").GetString()!)));
        foreach (var comparison in comparisons)
        {
            var what = $"{code} {endpoint} {comparison.GetProperty("arm")} vs {comparison.GetProperty("reference")}";
            var arms = ArmsOf(code, comparison.GetProperty("arm").GetString()!).Concat(ArmsOf(code, comparison.GetProperty("reference").GetString()!)).ToList();
            Assert.True(arms.Sum(a => survival[a].N) == comparison.GetProperty("n").GetInt32(), $"{what}: n is not the survival view's");
            Assert.Equal(arms.Sum(a => survival[a].Events), comparison.GetProperty("events").GetInt32());
            Assert.Equal(protocol.Analysis.StratifyBy?.FirstOrDefault(), comparison.GetProperty("strata").GetString());
            Population(comparison.GetProperty("population"), Derived(code).Count(o => arms.Contains(o.Arm!)), comparison.GetProperty("n").GetInt32(), what);
            var estimable = comparison.GetProperty("estimable").GetBoolean();
            Assert.Equal(estimable, comparison.GetProperty("hr").ValueKind == JsonValueKind.Number);
            if (!estimable) Assert.False(string.IsNullOrWhiteSpace(comparison.GetProperty("notEstimableReason").GetString()), $"{what}: not estimable without a reason");
            // The study's own endpoints have events in both groups: the plan's comparison is estimable.
            if (protocol.Endpoints.Contains(endpoint)) Assert.True(estimable, $"{what}: {comparison.GetProperty("notEstimableReason")}");
        }
    }

    [Theory]
    [MemberData(nameof(StudyCatalogueEndpoints))]
    public async Task Subgroups_overall_is_the_unstratified_comparison_and_each_variable_partitions_it(string code, string endpoint)
    {
        var protocol = Protocols[code];
        if (protocol.Arms.Count < 2)
        {
            var refused = await GetAsync(code, $"subgroups?endpoint={endpoint}", 400);
            Assert.Contains("nothing to compare", refused.GetProperty("errors").GetProperty("arm")[0].GetString());
            return;
        }
        var (arm, reference) = FirstPlanned(protocol);
        var pair = $"arm={Uri.EscapeDataString(arm)}&reference={Uri.EscapeDataString(reference)}";
        var view = await GetAsync(code, $"subgroups?endpoint={endpoint}");
        Assert.Equal(arm, view.GetProperty("arm").GetString());
        Assert.Equal(reference, view.GetProperty("reference").GetString());
        var comparison = await GetAsync(code, $"comparisons?endpoint={endpoint}&{pair}&strata=none");
        var overall = view.GetProperty("overall");
        Assert.Equal(comparison.GetProperty("n").GetInt32(), overall.GetProperty("n").GetInt32());
        Assert.Equal(comparison.GetProperty("events").GetInt32(), overall.GetProperty("events").GetInt32());
        if (comparison.GetProperty("hr").ValueKind == JsonValueKind.Number)
            Close(comparison.GetProperty("hr").GetDouble(), overall.GetProperty("hr"), 1e-9, $"{code} {endpoint} overall HR");
        var variables = view.GetProperty("subgroups").EnumerateArray().ToList();
        if (overall.GetProperty("n").GetInt32() > 0)
            Assert.Equal(protocol.Analysis!.Subgroups, variables.Select(v => v.GetProperty("variable").GetString()!));
        foreach (var variable in variables)
            Assert.True(overall.GetProperty("n").GetInt32() == variable.GetProperty("levels").EnumerateArray().Sum(l => l.GetProperty("n").GetInt32()),
                $"{code} {endpoint}: the groups of {variable.GetProperty("variable")} do not add up to all patients.");
        Population(view.GetProperty("population"), comparison.GetProperty("population").GetProperty("enrolled").GetInt32(), overall.GetProperty("n").GetInt32(), $"{code} {endpoint} subgroups");
    }

    [Theory]
    [MemberData(nameof(StudyEndpoints))]
    public async Task Maturity_ends_where_the_live_comparison_is(string code, string endpoint)
    {
        var protocol = Protocols[code];
        if (protocol.Arms.Count < 2)
        {
            var refused = await GetAsync(code, $"maturity?endpoint={endpoint}&every=3m", 400);
            Assert.Contains("nothing to compare", refused.GetProperty("errors").GetProperty("arm")[0].GetString());
            return;
        }
        var (arm, reference) = FirstPlanned(protocol);
        var view = await GetAsync(code, $"maturity?endpoint={endpoint}&every=3m");
        Assert.Equal((arm, reference), (view.GetProperty("arm").GetString(), view.GetProperty("reference").GetString()));
        var cuts = view.GetProperty("cuts").EnumerateArray().ToList();
        Assert.True(cuts.Count >= 8, $"{code}: only {cuts.Count} cuts at every=3m");
        Assert.True(cuts.Zip(cuts.Skip(1)).All(p => p.First.GetProperty("n").GetInt32() <= p.Second.GetProperty("n").GetInt32()), $"{code} {endpoint}: patients left the study between cuts");
        var last = cuts[^1];
        Assert.Equal(DateOnly.FromDateTime(app[code].Simulated.Entries.Max(e => e.RecordedAt).UtcDateTime).ToString("yyyy-MM-dd"), last.GetProperty("dataCut").GetString());
        var live = await GetAsync(code, $"comparisons?endpoint={endpoint}&arm={Uri.EscapeDataString(arm)}&reference={Uri.EscapeDataString(reference)}&strata=none");
        Assert.Equal(live.GetProperty("n").GetInt32(), last.GetProperty("n").GetInt32());
        Assert.Equal(live.GetProperty("events").GetInt32(), last.GetProperty("events").GetInt32());
        Close(live.GetProperty("hr").GetDouble(), last.GetProperty("hr"), 1e-9, $"{code} {endpoint} HR at the last cut");
    }

    [Theory]
    [InlineData("NPC-RM-2L", "orr")]
    [InlineData("NPC-RM-2L", "dcr")]
    [InlineData("LA-NPC-EFS", "corr")]
    [InlineData("RM-NPC-CADO", "orr")]
    [InlineData("RM-NPC-CADO", "corr")]
    [InlineData("RM-NPC-CADO", "dcr")]
    public async Task A_rate_asked_of_the_survival_view_is_refused_pointing_to_the_response_view(string code, string endpoint)
    {
        foreach (var route in new[] { "survival", "comparisons", "plots/km.svg" })
        {
            var problem = await GetAsync(code, $"{route}?endpoint={endpoint}", 400);
            var message = problem.GetProperty("errors").GetProperty("endpoint")[0].GetString()!;
            Assert.Contains("response view", message);
            Assert.Contains("rate", message);
        }
    }

    [Fact]
    public async Task The_single_arm_study_has_nothing_to_compare()
    {
        foreach (var query in new[] { "comparisons", "comparisons?endpoint=pfs", "subgroups", "maturity", "plots/forest.svg", "plots/maturity.png" })
        {
            var problem = await GetAsync("RM-NPC-CADO", query, 400);
            Assert.Equal("Study RM-NPC-CADO has one arm: there is nothing to compare.", problem.GetProperty("errors").GetProperty("arm")[0].GetString());
        }
        // Naming an arm does not make a second one.
        var named = await GetAsync("RM-NPC-CADO", "comparisons?arm=CADO-TPC&reference=CADO-TPC", 400);
        Assert.True(named.GetProperty("errors").TryGetProperty("reference", out _));
    }

    [Fact]
    public async Task The_LA_trials_36_month_EFS_per_arm_is_read_at_the_landmark_asked_for()
    {
        var view = await GetAsync("LA-NPC-EFS", "survival?endpoint=efs&landmarks=36");
        Assert.Equal("Event-free survival", view.GetProperty("endpointName").GetString());
        Assert.Equal("randomization", view.GetProperty("timeOrigin").GetString());
        foreach (var (arm, published) in new[] { ("SIN-CRT", 0.861), ("CRT", 0.760) })
        {
            var row = view.GetProperty("arms").EnumerateArray().Single(a => a.GetProperty("arm").GetString() == arm);
            var landmark = Assert.Single(row.GetProperty("landmarks").EnumerateArray());
            Assert.Equal(36, landmark.GetProperty("months").GetDouble());
            var times = Derived("LA-NPC-EFS").Where(o => o.Arm == arm).Select(o => o.Time("efs")!).ToList();
            var expected = KaplanMeier.Estimate(new SurvivalData(times.Select(t => t.Days / DaysPerMonth).ToList(), times.Select(t => t.Event).ToList())).SurvivalAt(36);
            Close(expected.Survival, landmark.GetProperty("survival"), 1e-12, $"{arm} 36-month EFS");
            Close(expected.Lower, landmark.GetProperty("lower"), 1e-12, $"{arm} 36-month EFS lower");
            var rate = landmark.GetProperty("survival").GetDouble();
            Assert.True(Math.Abs(rate - published) <= 0.04, $"36-month EFS of {arm} is {rate:P1}; Liu 2024 (CONTINUUM, Lancet) reports {published:P1}.");
            Assert.True(landmark.GetProperty("lower").GetDouble() < rate && rate < landmark.GetProperty("upper").GetDouble());
        }
        // The stratified comparison follows the randomization; sintilimab lowers the hazard (Liu 2024: HR 0.59, 0.38–0.92).
        var comparison = await GetAsync("LA-NPC-EFS", "comparisons?endpoint=efs&arm=SIN-CRT&reference=CRT");
        Assert.Equal("overallStage", comparison.GetProperty("strata").GetString());
        Assert.InRange(comparison.GetProperty("hr").GetDouble(), 0.38, 0.92);
    }

    [Fact]
    public async Task The_single_arm_trials_ORR_of_68_percent_is_read_in_the_response_view()
    {
        var view = await GetAsync("RM-NPC-CADO", "response");
        Assert.True(view.GetProperty("confirmationRequired").GetBoolean());
        var arm = Assert.Single(view.GetProperty("arms").EnumerateArray());
        Assert.Equal(25, arm.GetProperty("n").GetInt32());
        // Jiang 2025 (BMC Medicine): 3 CR and 14 PR of 25 patients (ORR 68%), 6 SD (DCR 92%).
        Assert.Equal((3, 14, 6), (arm.GetProperty("cr").GetInt32(), arm.GetProperty("pr").GetInt32(), arm.GetProperty("sd").GetInt32()));
        Assert.Equal(0.68, arm.GetProperty("orr").GetProperty("rate").GetDouble(), 12);
        Assert.Equal(0.68, arm.GetProperty("confirmedOrr").GetProperty("rate").GetDouble(), 12);
        Assert.Equal(0.92, arm.GetProperty("dcr").GetProperty("rate").GetDouble(), 12);
        var ci = Registry.Analytics.Tables.ClopperPearson.Interval(17, 25);
        Assert.Equal(ci.Lower, arm.GetProperty("confirmedOrr").GetProperty("lower").GetDouble(), 15);
        Assert.Equal(ci.Upper, arm.GetProperty("confirmedOrr").GetProperty("upper").GetDouble(), 15);
        Assert.Equal("Not testable: fewer than two groups or two categories have patients.", view.GetProperty("orrAcrossArms").GetProperty("note").GetString());
    }

    [Theory]
    [InlineData("NPC-RM-2L", "pfs", "months")]
    [InlineData("LA-NPC-EFS", "efs", "months")]
    [InlineData("RM-NPC-CADO", "dor", "days")]
    public async Task Landmarks_asked_for_are_exactly_the_landmarks_answered(string code, string endpoint, string unit)
    {
        var view = await GetAsync(code, $"survival?endpoint={endpoint}&landmarks=36,6,12&unit={unit}");
        foreach (var arm in view.GetProperty("arms").EnumerateArray())
        {
            var landmarks = arm.GetProperty("landmarks").EnumerateArray().ToList();
            Assert.Equal([6.0, 12.0, 36.0], landmarks.Select(l => l.GetProperty("months").GetDouble()));
            Assert.Equal(unit == "days" ? [6 * DaysPerMonth, 12 * DaysPerMonth, 36 * DaysPerMonth] : [6.0, 12.0, 36.0],
                landmarks.Select(l => l.GetProperty("time").GetDouble()));
        }
        var svg = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Investigator);
            s.Get.Url($"/api/studies/{app[code].StudyId}/plots/km.svg?endpoint={endpoint}&landmarks=6,12,36");
            s.StatusCodeShouldBe(200);
        });
        Assert.StartsWith("image/svg+xml", svg.Context.Response.ContentType);
        // Read the whole figure: an unread body holds the caller's view permit, and the rate limit then queues the next view forever.
        Assert.Equal("svg", XDocument.Parse(await svg.ReadAsTextAsync()).Root!.Name.LocalName);
    }

    [Theory]
    [InlineData("survival?landmarks=0")]
    [InlineData("survival?landmarks=6,abc")]
    [InlineData("survival?landmarks=241")]
    [InlineData("survival?landmarks=-6")]
    [InlineData("survival?landmarks=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21")]
    [InlineData("plots/km.png?landmarks=12;24")]
    public async Task A_bad_landmark_is_refused_naming_landmarks(string query)
    {
        var problem = await GetAsync("LA-NPC-EFS", query, 400);
        Assert.Contains("landmarks", problem.GetProperty("errors").GetProperty("landmarks")[0].GetString());
    }

    [Fact]
    public async Task A_patient_enrolled_but_not_yet_randomized_is_reported_excluded_not_randomized()
    {
        // The moment just after the LA trial's 100th patient was enrolled, before their randomization was entered.
        var timelines = DemoOutcomes.Timelines(app["LA-NPC-EFS"].Simulated);
        var moment = timelines
            .Select(t => (Enrolled: t.Entries[0].RecordedAt, Randomized: t.Entries.First(e => e.Current is Registry.Domain.Patients.PatientRandomized).RecordedAt))
            .Where(t => t.Randomized - t.Enrolled > TimeSpan.FromHours(2)).OrderBy(t => t.Enrolled).Skip(99).First().Enrolled.AddMinutes(30);
        var waiting = timelines.Count(t => t.Entries[0].RecordedAt <= moment && t.Entries.First(e => e.Current is Registry.Domain.Patients.PatientRandomized).RecordedAt > moment);
        var enrolled = timelines.Count(t => t.Entries[0].RecordedAt <= moment);
        Assert.True(waiting > 0);
        var asOf = Uri.EscapeDataString(moment.ToString("O"));

        var survival = await GetAsync("LA-NPC-EFS", $"survival?endpoint=efs&asOf={asOf}");
        Assert.Equal(waiting, survival.GetProperty("withoutArm").GetInt32());
        Assert.Equal(enrolled, survival.GetProperty("population").GetProperty("enrolled").GetInt32());
        Assert.Equal(waiting, Excluded(survival.GetProperty("population")).GetValueOrDefault("not randomized"));
        Assert.Equal(enrolled - waiting, survival.GetProperty("arms").EnumerateArray().Sum(a => a.GetProperty("population").GetProperty("enrolled").GetInt32()));

        var comparison = await GetAsync("LA-NPC-EFS", $"comparisons?endpoint=efs&arm=SIN-CRT&reference=CRT&asOf={asOf}");
        Assert.Equal(waiting, Excluded(comparison.GetProperty("population")).GetValueOrDefault("not randomized"));
        Assert.Equal(enrolled, comparison.GetProperty("population").GetProperty("enrolled").GetInt32());
        var subgroups = await GetAsync("LA-NPC-EFS", $"subgroups?endpoint=efs&asOf={asOf}");
        Assert.Equal(waiting, Excluded(subgroups.GetProperty("population")).GetValueOrDefault("not randomized"));
        foreach (var table in new[] { "baseline", "response", "safety" })
        {
            var view = await GetAsync("LA-NPC-EFS", $"{table}?asOf={asOf}");
            Assert.True(waiting == Excluded(view.GetProperty("population")).GetValueOrDefault("not randomized"), $"{table}: {view.GetProperty("population")}");
            Assert.Equal(enrolled, view.GetProperty("population").GetProperty("enrolled").GetInt32());
        }
    }

    [Fact]
    public async Task A_patient_enrolled_without_a_treatment_start_yet_is_reported_excluded_in_their_arm()
    {
        // The moment just after the motivating study's 50th patient was enrolled, before their treatment start was entered.
        var timelines = DemoOutcomes.Timelines(app["NPC-RM-2L"].Simulated);
        DateTimeOffset Started(Registry.Domain.Patients.PatientTimeline t) => t.Entries.First(e => e.Current is Registry.Domain.Patients.TreatmentStarted).RecordedAt;
        var moment = timelines.Where(t => Started(t) - t.Entries[0].RecordedAt > TimeSpan.FromHours(2))
            .OrderBy(t => t.Entries[0].RecordedAt).Skip(49).First().Entries[0].RecordedAt.AddMinutes(30);
        var waiting = timelines.Where(t => t.Entries[0].RecordedAt <= moment && Started(t) > moment).ToList();
        Assert.NotEmpty(waiting);

        var view = await GetAsync("NPC-RM-2L", $"survival?endpoint=pfs&asOf={Uri.EscapeDataString(moment.ToString("O"))}");
        foreach (var arm in view.GetProperty("arms").EnumerateArray())
            Assert.Equal(waiting.Count(t => t.Arm == arm.GetProperty("arm").GetString()),
                Excluded(arm.GetProperty("population")).GetValueOrDefault("no treatment start recorded"));
        Assert.Equal(waiting.Count, Excluded(view.GetProperty("population")).GetValueOrDefault("no treatment start recorded"));
        var response = await GetAsync("NPC-RM-2L", $"response?asOf={Uri.EscapeDataString(moment.ToString("O"))}");
        Assert.Equal(waiting.Count, response.GetProperty("arms").EnumerateArray()
            .Sum(a => Excluded(a.GetProperty("population")).GetValueOrDefault("no treatment start recorded")));
    }

    [Theory]
    [InlineData("NPC-RM-2L")]
    [InlineData("LA-NPC-EFS")]
    [InlineData("RM-NPC-CADO")]
    public async Task The_async_views_equal_the_read_your_write_views(string code)
    {
        foreach (var query in new[] { "survival", "comparisons?strata=none", "response", "safety", "baseline" })
        {
            if (query.StartsWith("comparisons") && Protocols[code].Arms.Count < 2) continue;
            var live = await GetAsync(code, query);
            var consistent = await GetAsync(code, $"{query}{(query.Contains('?') ? '&' : '?')}consistent=true");
            // Fisher's exact test has a time budget, so a test's note may differ between two runs; the counts may not.
            if (query == "baseline")
                foreach (var (a, b) in live.GetProperty("characteristics").EnumerateArray().Zip(consistent.GetProperty("characteristics").EnumerateArray()))
                    Assert.Equal(a.GetProperty("levels").GetRawText(), b.GetProperty("levels").GetRawText());
            else Assert.Equal(live.GetRawText(), consistent.GetRawText());
        }
    }

    [Fact]
    public async Task Strata_default_to_the_plans_and_adjust_plan_uses_its_covariates()
    {
        var stratified = await GetAsync("LA-NPC-EFS", "comparisons?endpoint=efs&arm=SIN-CRT&reference=CRT");
        var unstratified = await GetAsync("LA-NPC-EFS", "comparisons?endpoint=efs&arm=SIN-CRT&reference=CRT&strata=none");
        var byNStage = await GetAsync("LA-NPC-EFS", "comparisons?endpoint=efs&arm=SIN-CRT&reference=CRT&strata=nStage");
        Assert.Equal("overallStage", stratified.GetProperty("strata").GetString());
        Assert.Equal(JsonValueKind.Null, unstratified.GetProperty("strata").ValueKind);
        Assert.Equal("nStage", byNStage.GetProperty("strata").GetString());
        Assert.NotEqual(stratified.GetProperty("hr").GetDouble(), unstratified.GetProperty("hr").GetDouble());
        Assert.NotEqual(stratified.GetProperty("logRankP").GetDouble(), unstratified.GetProperty("logRankP").GetDouble());
        Assert.Equal(stratified.GetProperty("n").GetInt32(), unstratified.GetProperty("n").GetInt32());

        var adjusted = await GetAsync("NPC-RM-2L", "comparisons?endpoint=pfs&arm=ITC&reference=C&adjust=plan");
        Assert.Equal(["age", "kps"], adjusted.GetProperty("adjustedFor").EnumerateArray().Select(a => a.GetString()));
        var terms = adjusted.GetProperty("terms").EnumerateArray().ToList();
        Assert.Equal(3, terms.Count);
        Assert.Equal(adjusted.GetProperty("hr").GetDouble(), terms[0].GetProperty("hr").GetDouble());
        Assert.Equal(adjusted.GetProperty("n").GetInt32(), (await GetAsync("NPC-RM-2L", "comparisons?endpoint=pfs&arm=ITC&reference=C")).GetProperty("n").GetInt32());
        var refused = await GetAsync("NPC-RM-2L", "comparisons?endpoint=pfs&arm=ITC&reference=C&adjust=weight", 400);
        Assert.Contains("weight", refused.GetProperty("errors").GetProperty("adjust")[0].GetString());
    }

    [Fact]
    public async Task Maturity_refuses_more_than_120_cuts_and_a_reference_without_an_arm()
    {
        var tooFine = await GetAsync("LA-NPC-EFS", "maturity?endpoint=efs&every=1w", 400);
        Assert.Contains("more than 120 data cuts", tooFine.GetProperty("errors").GetProperty("every")[0].GetString());
        var monthly = await GetAsync("LA-NPC-EFS", "maturity?endpoint=efs&every=1m");
        Assert.InRange(monthly.GetProperty("cuts").GetArrayLength(), 40, 120);
        foreach (var route in new[] { "maturity", "subgroups", "comparisons" })
        {
            var alone = await GetAsync("LA-NPC-EFS", $"{route}?endpoint=efs&reference=CRT", 400);
            Assert.Contains("arm is required when reference is given", alone.GetProperty("errors").GetProperty("arm")[0].GetString());
        }
    }
}
