using System.Text.Json;
using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Datasets;

/// <summary>
/// On every demo study, the datasets count what the views count: ADSL's populations are the views' population, ADRS's
/// best overall responses are Table 2's, ADAE's worst-grade flags are Table 3's, ADTTE's events are the survival
/// view's — as docs/interop.md says a statistician can count them.
/// </summary>
[Collection(AllDemoStudiesCollection.Name)]
public sealed class DatasetsAgainstViewsTests(AllDemoStudiesApp app)
{
    private async Task<string> TextAsync(string code, string query) => await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Investigator);
        s.Get.Url($"/api/studies/{app[code].StudyId}/{query}");
    })).ReadAsTextAsync();

    /// <summary>A dataset's records from its Dataset-JSON, each as name → value (text, number or null).</summary>
    private async Task<List<Dictionary<string, JsonElement>>> RecordsAsync(string code, string dataset)
    {
        var json = JsonDocument.Parse(await TextAsync(code, $"datasets/{dataset}.json")).RootElement;
        var names = json.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        return json.GetProperty("rows").EnumerateArray().Select(r => names.Zip(r.EnumerateArray()).ToDictionary(p => p.First, p => p.Second.Clone())).ToList();
    }

    private static string? Text(Dictionary<string, JsonElement> record, string name) => record[name].ValueKind == JsonValueKind.Null ? null : record[name].GetString();

    public static TheoryData<string> Studies() => new(["NPC-RM-2L", "LA-NPC-EFS", "RM-NPC-CADO"]);

    [Theory]
    [MemberData(nameof(Studies))]
    public async Task ADRS_best_overall_responses_per_arm_are_Table_2s(string code)
    {
        var view = JsonDocument.Parse(await TextAsync(code, "response")).RootElement;
        var bor = (await RecordsAsync(code, "adrs")).Where(r => Text(r, "PARAMCD") == "BOR").ToList();
        var confirmed = (await RecordsAsync(code, "adrs")).Where(r => Text(r, "PARAMCD") == "CONFRESP" && Text(r, "AVALC") == "Y").ToList();
        foreach (var arm in view.GetProperty("arms").EnumerateArray())
        {
            var of = bor.Where(r => Text(r, "ARMCD") == arm.GetProperty("arm").GetString()).ToList();
            Assert.Equal(
                new[] { "cr", "pr", "sd", "pd", "ne" }.Select(k => arm.GetProperty(k).GetInt32()),
                new[] { "CR", "PR", "SD", "PD", "NE" }.Select(k => of.Count(r => Text(r, "AVALC") == k)));
            if (arm.GetProperty("confirmedOrr").ValueKind != JsonValueKind.Null)
                Assert.Equal(arm.GetProperty("confirmedOrr").GetProperty("patients").GetInt32(), confirmed.Count(r => Text(r, "ARMCD") == arm.GetProperty("arm").GetString()));
        }
    }

    [Theory]
    [MemberData(nameof(Studies))]
    public async Task ADAE_worst_grade_flags_per_term_and_arm_are_Table_3s(string code)
    {
        var view = JsonDocument.Parse(await TextAsync(code, "safety")).RootElement;
        var adae = await RecordsAsync(code, "adae");
        var worst = adae.Where(r => Text(r, "AOCCPIFL") == "Y").ToList();
        Assert.NotEmpty(worst);
        foreach (var term in view.GetProperty("terms").EnumerateArray())
            foreach (var (any, severe) in term.GetProperty("anyGrade").EnumerateArray().Zip(term.GetProperty("gradeThreeOrMore").EnumerateArray()))
            {
                var flagged = worst.Where(r => Text(r, "AEDECOD") == term.GetProperty("term").GetString() && Text(r, "ARMCD") == any.GetProperty("arm").GetString()).ToList();
                Assert.Equal((any.GetProperty("patients").GetInt32(), severe.GetProperty("patients").GetInt32()),
                    (flagged.Count, flagged.Count(r => r["ATOXGRN"].GetInt32() >= 3)));
            }
        // Each subject with any adverse event has exactly one worst occurrence overall.
        Assert.Equal(adae.Select(r => Text(r, "USUBJID")).Distinct().Count(), adae.Count(r => Text(r, "AOCCIFL") == "Y"));
    }

    [Theory]
    [MemberData(nameof(Studies))]
    public async Task ADSL_populations_and_ADTTE_events_are_the_survival_views(string code)
    {
        var adsl = await RecordsAsync(code, "adsl");
        var adtte = await RecordsAsync(code, "adtte");
        var endpoint = Text(adtte[0], "PARAMCD")!;
        var view = JsonDocument.Parse(await TextAsync(code, $"survival?endpoint={endpoint.ToLowerInvariant()}")).RootElement;

        Assert.Equal(app[code].Simulated.Patients, adsl.Count);
        Assert.Equal(view.GetProperty("population").GetProperty("enrolled").GetInt32(), adsl.Count);
        foreach (var arm in view.GetProperty("arms").EnumerateArray())
        {
            var rows = adtte.Where(r => Text(r, "PARAMCD") == endpoint && Text(r, "ARMCD") == arm.GetProperty("arm").GetString()).ToList();
            Assert.Equal((arm.GetProperty("n").GetInt32(), arm.GetProperty("events").GetInt32()), (rows.Count, rows.Count(r => r["CNSR"].GetInt32() == 0)));
            Assert.Equal(arm.GetProperty("population").GetProperty("analysed").GetInt32(),
                adsl.Count(r => Text(r, "EFFFL") == "Y" && Text(r, "ARMCD") == arm.GetProperty("arm").GetString()));
        }
    }
}
