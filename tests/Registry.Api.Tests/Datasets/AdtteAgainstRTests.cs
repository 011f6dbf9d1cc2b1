using System.Text.Json;
using System.Text.RegularExpressions;
using Alba;
using Registry.Api.Tests.Cli;
using Registry.Api.Tests.DemoStudy;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Datasets;

/// <summary>
/// A statistician re-runs the registry's survival analyses from its ADTTE alone and gets the registry's numbers.
/// Fixtures/adtte/CODE-adtte.csv are the three demo studies' ADTTE as the registry exports them (checked here against
/// the route and the <c>datasets</c> verb, so they cannot drift); R/adtte_check.R read them with R's survival package
/// — Kaplan–Meier medians per arm, coxph (Efron ties) and survdiff for the analysis plan's comparisons, stratified as
/// the plan says — into Fixtures/adtte/adtte-r.json. Here the registry's own survival and comparisons views must
/// give R's values. To regenerate after a change to the simulators, the derivation or ADTTE:
/// <code>
/// REGISTRY_WRITE_FIXTURES=1 dotnet test tests/Registry.Api.Tests --filter "FullyQualifiedName~AdtteAgainstRTests"
/// Rscript tests/Registry.Api.Tests/R/adtte_check.R
/// </code>
/// </summary>
[Collection(AllDemoStudiesCollection.Name)]
public sealed class AdtteAgainstRTests(AllDemoStudiesApp app)
{
    private const string Reference = "R's survival package (Fixtures/adtte/adtte-r.json, from R/adtte_check.R)";
    private static readonly bool Writing = Environment.GetEnvironmentVariable("REGISTRY_WRITE_FIXTURES") == "1";
    private static readonly string[] Codes = ["NPC-RM-2L", "LA-NPC-EFS", "RM-NPC-CADO"];

    private static string Committed(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "adtte", file));

    private static JsonElement R => JsonDocument.Parse(Committed("adtte-r.json")).RootElement;

    private async Task<string> GetTextAsync(string code, string query) => await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Investigator);
        s.Get.Url($"/api/studies/{app[code].StudyId}/{query}");
    })).ReadAsTextAsync();

    private async Task<JsonElement> GetAsync(string code, string query) => JsonDocument.Parse(await GetTextAsync(code, query)).RootElement;

    public static TheoryData<string> Studies() => new(Codes);

    [Theory]
    [MemberData(nameof(Studies))]
    public async Task The_committed_ADTTE_R_read_is_what_the_route_and_the_datasets_verb_export(string code)
    {
        var exported = await GetTextAsync(code, "datasets/adtte.csv");
        if (Writing) File.WriteAllText(DemoOutcomes.SourcePath("Fixtures", "adtte", $"{code}-adtte.csv"), exported);
        Assert.True(Writing || Committed($"{code}-adtte.csv") == exported,
            $"Fixtures/adtte/{code}-adtte.csv is not what the registry exports: regenerate it and R's values (see {nameof(AdtteAgainstRTests)}'s summary).");

        var directory = Directory.CreateTempSubdirectory("trial-registry-datasets-");
        try
        {
            var run = await CliRun.InvokeAsync(["datasets", "--study", code, "--out", directory.FullName], app.ConnectionString);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Equal(exported, File.ReadAllText(Path.Combine(directory.FullName, $"{code}-adtte.csv")));
            Assert.Equal(
                [$"{code}-adae.csv", $"{code}-adae.json", $"{code}-adrs.csv", $"{code}-adrs.json", $"{code}-adsl.csv", $"{code}-adsl.json",
                    $"{code}-adtte.csv", $"{code}-adtte.json", $"{code}-define.json"],
                directory.GetFiles().Select(f => f.Name).Order(StringComparer.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Studies))]
    public async Task Every_dataset_route_streamed_patient_by_patient_is_byte_for_byte_the_datasets_verbs_file(string code)
    {
        var directory = Directory.CreateTempSubdirectory("trial-registry-datasets-");
        try
        {
            var run = await CliRun.InvokeAsync(["datasets", "--study", code, "--out", directory.FullName, "--data-cut", "2021-06-30"], app.ConnectionString);
            Assert.True(run.ExitCode == 0, run.Stderr);
            // The verb builds each dataset whole; the routes write them as the charts are read. Only the creation time differs.
            static string Created(string json) => Regex.Replace(json, "\"datasetJSONCreationDateTime\":\"[^\"]+\"", "\"datasetJSONCreationDateTime\":\"…\"");
            foreach (var name in new[] { "adsl", "adtte", "adrs", "adae" })
            {
                Assert.Equal(File.ReadAllText(Path.Combine(directory.FullName, $"{code}-{name}.csv")), await GetTextAsync(code, $"datasets/{name}.csv?dataCut=2021-06-30"));
                Assert.Equal(Created(File.ReadAllText(Path.Combine(directory.FullName, $"{code}-{name}.json"))),
                    Created(await GetTextAsync(code, $"datasets/{name}.json?dataCut=2021-06-30")));
            }
            Assert.Equal(File.ReadAllText(Path.Combine(directory.FullName, $"{code}-define.json")), await GetTextAsync(code, "datasets/define.json?dataCut=2021-06-30"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void Close(JsonElement expected, JsonElement actual, double relative, string what)
    {
        if (expected.ValueKind == JsonValueKind.Null)
        {
            Assert.True(actual.ValueKind == JsonValueKind.Null, $"{what}: {Reference} gives NA, the registry {actual}");
            return;
        }
        Assert.True(actual.ValueKind == JsonValueKind.Number, $"{what}: {Reference} gives {expected}, the registry {actual}");
        var (e, a) = (expected.GetDouble(), actual.GetDouble());
        Assert.True(Math.Abs(a - e) <= relative * Math.Abs(e), $"{what}: the registry {a:R}, {Reference} {e:R} (relative tolerance {relative})");
    }

    public static TheoryData<string, string> StudyEndpoints()
    {
        var data = new TheoryData<string, string>();
        foreach (var code in Codes)
            foreach (var endpoint in StudyViews.AllDemoStudiesViewsTests.TimeToEventEndpoints(StudyViews.AllDemoStudiesViewsTests.Protocols[code])) data.Add(code, endpoint);
        return data;
    }

    [Theory]
    [MemberData(nameof(StudyEndpoints))]
    public async Task Kaplan_Meier_medians_and_landmarks_of_every_group_are_Rs_from_ADTTE(string code, string endpoint)
    {
        var r = R.GetProperty("studies").GetProperty(code).GetProperty(endpoint).GetProperty("medians");
        var groups = r.EnumerateObject().Select(g => g.Name).ToList();
        var view = await GetAsync(code, $"survival?endpoint={endpoint}&unit=days&arms={Uri.EscapeDataString(string.Join(",", groups))}");
        var arms = view.GetProperty("arms").EnumerateArray().ToDictionary(a => a.GetProperty("arm").GetString()!);
        Assert.Equal(groups, arms.Keys);
        foreach (var group in groups)
        {
            var (expected, actual, what) = (r.GetProperty(group), arms[group], $"{code} {endpoint} {group}");
            Assert.True(expected.GetProperty("n").GetInt32() == actual.GetProperty("n").GetInt32(), $"{what} n: the registry {actual.GetProperty("n")}, {Reference} {expected.GetProperty("n")}");
            Assert.True(expected.GetProperty("events").GetInt32() == actual.GetProperty("events").GetInt32(),
                $"{what} events: the registry {actual.GetProperty("events")}, {Reference} {expected.GetProperty("events")}");
            // Medians and their limits are event times in whole days: equal, up to floating point.
            Close(expected.GetProperty("median"), actual.GetProperty("median"), 1e-12, $"{what} median (days)");
            Close(expected.GetProperty("lower"), actual.GetProperty("medianLower"), 1e-12, $"{what} median's lower 95% limit");
            Close(expected.GetProperty("upper"), actual.GetProperty("medianUpper"), 1e-12, $"{what} median's upper 95% limit");
            // The protocol's landmarks, with R's default log-scale CI (Greenwood): sums of logs, so to 1e-9.
            var landmarks = actual.GetProperty("landmarks").EnumerateArray().ToList();
            Assert.Equal(expected.GetProperty("landmarks").EnumerateArray().Select(l => l.GetProperty("months").GetDouble()), landmarks.Select(l => l.GetProperty("months").GetDouble()));
            foreach (var (e, a) in expected.GetProperty("landmarks").EnumerateArray().Zip(landmarks))
            {
                Close(e.GetProperty("survival"), a.GetProperty("survival"), 1e-12, $"{what} {e.GetProperty("months")}-month survival");
                Close(e.GetProperty("lower"), a.GetProperty("lower"), 1e-9, $"{what} {e.GetProperty("months")}-month lower 95% limit");
                Close(e.GetProperty("upper"), a.GetProperty("upper"), 1e-9, $"{what} {e.GetProperty("months")}-month upper 95% limit");
            }
        }
    }

    [Theory]
    [MemberData(nameof(StudyEndpoints))]
    public async Task The_plans_comparisons_are_Rs_coxph_and_survdiff_from_ADTTE(string code, string endpoint)
    {
        var r = R.GetProperty("studies").GetProperty(code).GetProperty(endpoint).GetProperty("comparisons").EnumerateArray().ToList();
        if (r.Count == 0)
        {
            // A single-arm study compares nothing: the view refuses, as R had nothing to fit.
            await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.Investigator);
                s.Get.Url($"/api/studies/{app[code].StudyId}/comparisons?endpoint={endpoint}");
                s.StatusCodeShouldBe(400);
            });
            return;
        }
        var view = (await GetAsync(code, $"comparisons?endpoint={endpoint}")).GetProperty("comparisons").EnumerateArray().ToList();
        Assert.Equal(r.Select(c => (c.GetProperty("arm").GetString(), c.GetProperty("reference").GetString(), c.GetProperty("strata").GetString())),
            view.Select(c => (c.GetProperty("arm").GetString(), c.GetProperty("reference").GetString(), c.GetProperty("strata").GetString())));
        foreach (var (expected, actual) in r.Zip(view))
        {
            var what = $"{code} {endpoint} {expected.GetProperty("arm")} vs {expected.GetProperty("reference")}";
            Assert.True(expected.GetProperty("n").GetInt32() == actual.GetProperty("n").GetInt32(), $"{what} n: the registry {actual.GetProperty("n")}, {Reference} {expected.GetProperty("n")}");
            Assert.True(expected.GetProperty("events").GetInt32() == actual.GetProperty("events").GetInt32(),
                $"{what} events: the registry {actual.GetProperty("events")}, {Reference} {expected.GetProperty("events")}");
            // R fitted to eps 1e-12; the registry stops at R's default 1e-9 on the log-likelihood, which 1e-6 bounds.
            Close(expected.GetProperty("hr"), actual.GetProperty("hr"), 1e-6, $"{what} HR");
            Close(expected.GetProperty("lower"), actual.GetProperty("hrLower"), 1e-6, $"{what} HR lower 95% limit");
            Close(expected.GetProperty("upper"), actual.GetProperty("hrUpper"), 1e-6, $"{what} HR upper 95% limit");
            Close(expected.GetProperty("p"), actual.GetProperty("p"), 1e-6, $"{what} Wald p");
            // The log-rank test has no iteration: R's to 1e-9.
            Close(expected.GetProperty("logRankP"), actual.GetProperty("logRankP"), 1e-9, $"{what} log-rank p");
        }
    }
}
