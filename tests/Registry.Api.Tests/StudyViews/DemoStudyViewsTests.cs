using System.Text.Json;
using Alba;
using Registry.Api.DemoStudy;
using Registry.Api.Patients;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// The investigator views on the demo study, end to end, against R: Fixtures/demo-study-r.json holds survfit
/// medians and coxph (Efron) / survdiff results that R/demo_study.R computed from the same patients' rows.
/// </summary>
public sealed class DemoStudyViewsTests(DemoStudyApp app) : IClassFixture<DemoStudyApp>
{
    private static readonly JsonElement R = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "demo-study-r.json"))).RootElement;

    private async Task<JsonElement> GetAsync(string query) => await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Investigator);
        s.Get.Url($"/api/studies/{app.StudyId}/{query}");
    })).JsonAsync();

    private static void Close(JsonElement expected, JsonElement actual, double relative, string what)
    {
        if (expected.ValueKind == JsonValueKind.Null) { Assert.True(actual.ValueKind == JsonValueKind.Null, $"{what}: R gives NA, registry {actual}"); return; }
        var (e, a) = (expected.GetDouble(), actual.GetDouble());
        Assert.True(Math.Abs(a - e) <= relative * Math.Abs(e), $"{what}: registry {a:R}, R {e:R}");
    }

    [Theory]
    [InlineData("pfs")]
    [InlineData("os")]
    public async Task Medians_per_arm_agree_with_R_survfit(string endpoint)
    {
        var view = await GetAsync($"survival?endpoint={endpoint}");
        foreach (var arm in view.GetProperty("arms").EnumerateArray())
        {
            var code = arm.GetProperty("arm").GetString()!;
            var r = R.GetProperty(endpoint).GetProperty("medians").GetProperty(code);
            Assert.Equal(r.GetProperty("n").GetInt32(), arm.GetProperty("n").GetInt32());
            Assert.Equal(r.GetProperty("events").GetInt32(), arm.GetProperty("events").GetInt32());
            // Medians are step-function times in months (days / 30.4375): equal up to floating-point division.
            Close(r.GetProperty("median"), arm.GetProperty("median"), 1e-12, $"{endpoint} {code} median");
            Close(r.GetProperty("lower"), arm.GetProperty("medianLower"), 1e-12, $"{endpoint} {code} lower");
            Close(r.GetProperty("upper"), arm.GetProperty("medianUpper"), 1e-12, $"{endpoint} {code} upper");
        }
    }

    public static TheoryData<string, int> Comparisons() => new() { { "pfs", 0 }, { "pfs", 1 }, { "pfs", 2 }, { "pfs", 3 }, { "pfs", 4 }, { "pfs", 5 }, { "os", 0 } };

    [Theory]
    [MemberData(nameof(Comparisons))]
    public async Task Hazard_ratios_agree_with_R_coxph_and_survdiff(string endpoint, int index)
    {
        var r = R.GetProperty(endpoint).GetProperty("comparisons")[index];
        var view = await GetAsync($"comparisons?endpoint={endpoint}&arm={Uri.EscapeDataString(r.GetProperty("arm").GetString()!)}&reference={Uri.EscapeDataString(r.GetProperty("reference").GetString()!)}");

        Assert.Equal(r.GetProperty("n").GetInt32(), view.GetProperty("n").GetInt32());
        Assert.Equal(r.GetProperty("events").GetInt32(), view.GetProperty("events").GetInt32());
        // R was run at eps 1e-12; the registry stops at R's default 1e-9 on the log-likelihood, so 1e-6 bounds the difference.
        Close(r.GetProperty("hr"), view.GetProperty("hr"), 1e-6, "HR");
        Close(r.GetProperty("lower"), view.GetProperty("hrLower"), 1e-6, "HR lower");
        Close(r.GetProperty("upper"), view.GetProperty("hrUpper"), 1e-6, "HR upper");
        Close(r.GetProperty("p"), view.GetProperty("p"), 1e-6, "Wald p");
        Close(r.GetProperty("logRankP"), view.GetProperty("logRankP"), 1e-9, "log-rank p");
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
        var now = await GetAsync("comparisons?endpoint=pfs&arm=ITC&reference=C");
        var then = await GetAsync("comparisons?endpoint=pfs&arm=ITC&reference=C&asOf=2020-06-30T00:00:00Z");
        var cut = await GetAsync("comparisons?endpoint=pfs&arm=ITC&reference=C&dataCut=2020-06-30");
        Assert.True(then.GetProperty("n").GetInt32() < now.GetProperty("n").GetInt32());
        Assert.Equal(now.GetProperty("n").GetInt32(), cut.GetProperty("n").GetInt32() + TreatedAfter(new DateOnly(2020, 6, 30), "ITC", "C"));
        Assert.True(cut.GetProperty("events").GetInt32() < now.GetProperty("events").GetInt32());
    }

    /// <summary>Patients of the given arms whose treatment started after the cut: not yet analysable at it.</summary>
    private static int TreatedAfter(DateOnly cut, params string[] arms)
    {
        var study = StudySimulator.Generate();
        var armOf = study.Entries.Where(e => e.Request is EnrolPatient).ToDictionary(e => e.Patient, e => ((EnrolPatient)e.Request).Arm);
        return study.Entries.Count(e => e.Request is StartTreatment t && DateOnly.Parse(t.StartedOn!) > cut && arms.Contains(armOf[e.Patient]));
    }

    [Fact]
    public async Task Subgroups_give_each_baseline_characteristic_its_rows_and_interaction_test()
    {
        var view = await GetAsync("subgroups?endpoint=pfs&arm=ITC%2BIT&reference=IC%2BC");
        var overall = await GetAsync("comparisons?endpoint=pfs&arm=ITC%2BIT&reference=IC%2BC");
        Close(overall.GetProperty("hr"), view.GetProperty("overall").GetProperty("hr"), 1e-9, "overall HR");
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

        var some = cuts[cuts.Count / 2];
        var cut = some.GetProperty("dataCut").GetString();
        var direct = await GetAsync($"comparisons?endpoint=os&arm=ITC&reference=C&dataCut={cut}&asOf={DateOnly.Parse(cut!).AddDays(1):yyyy-MM-dd}T00:00:00Z");
        Assert.Equal(direct.GetProperty("events").GetInt32(), some.GetProperty("events").GetInt32());
        Close(direct.GetProperty("hr"), some.GetProperty("hr"), 1e-12, "HR at the cut");
    }

    private static readonly IReadOnlyList<Registry.Domain.Outcomes.PatientOutcome> Derived = Registry.Api.Tests.DemoStudy.SimulatedOutcomes.Derive(StudySimulator.Generate());

    [Fact]
    public async Task Response_rates_and_their_tests_equal_the_analytics_run_on_the_same_rows()
    {
        var view = await GetAsync("response");
        var arms = new[] { "ITC", "IT", "IC", "C" };
        var orr = new int[4, 2];
        for (var i = 0; i < arms.Length; i++)
        {
            var patients = Derived.Where(o => o.Arm == arms[i]).ToList();
            var responders = patients.Count(o => o.BestOverallResponse is Registry.Domain.Outcomes.BestOverallResponse.CR or Registry.Domain.Outcomes.BestOverallResponse.PR);
            (orr[i, 0], orr[i, 1]) = (responders, patients.Count - responders);
            var row = view.GetProperty("arms")[i];
            var ci = Registry.Analytics.Tables.ClopperPearson.Interval(responders, patients.Count);
            Assert.Equal(responders, row.GetProperty("orr").GetProperty("patients").GetInt32());
            Assert.Equal(ci.Lower, row.GetProperty("orr").GetProperty("lower").GetDouble(), 15);
            Assert.Equal(ci.Upper, row.GetProperty("orr").GetProperty("upper").GetDouble(), 15);
        }
        Assert.Equal(Registry.Analytics.Tables.PearsonChiSquare.Test(orr).Test!.P, view.GetProperty("orrAcrossArms").GetProperty("chiSquareP").GetDouble(), 15);
        Assert.Equal(Registry.Analytics.Tables.FisherExact.Test(orr).P, view.GetProperty("orrAcrossArms").GetProperty("fisherP").GetDouble(), 15);
    }

    [Fact]
    public async Task Safety_and_baseline_counts_equal_the_same_rows_counted_directly()
    {
        var safety = await GetAsync("safety");
        var neutropenia = safety.GetProperty("terms").EnumerateArray().Single(t => t.GetProperty("term").GetString() == "Neutropenia");
        var expected = new[] { "ITC", "IT", "IC", "C" }.Select(arm => Derived.Count(o => o.Arm == arm && o.AdverseEvents.Any(a => a.Term == "Neutropenia" && a.WorstGrade >= 3)));
        Assert.Equal(expected, neutropenia.GetProperty("gradeThreeOrMore").EnumerateArray().Select(c => c.GetProperty("patients").GetInt32()));

        var baseline = await GetAsync("baseline");
        var sex = baseline.GetProperty("characteristics").EnumerateArray().Single(c => c.GetProperty("variable").GetString() == "sex");
        var table = new int[4, 2];
        var arms = new[] { "ITC", "IT", "IC", "C" };
        for (var i = 0; i < 4; i++)
        {
            table[i, 0] = Derived.Count(o => o.Arm == arms[i] && o.Baseline.Sex == Registry.Domain.Patients.Sex.Male);
            table[i, 1] = Derived.Count(o => o.Arm == arms[i] && o.Baseline.Sex == Registry.Domain.Patients.Sex.Female);
        }
        Assert.Equal(Registry.Analytics.Tables.PearsonChiSquare.Test(table).Test!.P, sex.GetProperty("acrossArms").GetProperty("chiSquareP").GetDouble(), 15);
    }
}
