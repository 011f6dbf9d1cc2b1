using System.Buffers.Binary;
using System.Text.Json;
using System.Xml.Linq;
using Alba;
using Registry.Api.Tests.Infrastructure;
using Registry.Api.Tests.StudyViews;
using Registry.Domain.Protocols;

namespace Registry.Api.Tests.Plots;

/// <summary>
/// Every figure of every demo study, for each of its protocol's time-to-event endpoints: the Kaplan–Meier plot as SVG
/// and PNG (written to artifacts/plots/&lt;study&gt;-km-&lt;endpoint&gt;.png), the forest plot of the plan's first comparison
/// and the maturity plot where the study has arms to compare. Each figure draws its JSON view's numbers.
/// </summary>
[Collection(AllDemoStudiesCollection.Name)]
public sealed class AllDemoStudiesPlotTests(AllDemoStudiesApp app)
{
    public static TheoryData<string, string> StudyEndpoints() => AllDemoStudiesViewsTests.StudyEndpoints();

    private async Task<IScenarioResult> GetAsync(string code, string query, int status = 200) => await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Investigator);
        s.Get.Url($"/api/studies/{app[code].StudyId}/{query}");
        s.StatusCodeShouldBe(status);
    });

    private static string Origin(string code, string endpoint) => endpoint == "dor" ? "first response"
        : AllDemoStudiesViewsTests.Protocols[code].TimeOrigin switch { "randomization" => "randomization", "enrolment" => "enrolment", _ => "treatment start" };

    [Theory]
    [MemberData(nameof(StudyEndpoints))]
    public async Task The_KM_plot_draws_the_survival_views_arms_with_the_endpoints_name(string code, string endpoint)
    {
        var view = await (await GetAsync(code, $"survival?endpoint={endpoint}")).JsonAsync();
        var name = EndpointCatalogue.Find(endpoint)!.Name;

        var svg = await GetAsync(code, $"plots/km.svg?endpoint={endpoint}");
        Assert.Equal("image/svg+xml", svg.Context.Response.ContentType);
        var svgText = await svg.ReadAsTextAsync();
        await File.WriteAllTextAsync(PlotTests.Artifact($"{code.ToLowerInvariant()}-km-{endpoint}.svg"), svgText);
        var text = string.Join("\n", XDocument.Parse(svgText).Descendants(PlotTests.Svg + "text").Select(t => t.Value));
        Assert.Contains($"{code}: {name}", text);
        Assert.Contains($"Months since {Origin(code, endpoint)}", text);
        Assert.Contains("Number at risk", text);
        foreach (var arm in view.GetProperty("arms").EnumerateArray())
        {
            Assert.Contains($"{arm.GetProperty("arm").GetString()} (n={arm.GetProperty("n").GetInt32()}): ", text);
            // The risk table's first column is the arm's n at time 0.
            Assert.Equal(arm.GetProperty("n").GetInt32(), arm.GetProperty("atRisk")[0].GetProperty("n").GetInt32());
        }
        foreach (var other in EndpointCatalogue.All.Where(e => e.Code != endpoint && !name.Contains(e.Name)))
            Assert.DoesNotContain($"{code}: {other.Name}", text);

        var png = await GetAsync(code, $"plots/km.png?endpoint={endpoint}&ci=true");
        Assert.Equal("image/png", png.Context.Response.ContentType);
        var bytes = PlotTests.Bytes(png);
        await File.WriteAllBytesAsync(PlotTests.Artifact($"{code.ToLowerInvariant()}-km-{endpoint}-ci.png"), bytes);
        Assert.Equal(PlotTests.PngSignature, bytes[..8]);
        Assert.InRange(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), 800, 1400);
        Assert.True(bytes.Length > 20_000, $"{code} km-{endpoint}.png is {bytes.Length} bytes: too small to hold a drawn figure.");
    }

    [Theory]
    [MemberData(nameof(StudyEndpoints))]
    public async Task The_forest_and_maturity_plots_draw_the_plans_first_comparison(string code, string endpoint)
    {
        var protocol = AllDemoStudiesViewsTests.Protocols[code];
        if (protocol.Arms.Count < 2)
        {
            foreach (var figure in new[] { "forest.svg", "forest.png", "maturity.svg" })
            {
                var problem = await (await GetAsync(code, $"plots/{figure}?endpoint={endpoint}", 400)).JsonAsync();
                Assert.Contains("nothing to compare", problem.GetProperty("errors").GetProperty("arm")[0].GetString());
            }
            return;
        }
        var subgroups = await (await GetAsync(code, $"subgroups?endpoint={endpoint}")).JsonAsync();
        var (arm, reference) = (subgroups.GetProperty("arm").GetString()!, subgroups.GetProperty("reference").GetString()!);

        var forest = PlotTests.Text(await GetAsync(code, $"plots/forest.svg?endpoint={endpoint}"));
        Assert.Contains($"{code}: {endpoint.ToUpperInvariant()} hazard ratio by subgroup, {arm} vs {reference}", forest);
        Assert.Contains("All patients", forest);
        Assert.Contains(subgroups.GetProperty("overall").GetProperty("n").GetInt32().ToString(), forest);
        foreach (var variable in subgroups.GetProperty("subgroups").EnumerateArray())
            Assert.Contains(variable.GetProperty("label").GetString()!, forest);
        var png = PlotTests.Bytes(await GetAsync(code, $"plots/forest.png?endpoint={endpoint}"));
        await File.WriteAllBytesAsync(PlotTests.Artifact($"{code.ToLowerInvariant()}-forest-{endpoint}-planned.png"), png);
        Assert.Equal(PlotTests.PngSignature, png[..8]);

        var maturity = PlotTests.Text(await GetAsync(code, $"plots/maturity.svg?endpoint={endpoint}&every=3m"));
        Assert.Contains($"{code}: {endpoint.ToUpperInvariant()} hazard ratio over data cuts, {arm} vs {reference}", maturity);
        Assert.Contains($"{endpoint.ToUpperInvariant()} events", maturity);
        var maturityPng = PlotTests.Bytes(await GetAsync(code, $"plots/maturity.png?endpoint={endpoint}&every=3m"));
        await File.WriteAllBytesAsync(PlotTests.Artifact($"{code.ToLowerInvariant()}-maturity-{endpoint}-3m.png"), maturityPng);
    }

    [Fact]
    public async Task An_arm_without_analysable_patients_is_named_with_why()
    {
        // Nobody in the LA trial had a tumour response, so nobody has a duration of response.
        var text = PlotTests.Text(await GetAsync("LA-NPC-EFS", "plots/km.svg?endpoint=dor"));
        var excluded = (await (await GetAsync("LA-NPC-EFS", "survival?endpoint=dor")).JsonAsync()).GetProperty("arms")[0].GetProperty("population").GetProperty("enrolled").GetInt32();
        Assert.Contains($"SIN-CRT (n=0): no analysable patients: {excluded} not a responder (DOR counts responders only)", text);
        Assert.Contains("Months since first response", text);
        Assert.DoesNotContain("treatment start", text);
    }

    [Fact]
    public async Task The_forest_plot_prints_the_protocols_group_labels_as_written()
    {
        var text = PlotTests.Text(await GetAsync("LA-NPC-EFS", "plots/forest.svg?endpoint=efs"));
        foreach (var label in new[] { "N stage (AJCC 8th)", "N0–N2", "N3", "T1–T3", "T4", "III", "IVa", "Plasma EBV DNA before treatment", "Not done", "≥4000" })
            Assert.Contains(label, text.Split('\n').Select(t => t.Trim()));
    }
}
