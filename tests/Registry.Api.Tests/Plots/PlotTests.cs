using System.Buffers.Binary;
using System.Globalization;
using System.Xml.Linq;
using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Plots;

/// <summary>
/// The plots of the motivating demo study (NPC-RM-2L) as SVG and PNG. Each figure is also written to artifacts/plots/
/// so a person can look at it after a test run: the axes, legends and risk table must be readable, which no
/// assertion checks.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class PlotTests(DemoStudyApp app)
{
    public static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    public static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    public static TheoryData<string, string> Plots() => new()
    {
        { "km-pfs", "km.{0}?endpoint=pfs" },
        { "km-os-ci", "km.{0}?endpoint=os&ci=true" },
        { "km-pfs-pooled-days", "km.{0}?endpoint=pfs&arms=ITC%2BIT,IC%2BC&unit=days&dataCut=2021-06-30" },
        { "forest-pfs", "forest.{0}?endpoint=pfs&arm=ITC%2BIT&reference=IC%2BC" },
        { "km-pfs-landmarks", "km.{0}?endpoint=pfs&arms=ITC%2BIT,IC%2BC&landmarks=6,12,24" },
        { "forest-pfs-itc-c", "forest.{0}?endpoint=pfs&arm=ITC&reference=C" },
        { "maturity-pfs", "maturity.{0}?endpoint=pfs&arm=ITC&reference=C" },
        { "maturity-os-pooled", "maturity.{0}?endpoint=os&arm=IC%2BC&reference=ITC%2BIT&every=3m" },
    };

    private async Task<IScenarioResult> GetAsync(string query, int status = 200, Guid? studyId = null) => await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Investigator);
        s.Get.Url($"/api/studies/{studyId ?? app.StudyId}/plots/{query}");
        s.StatusCodeShouldBe(status);
    });

    public static byte[] Bytes(IScenarioResult result)
    {
        var body = result.Context.Response.Body;
        if (body.CanSeek) body.Position = 0;
        using var copy = new MemoryStream();
        body.CopyTo(copy);
        return copy.ToArray();
    }

    [Theory]
    [MemberData(nameof(Plots))]
    public async Task Each_plot_is_a_PNG_of_a_readable_size(string name, string query)
    {
        var result = await GetAsync(string.Format(query, "png"));
        Assert.Equal("image/png", result.Context.Response.ContentType);
        var png = Bytes(result);
        await File.WriteAllBytesAsync(Artifact($"npc-rm-2l-{name}.png"), png);

        Assert.Equal(PngSignature, png[..8]);
        // IHDR, the first chunk, holds width and height as big-endian integers at bytes 16–23.
        var (width, height) = (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.InRange(width, 800, 1400);
        Assert.InRange(height, 500, 1600);
        Assert.True(png.Length > 20_000, $"{name}.png is {png.Length} bytes: too small to hold a drawn figure.");
    }

    [Theory]
    [MemberData(nameof(Plots))]
    public async Task Each_plot_is_an_SVG_document(string name, string query)
    {
        var result = await GetAsync(string.Format(query, "svg"));
        Assert.Equal("image/svg+xml", result.Context.Response.ContentType);
        var text = await result.ReadAsTextAsync();
        await File.WriteAllTextAsync(Artifact($"npc-rm-2l-{name}.svg"), text);
        var svg = XDocument.Parse(text);
        Assert.Equal(Svg + "svg", svg.Root!.Name);
        Assert.True(svg.Descendants().Count() > 50, $"{name}.svg has almost nothing drawn in it.");
    }

    [Fact]
    public async Task The_same_figure_of_the_same_patients_is_the_same_SVG_bytes_whatever_was_drawn_before_it()
    {
        // The live set and the charts' (consistent=true) give equal views as separate objects, so each is drawn on its own,
        // with other figures drawn between them.
        var live = Bytes(await GetAsync("km.svg?endpoint=os&arms=ITC,C"));
        Bytes(await GetAsync("forest.svg?endpoint=os&arm=ITC&reference=C"));
        var charts = Bytes(await GetAsync("km.svg?endpoint=os&arms=ITC,C&consistent=true"));
        // Each document names its clip paths from cl_1 (Skia counts them over the whole process).
        Assert.Contains("<clipPath id=\"cl_1\"", System.Text.Encoding.UTF8.GetString(live));
        Assert.Equal(live, charts);
    }

    [Theory]
    [InlineData("pfs", "Progression-free survival")]
    [InlineData("os", "Overall survival")]
    public async Task The_KM_SVG_names_each_arm_with_its_n_and_median_in_the_legend_and_its_risk_row(string endpoint, string axis)
    {
        var text = Text(await GetAsync($"km.svg?endpoint={endpoint}"));
        Assert.Contains(axis, text);
        Assert.Contains("Months since treatment start", text);
        Assert.Contains("Number at risk", text);
        foreach (var (arm, n) in new[] { ("ITC", 70), ("IT", 48), ("IC", 48), ("C", 60) })
            Assert.Contains($"{arm} (n={n}): median ", text);
    }

    [Fact]
    public async Task The_KM_plot_honours_the_data_cut_and_the_pooled_arms()
    {
        var text = Text(await GetAsync("km.svg?endpoint=pfs&arms=ITC%2BIT,IC%2BC&dataCut=2020-06-30&unit=days"));
        Assert.Contains("data cut 2020-06-30", text);
        Assert.Contains("Days since treatment start", text);
        Assert.Contains("ITC+IT (n=", text);
        Assert.DoesNotContain("ITC+IT (n=118)", text);
    }

    [Fact]
    public async Task The_forest_SVG_labels_every_subgroup_with_its_interaction_p()
    {
        var text = Text(await GetAsync("forest.svg?endpoint=pfs&arm=ITC%2BIT&reference=IC%2BC"));
        foreach (var label in new[] { "All patients", "Age", "Karnofsky performance status", "Plasma EBV DNA", "90–100", "≥50", "Line of the study treatment", "p interaction", "favours ITC+IT" })
            Assert.Contains(label, text);
    }

    [Fact]
    public async Task The_maturity_SVG_names_the_comparison_and_its_events()
    {
        var text = Text(await GetAsync("maturity.svg?endpoint=os&arm=ITC&reference=C&every=3m"));
        Assert.Contains("Hazard ratio, ITC vs C", text);
        Assert.Contains("OS events", text);
    }

    [Fact]
    public async Task The_maturity_SVG_keeps_its_legend_off_the_estimates_and_its_event_bars_apart()
    {
        // The demo's data cut falls days after its last monthly cut: two bars that a width from the mean spacing overlapped.
        var svg = XDocument.Parse((await GetAsync("maturity.svg?endpoint=pfs&arm=ITC&reference=C")).ReadAsText());
        var rects = svg.Descendants(Svg + "rect").ToList();
        var dataArea = rects.First(r => r.Attribute("x") is not null && r.Attribute("fill") is null);
        var legendYs = svg.Descendants(Svg + "text").Where(t => t.Value.Trim() == "Hazard ratio, ITC vs C")
            .Select(t => double.Parse(t.Attribute("transform")!.Value.Split(' ', ')')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(legendYs);
        Assert.All(legendYs, y => Assert.True(y < Number(dataArea, "y"), $"legend at y={y}, data area from y={Number(dataArea, "y")}"));

        // ScottPlot's SVG can hold a drawn element more than once; each bar is counted once.
        var bars = rects.Where(r => r.Attribute("fill")?.Value == "gray" && Number(r, "y") >= Number(dataArea, "y"))
            .DistinctBy(r => r.ToString()).OrderBy(r => Number(r, "x")).ToList();
        Assert.True(bars.Count > 2, "event bars drawn");
        for (var i = 1; i < bars.Count; i++)
            Assert.True(Number(bars[i - 1], "x") + Number(bars[i - 1], "width") <= Number(bars[i], "x"), $"bars {i - 1} and {i} overlap");
    }

    private static double Number(XElement element, string attribute) =>
        double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("km.png?endpoint=dfs", "endpoint")]
    [InlineData("km.svg?unit=weeks", "unit")]
    [InlineData("km.png?arms=ITC,XX", "arms")]
    [InlineData("km.svg?asOf=yesterday", "asOf")]
    [InlineData("km.png?ci=maybe", "ci")]
    [InlineData("forest.png?arm=ITC&reference=XX", "reference")]
    [InlineData("km.svg?landmarks=soon", "landmarks")]
    [InlineData("forest.svg?arm=ITC&reference=C&dataCut=2020-13-01", "dataCut")]
    [InlineData("maturity.png?arm=ITC&reference=C&every=fortnightly", "every")]
    [InlineData("maturity.svg?reference=C", "arm")]
    public async Task A_bad_query_is_refused_with_the_field_named_as_the_JSON_views_do(string query, string field)
    {
        var result = await GetAsync(query, 400);
        Assert.StartsWith("application/problem+json", result.Context.Response.ContentType);
        var problem = await result.JsonAsync();
        // A value that does not parse as its type (ci=maybe) is refused by Wolverine before the endpoint runs, named under "parameter".
        var named = problem.TryGetProperty("errors", out var errors) ? errors.TryGetProperty(field, out _) : problem.GetProperty("parameter").GetString() == field;
        Assert.True(named, $"The problem does not name {field}: {problem}");
    }

    [Theory]
    [InlineData("km.png")]
    [InlineData("forest.svg?arm=ITC&reference=C")]
    [InlineData("maturity.png?arm=ITC&reference=C")]
    public async Task An_unknown_study_is_not_found(string query) => await GetAsync(query, 404, Guid.NewGuid());

    /// <summary>All text an SVG draws, joined: ScottPlot writes each label as a text element.</summary>
    public static string Text(IScenarioResult result) =>
        string.Join("\n", XDocument.Parse(result.ReadAsText()).Descendants(Svg + "text").Select(t => t.Value));

    /// <summary>A path under artifacts/plots/ at the repository root (gitignored), where a person can open the figures.</summary>
    public static string Artifact(string file)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (!File.Exists(Path.Combine(directory.FullName, "TrialRegistry.sln"))) continue;
            var folder = Directory.CreateDirectory(Path.Combine(directory.FullName, "artifacts", "plots"));
            return Path.Combine(folder.FullName, file);
        }
        throw new DirectoryNotFoundException("TrialRegistry.sln not found above the test assembly.");
    }
}
