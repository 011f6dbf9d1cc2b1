using System.Text.Json;
using Alba;
using Registry.Api.Tests.DemoStudy;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// The motivating study's published tables, read through the API: the simulated copy of Jiang Y et al., Sci Rep 14
/// (2024), doi:10.1038/s41598-024-52326-7, must print Tables 1–3 with the published counts for the pooled groups
/// (IC+C first, as the paper prints them) and the published Pearson p-values to 3 decimals; the PFS medians within
/// ±15% of Fig. 2's; and every published hazard ratio's point estimate inside its published 95% CI.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class PublishedTablesTests(DemoStudyApp app)
{
    private const string Pooled = "arms=IC%2BC,ITC%2BIT";

    private async Task<JsonElement> GetAsync(string query) => await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Investigator);
        s.Get.Url($"/api/studies/{app.StudyId}/{query}");
    })).JsonAsync();

    private static int[] Patients(JsonElement counts) => counts.EnumerateArray().Select(c => c.GetProperty("patients").GetInt32()).ToArray();

    private static void PublishedP(double published, JsonElement test, string what)
    {
        var p = test.GetProperty("chiSquareP").GetDouble();
        Assert.True(Math.Round(p, 3) == published, $"{what}: published p = {published:0.000}, the API gives {p:0.00000}.");
    }

    [Theory]
    [MemberData(nameof(Jiang2024.Table1Variables), MemberType = typeof(Jiang2024))]
    public async Task Baseline_prints_Table_1(string variable)
    {
        var (groups, icPlusC, itcPlusIt, p) = (Jiang2024.Of(variable).Groups, Jiang2024.Of(variable).IcPlusC, Jiang2024.Of(variable).ItcPlusIt, Jiang2024.Of(variable).P);
        var view = await GetAsync($"baseline?{Pooled}");
        Assert.Equal(["IC+C", "ITC+IT"], view.GetProperty("arms").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal([108, 118], view.GetProperty("n").EnumerateArray().Select(n => n.GetInt32()));
        var row = view.GetProperty("characteristics").EnumerateArray().Single(c => c.GetProperty("variable").GetString() == variable);
        var levels = row.GetProperty("levels").EnumerateArray().ToDictionary(l => l.GetProperty("level").GetString()!, l => Patients(l.GetProperty("arms")));
        Assert.True(levels.Count == groups.Length, $"Jiang 2024, Sci Rep, Table 1: {variable} has groups {string.Join(", ", groups)}; the API shows {string.Join(", ", levels.Keys)}.");
        for (var i = 0; i < groups.Length; i++)
            Assert.True(levels.TryGetValue(groups[i], out var counts) && counts.SequenceEqual([icPlusC[i], itcPlusIt[i]]),
                $"Jiang 2024, Sci Rep, Table 1: {variable} {groups[i]} is {icPlusC[i]} vs {itcPlusIt[i]}; the API gives {(counts is null ? "no row" : string.Join(" vs ", counts))}.");
        PublishedP(p, row.GetProperty("acrossArms"), $"Jiang 2024, Sci Rep, Table 1: {variable}");
    }

    [Fact]
    public async Task Response_prints_Table_2()
    {
        var view = await GetAsync($"response?{Pooled}");
        var groups = view.GetProperty("arms").EnumerateArray().ToList();
        Assert.Equal(["IC+C", "ITC+IT"], groups.Select(a => a.GetProperty("arm").GetString()));
        foreach (var (group, published) in groups.Zip(new[] { (5, 27, 57, 19), (7, 44, 54, 13) }))
        {
            var api = (group.GetProperty("cr").GetInt32(), group.GetProperty("pr").GetInt32(), group.GetProperty("sd").GetInt32(), group.GetProperty("pd").GetInt32());
            Assert.True(api == published, $"Jiang 2024, Sci Rep, Table 2: {group.GetProperty("arm")} CR/PR/SD/PD is {published}; the API gives {api}.");
            Assert.Equal(0, group.GetProperty("ne").GetInt32());
        }
        Assert.True(groups.Select(g => g.GetProperty("orr").GetProperty("patients").GetInt32()).SequenceEqual([32, 51]), "Jiang 2024, Sci Rep, Table 2: ORR 32/108 (29.63%) vs 51/118 (43.22%).");
        Assert.True(groups.Select(g => g.GetProperty("dcr").GetProperty("patients").GetInt32()).SequenceEqual([89, 105]), "Jiang 2024, Sci Rep, Table 2: DCR 89/108 (82.41%) vs 105/118 (88.98%).");
        Assert.Equal(0.2963, groups[0].GetProperty("orr").GetProperty("rate").GetDouble(), 4);
        Assert.Equal(0.4322, groups[1].GetProperty("orr").GetProperty("rate").GetDouble(), 4);
        PublishedP(0.034, view.GetProperty("orrAcrossArms"), "Jiang 2024, Sci Rep, Table 2: ORR");
        PublishedP(0.157, view.GetProperty("dcrAcrossArms"), "Jiang 2024, Sci Rep, Table 2: DCR");
    }

    [Fact]
    public async Task Response_per_arm_gives_the_published_ORR()
    {
        var view = await GetAsync("response");
        // Jiang 2024, Sci Rep: ORR ITC 48.57%, IT 35.42%, C 25% (and so IC 17/48).
        foreach (var (arm, responders, patients) in new[] { ("ITC", 34, 70), ("IT", 17, 48), ("IC", 17, 48), ("C", 15, 60) })
        {
            var row = view.GetProperty("arms").EnumerateArray().Single(a => a.GetProperty("arm").GetString() == arm);
            var orr = row.GetProperty("orr");
            Assert.True((responders, patients) == (orr.GetProperty("patients").GetInt32(), orr.GetProperty("of").GetInt32()),
                $"Jiang 2024, Sci Rep: ORR of {arm} is {responders}/{patients}; the API gives {orr.GetProperty("patients")}/{orr.GetProperty("of")}.");
        }
    }

    [Fact]
    public async Task Safety_prints_the_totals_of_Table_3()
    {
        var view = await GetAsync($"safety?{Pooled}");
        Assert.True(Patients(view.GetProperty("anyAdverseEvent")).SequenceEqual([102, 107]), "Jiang 2024, Sci Rep, Table 3: any adverse event 102 (94.44%) vs 107 (90.7%).");
        Assert.True(Patients(view.GetProperty("anyGradeThreeOrMore")).SequenceEqual([40, 25]), "Jiang 2024, Sci Rep, Table 3: any grade ≥ 3 40 vs 25.");
        PublishedP(0.284, view.GetProperty("anyAdverseEventAcrossArms"), "Jiang 2024, Sci Rep, Table 3: any adverse event");
        PublishedP(0.009, view.GetProperty("anyGradeThreeOrMoreAcrossArms"), "Jiang 2024, Sci Rep, Table 3: any grade ≥ 3");
        Assert.Equal(22, view.GetProperty("terms").GetArrayLength());
    }

    [Theory]
    [InlineData("Leukopenia", 64, 57, 24, 6)]
    [InlineData("Neutropenia", 59, 33, 14, 7)]
    [InlineData("Anemia", 87, 72, 13, 6)]
    [InlineData("Thrombocytopenia", 38, 26, 9, 6)]
    [InlineData("Total bilirubin increased", 2, 18, 0, 2)]
    [InlineData("ALP increased", 7, 20, 2, 0)]
    [InlineData("Hypothyroidism", 11, 27, 0, 0)]
    [InlineData("Epistaxis", 0, 9, 0, 1)]
    public async Task Safety_prints_the_terms_of_Table_3(string term, int anyIcPlusC, int anyItcPlusIt, int severeIcPlusC, int severeItcPlusIt)
    {
        var view = await GetAsync($"safety?{Pooled}");
        var row = view.GetProperty("terms").EnumerateArray().Single(t => t.GetProperty("term").GetString() == term);
        Assert.True(Patients(row.GetProperty("anyGrade")).SequenceEqual([anyIcPlusC, anyItcPlusIt]),
            $"Jiang 2024, Sci Rep, Table 3: {term} any grade {anyIcPlusC} vs {anyItcPlusIt}; the API gives {string.Join(" vs ", Patients(row.GetProperty("anyGrade")))}.");
        Assert.True(Patients(row.GetProperty("gradeThreeOrMore")).SequenceEqual([severeIcPlusC, severeItcPlusIt]),
            $"Jiang 2024, Sci Rep, Table 3: {term} grade ≥ 3 {severeIcPlusC} vs {severeItcPlusIt}; the API gives {string.Join(" vs ", Patients(row.GetProperty("gradeThreeOrMore")))}.");
    }

    [Theory]
    [InlineData("ITC", 20.67)]
    [InlineData("IT", 13.63)]
    [InlineData("IC", 12.47)]
    [InlineData("C", 7.93)]
    public async Task Pfs_medians_lie_within_15_percent_of_Figure_2(string arm, double published)
    {
        var view = await GetAsync($"survival?endpoint=pfs&arms={arm}");
        var median = view.GetProperty("arms")[0].GetProperty("median").GetDouble();
        Assert.True(Math.Abs(median - published) <= 0.15 * published,
            $"Jiang 2024, Sci Rep, Fig. 2: median PFS of {arm} is {published} months; the API gives {median:0.00}.");
    }

    public static TheoryData<string, string, string, double, double> PublishedHazardRatios() => new()
    {
        { "pfs", "IC+C", "ITC+IT", 1.411, 2.865 },
        { "pfs", "ITC", "IT", 0.252, 0.855 },
        { "pfs", "ITC", "IC", 0.323, 0.972 },
        { "pfs", "ITC", "C", 0.178, 0.464 },
        { "pfs", "IT", "IC", 0.515, 1.77 },
        { "pfs", "IT", "C", 0.345, 0.985 },
        { "os", "ITC", "C", 0.123, 0.915 },
    };

    [Theory]
    [MemberData(nameof(PublishedHazardRatios))]
    public async Task Each_published_hazard_ratio_lies_inside_its_published_interval(string endpoint, string arm, string reference, double lower, double upper)
    {
        // The six PFS comparisons are the plan's, answered by /comparisons without an arm; the OS one is asked for.
        var planned = (await GetAsync($"comparisons?endpoint={endpoint}")).GetProperty("comparisons").EnumerateArray()
            .SingleOrDefault(c => c.GetProperty("arm").GetString() == arm && c.GetProperty("reference").GetString() == reference);
        var view = planned.ValueKind == JsonValueKind.Object ? planned
            : await GetAsync($"comparisons?endpoint={endpoint}&arm={Uri.EscapeDataString(arm)}&reference={Uri.EscapeDataString(reference)}");
        var hr = view.GetProperty("hr").GetDouble();
        Assert.True(hr >= lower && hr <= upper,
            $"Jiang 2024, Sci Rep: {endpoint.ToUpperInvariant()} HR of {arm} vs {reference} lies in {lower}–{upper}; the API gives {hr:0.000}.");
        if (arm == "IC+C")
            Assert.True(view.GetProperty("p").GetDouble() < 0.05, $"Jiang 2024, Sci Rep: PFS IC/C vs ITC/IT, HR 2.01, p < 0.001; the API gives p = {view.GetProperty("p")}.");
    }
}
