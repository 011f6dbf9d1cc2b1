using System.Text.Json.Nodes;

namespace Registry.Benchmarks.Scale;

/// <summary>A study view, table, plot or dataset route as the OpenAPI document lists it, with the query parameters it takes.</summary>
public sealed record ViewRoute(string Path, IReadOnlySet<string> QueryParameters)
{
    public string For(Guid studyId, params (string Name, string Value)[] query)
    {
        var path = Path.Replace("{studyId}", studyId.ToString());
        var given = query.Where(q => QueryParameters.Contains(q.Name)).Select(q => $"{q.Name}={Uri.EscapeDataString(q.Value)}").ToList();
        return given.Count == 0 ? path : $"{path}?{string.Join("&", given)}";
    }

    public bool Takes(string parameter) => QueryParameters.Contains(parameter);
}

/// <summary>
/// Every GET under /api/studies/{studyId}/ that computes from the study's patients — views, their CSV tables, plots,
/// analysis datasets — read from the OpenAPI document, so a new view is timed without editing the benchmark.
/// </summary>
public static class StudyViewRoutes
{
    /// <summary>Routes under a study that are not views of its patients (its own record, lists, audit and round-trip exports).</summary>
    private static readonly string[] NotViews = ["", "protocol", "protocol.json", "patients", "fhir.json"];
    private static readonly string[] NotViewPrefixes = ["audit-trail", "export/", "amendments", "arms", "import"];

    /// <summary>Values for a path parameter other than the study, when the document does not enumerate them.</summary>
    private static readonly Dictionary<string, string[]> KnownValues = new()
    {
        ["dataset"] = ["adsl", "adtte", "adrs", "adae"],
    };

    public static List<ViewRoute> From(JsonNode openApi)
    {
        var routes = new List<ViewRoute>();
        foreach (var (path, item) in openApi["paths"]!.AsObject())
        {
            const string prefix = "/api/studies/{studyId}/";
            if (!path.StartsWith(prefix, StringComparison.Ordinal) || item?["get"] is not { } get) continue;
            var tail = path[prefix.Length..];
            if (NotViews.Contains(tail) || NotViewPrefixes.Any(p => tail.StartsWith(p, StringComparison.Ordinal))) continue;
            var parameters = get["parameters"]?.AsArray().Select(p => p!).ToList() ?? [];
            var query = parameters.Where(p => (string?)p["in"] == "query").Select(p => (string)p["name"]!).ToHashSet(StringComparer.Ordinal);
            var expansions = new List<string> { path };
            foreach (var other in parameters.Where(p => (string?)p["in"] == "path" && (string?)p["name"] != "studyId"))
            {
                var name = (string)other["name"]!;
                var values = other["schema"]?["enum"]?.AsArray().Select(v => (string)v!).ToArray()
                    ?? (KnownValues.TryGetValue(name, out var known) ? known : throw new BenchmarkSetupException($"{path}: no values known for {{{name}}}."));
                expansions = expansions.SelectMany(e => values.Select(v => e.Replace($"{{{name}}}", v))).ToList();
            }
            routes.AddRange(expansions.Select(e => new ViewRoute(e, query)));
        }
        if (routes.Count == 0) throw new BenchmarkSetupException("The OpenAPI document lists no study views under /api/studies/{studyId}/.");
        return routes;
    }
}
