using System.Text.Json;

namespace Registry.Api.Tests.Analyze;

/// <summary>
/// The verb's JSON against R's answer for the same arguments: Analyze/R/analyze.R runs survfit, survdiff and coxph
/// (R 4.2.2, survival 3.5-3) on R's own data sets, written as CSV by Analyze/R/fixtures.R.
/// </summary>
public sealed class AnalyzeAgainstRTests
{
    // The statistics themselves are held to 1e-12..1e-9 in Registry.Analytics.Tests; here the point is that every
    // field reaches the right place in the JSON, so one tolerance does. R writes 15 significant digits.
    private const double Tolerance = 1e-9;

    public static TheoryData<string> Cases() =>
        new(Directory.GetFiles(AnalyzeRun.DataDirectory, "*.json").Select(Path.GetFileNameWithoutExtension).Order()!);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_field_agrees_with_R(string id)
    {
        var fixture = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(AnalyzeRun.DataDirectory, $"{id}.json"))).RootElement;
        var arguments = fixture.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()!).ToArray();
        arguments[Array.IndexOf(arguments, "--csv") + 1] = Path.Combine(AnalyzeRun.DataDirectory, arguments[Array.IndexOf(arguments, "--csv") + 1]);

        var run = await AnalyzeRun.InvokeAsync(arguments);

        Assert.True(run.ExitCode == 0, run.Stderr);
        AssertSame(fixture.GetProperty("expected"), run.Json, "$");
    }

    [Fact]
    public async Task Veteran_cell_types_give_Rs_medians_log_rank_and_hazard_ratios()
    {
        var run = await AnalyzeRun.InvokeAsync("--csv", Path.Combine(AnalyzeRun.DataDirectory, "veteran.csv"),
            "--time", "time", "--event", "status", "--group", "celltype", "--strata", "trt");
        var json = run.Json;

        // print(survfit(Surv(time, status) ~ celltype, veteran)): adeno median 51 (35, 92).
        var adeno = json.GetProperty("km")[0];
        Assert.Equal("adeno", adeno.GetProperty("group").GetString());
        Assert.Equal([51.0, 35, 92], new[] { "median", "medianLower", "medianUpper" }.Select(k => adeno.GetProperty(k).GetDouble()));
        // survdiff(Surv(time, status) ~ celltype, veteran): Chisq = 25.4037003457854 on 3 df.
        Assert.Equal(25.4037003457854, json.GetProperty("logRank").GetProperty("chiSquare").GetDouble(), Tolerance * 25);
        Assert.Equal(3, json.GetProperty("logRank").GetProperty("df").GetInt32());
        // summary(coxph(Surv(time, status) ~ celltype, veteran)): celltypelarge exp(coef) 0.399489610694712 (0.227187741338304, 0.702467255111997).
        var large = json.GetProperty("cox").GetProperty("terms")[0];
        Assert.Equal("celltype=large", large.GetProperty("name").GetString());
        Assert.Equal(0.399489610694712, large.GetProperty("hr").GetDouble(), 1e-12);
        Assert.Equal(0.227187741338304, large.GetProperty("hrLower").GetDouble(), 1e-12);
        Assert.Equal(0.702467255111997, large.GetProperty("hrUpper").GetDouble(), 1e-12);
        Assert.Equal("efron", json.GetProperty("cox").GetProperty("ties").GetString());
        Assert.False(json.TryGetProperty("multivariableCox", out _), "multivariableCox is printed only with --covariates");
    }

    /// <summary>Same keys, same nulls, same strings, numbers within <see cref="Tolerance"/> (relative).</summary>
    private static void AssertSame(JsonElement r, JsonElement ours, string path)
    {
        Assert.True(r.ValueKind == ours.ValueKind, $"{path}: R has {r.ValueKind} ({r}), the registry {ours.ValueKind} ({ours})");
        switch (r.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(r.EnumerateObject().Select(p => p.Name), ours.EnumerateObject().Select(p => p.Name));
                foreach (var property in r.EnumerateObject()) AssertSame(property.Value, ours.GetProperty(property.Name), $"{path}.{property.Name}");
                break;
            case JsonValueKind.Array:
                Assert.True(r.GetArrayLength() == ours.GetArrayLength(), $"{path}: R has {r.GetArrayLength()} items, the registry {ours.GetArrayLength()}");
                for (var i = 0; i < r.GetArrayLength(); i++) AssertSame(r[i], ours[i], $"{path}[{i}]");
                break;
            case JsonValueKind.Number:
                double expected = r.GetDouble(), actual = ours.GetDouble();
                Assert.True(Math.Abs(expected - actual) <= Tolerance * Math.Max(Math.Abs(expected), 1e-300) || expected == actual,
                    $"{path}: R {expected:R}, registry {actual:R}");
                break;
            default:
                Assert.Equal(r.ToString(), ours.ToString());
                break;
        }
    }
}
