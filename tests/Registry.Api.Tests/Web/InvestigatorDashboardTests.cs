using System.Globalization;
using System.Net;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web;

/// <summary>
/// The investigator's dashboard on the motivating demo study (NPC-RM-2L, 226 patients): every number on the page is
/// the study view's number as the API gives it for the same question, formatted; bad picker values are the API's 400
/// messages beside their pickers; every figure and table downloads.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class InvestigatorDashboardTests(DemoStudyApp app)
{
    private string Dashboard(string query = "") => $"/studies/{app.StudyId}/dashboard{query}";

    private async Task<JsonElement> ApiAsync(BrowserSession browser, string view)
    {
        using var response = await browser.Client.GetAsync($"/api/studies/{app.StudyId}/{view}");
        Assert.True(response.IsSuccessStatusCode, $"{view}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static string F2(JsonElement value) => value.GetDouble().ToString("F2", CultureInfo.InvariantCulture);

    private static string P(JsonElement value) => value.GetDouble() < 0.001 ? "<0.001" : value.GetDouble().ToString("F3", CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_plans_hazard_ratios_on_the_page_are_the_comparisons_views_formatted()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var page = await browser.GetAsync(Dashboard());
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("NPC-RM-2L dashboard", page.Text("h1"));

        var api = await ApiAsync(browser, "comparisons?consistent=true");
        var planned = api.GetProperty("comparisons").EnumerateArray().ToList();
        Assert.Equal(6, planned.Count);
        var rows = Rows(page, "comparisons");
        Assert.Equal(planned.Count, rows.Count);
        foreach (var comparison in planned)
        {
            var name = $"{comparison.GetProperty("arm").GetString()} vs {comparison.GetProperty("reference").GetString()}";
            var row = rows[name];
            Assert.Equal(comparison.GetProperty("n").GetInt32().ToString(CultureInfo.InvariantCulture), row[0]);
            Assert.Equal(comparison.GetProperty("events").GetInt32().ToString(CultureInfo.InvariantCulture), row[1]);
            Assert.Equal(F2(comparison.GetProperty("hr")), row[2]);
            Assert.Equal($"{F2(comparison.GetProperty("hrLower"))}–{F2(comparison.GetProperty("hrUpper"))}", row[3]);
            Assert.Equal(P(comparison.GetProperty("p")), row[4]);
            Assert.Equal(P(comparison.GetProperty("logRankP")), row[5]);
        }
        // The first planned comparison: pooled IC+C against pooled ITC+IT, as the motivating paper reports it.
        Assert.True(rows.ContainsKey("IC+C vs ITC+IT"));
    }

    [Fact]
    public async Task The_Kaplan_Meier_tables_are_the_survival_views_medians_landmarks_and_numbers_at_risk()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var page = await browser.GetAsync(Dashboard("?endpoint=os&arms=ITC&arms=IT%2BIC&arms=C"));
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var api = await ApiAsync(browser, "survival?endpoint=os&arms=ITC,IT%2BIC,C&consistent=true");
        Assert.Equal("Kaplan–Meier: Overall survival (OS)", page.Text("#km-title"));

        var estimates = Rows(page, "km-estimates");
        var atRisk = Rows(page, "km-at-risk");
        Assert.Equal(["ITC", "IT+IC", "C"], estimates.Keys);
        foreach (var arm in api.GetProperty("arms").EnumerateArray())
        {
            var row = estimates[arm.GetProperty("arm").GetString()!];
            Assert.Equal(arm.GetProperty("n").GetInt32().ToString(CultureInfo.InvariantCulture), row[0]);
            Assert.Equal(arm.GetProperty("events").GetInt32().ToString(CultureInfo.InvariantCulture), row[1]);
            var median = arm.GetProperty("median");
            Assert.Equal(median.ValueKind == JsonValueKind.Null ? "not estimable" : median.GetDouble().ToString("F1", CultureInfo.InvariantCulture),
                row[2].Split(" (")[0]);
            var landmarks = arm.GetProperty("landmarks").EnumerateArray().ToList();
            Assert.Equal(3, landmarks.Count);
            for (var i = 0; i < landmarks.Count; i++)
            {
                var survival = landmarks[i].GetProperty("survival");
                Assert.Equal(survival.ValueKind == JsonValueKind.Null ? "not estimable" : (100 * survival.GetDouble()).ToString("F1", CultureInfo.InvariantCulture) + "%",
                    row[4 + 2 * i].Split(" (")[0]);
            }
            var counts = arm.GetProperty("atRisk").EnumerateArray().Select(r => r.GetProperty("n").GetInt32().ToString(CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(counts, atRisk[arm.GetProperty("arm").GetString()!].Take(counts.Count));
        }
        Assert.Equal("os", Selected(page, "endpoint"));
        // Only the arms the protocol has are boxes to tick; the pooled IT+IC was asked for in the address.
        Assert.Equal(["C", "ITC"], page.Document.QuerySelectorAll<IHtmlInputElement>("input[name=arms]").Where(b => b.IsChecked).Select(b => b.Value).Order());
    }

    [Fact]
    public async Task A_chosen_comparison_at_a_data_cut_and_moment_is_the_APIs_answer_to_the_same_question()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        const string question = "endpoint=pfs&arm=ITC&reference=C&dataCut=2021-06-30&asOf=2021-07-01T00:00:00Z";
        var page = await browser.GetAsync(Dashboard($"?{question}&adjust=plan"));
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var api = await ApiAsync(browser, $"comparisons?{question}&adjust=plan&consistent=true");
        var row = Assert.Single(Rows(page, "comparisons"));
        Assert.Equal("ITC vs C", row.Key);
        Assert.Equal(api.GetProperty("n").GetInt32().ToString(CultureInfo.InvariantCulture), row.Value[0]);
        Assert.Equal(F2(api.GetProperty("hr")), row.Value[2]);
        Assert.Equal("Age, Karnofsky performance status", row.Value[7]);
        Assert.Contains("As recorded by 2021-07-01 00:00:00 UTC. Follow-up to the data cut 2021-06-30.", page.Text(".lead"));
        // The whole record at the cut holds fewer events than it does now.
        var now = await ApiAsync(browser, "comparisons?endpoint=pfs&arm=ITC&reference=C&consistent=true");
        Assert.True(api.GetProperty("events").GetInt32() < now.GetProperty("events").GetInt32());

        // The forest plot and maturity answer the chosen comparison too.
        Assert.Equal("Subgroups: ITC vs C, PFS", page.Text("#forest-title"));
        var subgroups = await ApiAsync(browser, $"subgroups?endpoint=pfs&arm=ITC&reference=C&dataCut=2021-06-30&asOf=2021-07-01T00:00:00Z&consistent=true");
        Assert.Equal(F2(subgroups.GetProperty("overall").GetProperty("hr")), Rows(page, "subgroups")["All patients"][2]);
        var maturity = await ApiAsync(browser, "maturity?endpoint=pfs&arm=ITC&reference=C");
        var cuts = Rows(page, "maturity");
        Assert.Equal(maturity.GetProperty("cuts").GetArrayLength(), cuts.Count);
        var last = maturity.GetProperty("cuts").EnumerateArray().Last();
        Assert.Equal(F2(last.GetProperty("hr")), cuts[last.GetProperty("dataCut").GetString()!][2]);
    }

    [Fact]
    public async Task Tables_one_to_three_are_the_baseline_response_and_safety_views()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var page = await browser.GetAsync(Dashboard("?arms=ITC%2BIT&arms=IC%2BC"));
        Assert.Equal(HttpStatusCode.OK, page.Status);

        var response = await ApiAsync(browser, "response?arms=ITC%2BIT,IC%2BC&consistent=true");
        var responseRows = Rows(page, "response");
        foreach (var arm in response.GetProperty("arms").EnumerateArray())
        {
            var row = responseRows[arm.GetProperty("arm").GetString()!];
            var orr = arm.GetProperty("orr");
            string Percent(string p) => (100 * orr.GetProperty(p).GetDouble()).ToString("F1", CultureInfo.InvariantCulture) + "%";
            Assert.Equal($"{orr.GetProperty("patients").GetInt32()} ({Percent("rate")}; {Percent("lower")}–{Percent("upper")})", row[6]);
            Assert.Equal(arm.GetProperty("cr").GetInt32().ToString(CultureInfo.InvariantCulture), row[1]);
        }

        var safety = await ApiAsync(browser, "safety?arms=ITC%2BIT,IC%2BC&consistent=true");
        var anyEvent = Rows(page, "safety")["Any adverse event"];
        var counts = safety.GetProperty("anyAdverseEvent").EnumerateArray().ToList();
        Assert.Equal($"{counts[0].GetProperty("patients").GetInt32()} ({counts[0].GetProperty("percent").GetDouble().ToString("F1", CultureInfo.InvariantCulture)}%)", anyEvent[0]);
        Assert.Equal(safety.GetProperty("terms").GetArrayLength() + 2, Rows(page, "safety").Count);

        var baseline = await ApiAsync(browser, "baseline?arms=ITC%2BIT,IC%2BC&consistent=true");
        var headers = page.Document.QuerySelectorAll("#baseline thead th").Select(h => h.TextContent.Trim()).ToList();
        var n = baseline.GetProperty("n").EnumerateArray().Select(x => x.GetInt32()).ToList();
        Assert.Equal(["Characteristic", "Group", $"ITC+IT (n={n[0]})", $"IC+C (n={n[1]})", "p"], headers);
        var sex = baseline.GetProperty("characteristics").EnumerateArray().First(c => c.GetProperty("variable").GetString() == "sex");
        var firstLevel = sex.GetProperty("levels")[0];
        var sexRow = page.Document.QuerySelectorAll("#baseline tbody tr").First(r => r.QuerySelector("th[scope=rowgroup]")?.TextContent.Trim() == sex.GetProperty("label").GetString());
        Assert.Equal(firstLevel.GetProperty("level").GetString(), sexRow.QuerySelector("th[scope=row]")!.TextContent.Trim());
        var cell = firstLevel.GetProperty("arms")[0];
        Assert.Equal($"{cell.GetProperty("patients").GetInt32()} ({cell.GetProperty("percent").GetDouble().ToString("F1", CultureInfo.InvariantCulture)}%)",
            sexRow.QuerySelectorAll("td")[0].TextContent.Trim());
    }

    [Theory]
    [InlineData("asOf=yesterday", "asOf", "comparisons?asOf=yesterday")]
    [InlineData("dataCut=2021-13-01", "dataCut", "survival?dataCut=2021-13-01")]
    [InlineData("endpoint=orr", "endpoint", "survival?endpoint=orr")]
    [InlineData("arm=ITC&reference=ITC%2BIT", "reference", "comparisons?arm=ITC&reference=ITC%2BIT")]
    [InlineData("arm=XYZ", "arm", "comparisons?arm=XYZ")]
    [InlineData("reference=C", "arm", "comparisons?reference=C")]
    [InlineData("strata=ageYears", "strata", "comparisons?strata=ageYears")]
    [InlineData("every=5d", "every", "maturity?every=5d")]
    [InlineData("asOf=2000-01-01", "asOf", null)]
    public async Task A_bad_picker_value_is_the_APIs_400_message_beside_its_picker(string query, string field, string? apiQuery)
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var page = await browser.GetAsync(Dashboard($"?{query}"));
        using var api = await browser.Client.GetAsync($"/api/studies/{app.StudyId}/{apiQuery ?? "survival?" + query}");
        var problem = JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement;
        // A study not yet registered at the moment asked about is the API's 404; the page shows it beside "As of".
        var message = apiQuery is null ? problem.GetProperty("detail").GetString()! : problem.GetProperty("errors").GetProperty(field)[0].GetString()!;
        Assert.Equal(apiQuery is null ? HttpStatusCode.NotFound : HttpStatusCode.BadRequest, api.StatusCode);
        Assert.Equal(api.StatusCode, page.Status);

        Assert.Equal(message, page.Text($"#{field}-error"));
        Assert.Contains(message, page.Text("[role=alert]"));
        var picker = page.Document.GetElementById(field)!;
        Assert.Equal("true", picker.GetAttribute("aria-invalid"));
        Assert.Contains($"{field}-error", picker.GetAttribute("aria-describedby")!.Split(' '));
        // Nothing is drawn from a question the registry refuses.
        Assert.Empty(page.Document.QuerySelectorAll("figure"));
    }

    [Fact]
    public async Task Every_figure_is_drawn_with_a_description_and_downloads_as_PNG_and_SVG_and_every_table_as_CSV()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var page = await browser.GetAsync(Dashboard("?every=3m"));
        var figures = page.Document.QuerySelectorAll<IHtmlImageElement>("figure img").ToList();
        Assert.Equal(3, figures.Count);
        foreach (var figure in figures)
        {
            var source = figure.Source!;
            Assert.StartsWith("data:image/svg+xml;base64,", source);
            Assert.StartsWith("<?xml", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(source[(source.IndexOf(',') + 1)..])).TrimStart());
            Assert.True(figure.AlternativeText!.Length > 80, figure.AlternativeText);
        }
        Assert.Contains("ITC: ", figures[0].AlternativeText);

        var links = page.Document.QuerySelectorAll<IHtmlAnchorElement>(".downloads a").Select(a => (Text: a.TextContent.Trim(), Href: a.GetAttribute("href")!)).ToList();
        Assert.Equal(6, links.Count(l => l.Text.StartsWith("PNG") || l.Text.StartsWith("SVG")));
        // Seven view tables, and the four analysis datasets (each also as Dataset-JSON, with their definition).
        Assert.Equal(11, links.Count(l => l.Text.StartsWith("CSV")));
        Assert.Equal(5, links.Count(l => l.Text.Contains("JSON")));
        var svgs = new List<string>();
        foreach (var (text, href) in links)
        {
            using var download = await browser.Client.GetAsync(href);
            Assert.True(download.StatusCode == HttpStatusCode.OK, $"{text} {href}: {download.StatusCode}");
            var type = download.Content.Headers.ContentType!.MediaType;
            Assert.Equal(text.StartsWith("PNG") ? "image/png" : text.StartsWith("SVG") ? "image/svg+xml" : text.Contains("JSON") ? "application/json" : "text/csv", type);
            var bytes = await download.Content.ReadAsByteArrayAsync();
            if (text.StartsWith("SVG")) svgs.Add(Convert.ToBase64String(bytes));
        }
        // Each figure on the page is its SVG download, byte for byte: the same question, drawn once for both.
        Assert.Equal(figures.Select(f => f.Source![(f.Source!.IndexOf(',') + 1)..]), svgs);
        // Each link names what it downloads.
        Assert.Contains(links, l => l.Text == "CSV of the hazard ratios");
    }

    [Fact]
    public async Task The_analysis_datasets_download_at_the_pages_data_cut_and_moment()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var page = await browser.GetAsync(Dashboard("?dataCut=2021-06-30&asOf=2021-07-01T00:00:00Z"));
        var links = page.Document.QuerySelectorAll<IHtmlAnchorElement>("section[aria-labelledby=datasets-title] .downloads a")
            .Select(a => (Text: a.TextContent.Trim(), Href: a.GetAttribute("href")!)).ToList();

        Assert.Equal(["CSV of ADSL", "Dataset-JSON of ADSL", "CSV of ADTTE", "Dataset-JSON of ADTTE", "CSV of ADRS", "Dataset-JSON of ADRS", "CSV of ADAE",
            "Dataset-JSON of ADAE", "JSON of their data definition"], links.Select(l => l.Text));
        var adtte = links.Single(l => l.Text == "CSV of ADTTE").Href;
        Assert.Equal($"/api/studies/{app.StudyId}/datasets/adtte.csv?asOf=2021-07-01T00%3A00%3A00Z&dataCut=2021-06-30", adtte);
        var atCut = await browser.Client.GetStringAsync(adtte);
        Assert.NotEqual(await browser.Client.GetStringAsync($"/api/studies/{app.StudyId}/datasets/adtte.csv"), atCut);
        Assert.DoesNotContain(",2021-07-", atCut);
    }

    [Fact]
    public async Task The_hazard_ratio_CSV_holds_the_views_numbers_at_full_precision()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Investigator);
        var api = await ApiAsync(browser, "comparisons?endpoint=os&consistent=true");
        var csv = (await browser.Client.GetStringAsync($"/api/studies/{app.StudyId}/comparisons.csv?endpoint=os&consistent=true"))
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')).ToList();
        Assert.Equal(["endpoint", "arm", "reference", "n", "events", "hr", "hrLower", "hrUpper", "p", "logRankP", "strata", "adjustedFor", "note"], csv[0]);
        var planned = api.GetProperty("comparisons").EnumerateArray().ToList();
        Assert.Equal(planned.Count, csv.Count - 1);
        foreach (var (comparison, row) in planned.Zip(csv.Skip(1)))
        {
            Assert.Equal(["os", comparison.GetProperty("arm").GetString()!, comparison.GetProperty("reference").GetString()!], row[..3]);
            Assert.Equal(comparison.GetProperty("hr").GetDouble(), double.Parse(row[5], CultureInfo.InvariantCulture));
            Assert.Equal(comparison.GetProperty("logRankP").GetDouble(), double.Parse(row[9], CultureInfo.InvariantCulture));
            Assert.Equal("", row[12]);
        }
    }

    [Fact]
    public async Task A_coordinator_is_not_shown_the_dashboard()
    {
        using var browser = await BrowserSession.SignedInAsync(app, Roles.Coordinator, "S1");
        var page = await browser.GetAsync(Dashboard());
        Assert.Equal("/denied", page.Url.AbsolutePath);
        Assert.Equal("Not allowed", page.Text("h1"));
    }

    /// <summary>The rows of a table by their row header, each the text of its data cells.</summary>
    public static Dictionary<string, string[]> Rows(BrowserSession.Page page, string tableId) =>
        (page.Document.GetElementById(tableId) ?? throw new InvalidOperationException($"{page.Url} has no table #{tableId}."))
            .QuerySelectorAll("tbody tr")
            .Select(r => (Key: r.QuerySelector("th[scope=row]")!.TextContent.Trim(), Cells: r.QuerySelectorAll("td").Select(Text).ToArray()))
            // A level such as "Unknown" recurs under several subgroup variables: the first is kept.
            .DistinctBy(r => r.Key)
            .ToDictionary(r => r.Key, r => r.Cells);

    /// <summary>A cell as a screen reader reads it: a note mark (aria-hidden) left out, the reason it stands for (visually hidden) read.</summary>
    private static string Text(IElement cell)
    {
        var read = (IElement)cell.Clone();
        foreach (var hidden in read.QuerySelectorAll("[aria-hidden=true]").ToList()) hidden.Remove();
        return string.Join(" ", read.TextContent.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
    }

    private static string? Selected(BrowserSession.Page page, string id) => page.Document.GetElementById(id) is IHtmlSelectElement select ? select.Value : null;
}
