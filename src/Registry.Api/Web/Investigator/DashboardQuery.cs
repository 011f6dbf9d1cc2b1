using System.Globalization;
using Registry.Figures;

namespace Registry.Api.Web.Investigator;

/// <summary>
/// The dashboard's pickers as the study views take them: the same parameter names and values as the API's query
/// strings, an empty picker meaning "not given" (the view's default), ticked groups joined by commas as <c>arms=</c>.
/// Every download link repeats exactly the question the page answered.
/// </summary>
public sealed record DashboardQuery(Guid StudyId, string? Endpoint, string? Arms, string? Arm, string? Reference, string? Strata, string? Adjust,
    string? DataCut, string? AsOf, string? Every)
{
    public static DashboardQuery From(Guid studyId, string? endpoint, string[]? arms, string? arm, string? reference, string? strata, string? adjust,
        string? dataCut, string? asOf, string? every)
    {
        var groups = (arms ?? []).Where(a => !string.IsNullOrWhiteSpace(a)).ToList();
        return new(studyId, Given(endpoint), groups.Count == 0 ? null : string.Join(",", groups), Given(arm), Given(reference), Given(strata), Given(adjust),
            Given(dataCut), Given(asOf), Given(every));
    }

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>The page reads the patients' charts, never the async rows, so what was just recorded is in it; its downloads say the same.</summary>
    private const string Consistent = "true";

    public string Survival(string route) => Link(route, ("endpoint", Endpoint), ("arms", Arms), ("asOf", AsOf), ("dataCut", DataCut), ("consistent", Consistent));

    public string Comparisons(string route) => Link(route, ("endpoint", Endpoint), ("arm", Arm), ("reference", Reference), ("strata", Strata), ("adjust", Adjust),
        ("asOf", AsOf), ("dataCut", DataCut), ("consistent", Consistent));

    public string Subgroups(string route) => Link(route, ("endpoint", Endpoint), ("arm", Arm), ("reference", Reference), ("asOf", AsOf), ("dataCut", DataCut),
        ("consistent", Consistent));

    /// <summary>Table 1 describes patients at enrolment: it takes no data cut.</summary>
    public string Baseline(string route) => Link(route, ("arms", Arms), ("asOf", AsOf), ("consistent", Consistent));

    public string Tables(string route) => Link(route, ("arms", Arms), ("asOf", AsOf), ("dataCut", DataCut), ("consistent", Consistent));

    /// <summary>The analysis datasets follow the moment and data cut only; they always read the charts.</summary>
    public string Datasets(string route) => Link(route, ("asOf", AsOf), ("dataCut", DataCut));

    /// <summary>Maturity makes its own data cuts, each as recorded by the end of that day.</summary>
    public string Maturity(string route) => Link(route, ("endpoint", Endpoint), ("arm", Arm), ("reference", Reference), ("every", Every));

    private string Link(string route, params (string Name, string? Value)[] query)
    {
        var given = query.Where(q => q.Value is not null).Select(q => $"{q.Name}={Uri.EscapeDataString(q.Value!)}").ToList();
        return $"/api/studies/{StudyId}/{route}{(given.Count == 0 ? "" : "?" + string.Join("&", given))}";
    }
}

/// <summary>How the dashboard writes numbers: the figures' formats (<see cref="PlotStyle"/>), percentages to one decimal.</summary>
public static class Shown
{
    public static string Number(double value) => PlotStyle.Number(value);

    public static string P(double p) => PlotStyle.P(p);

    /// <summary>A proportion (0–1) as a percentage.</summary>
    public static string Rate(double proportion) => (100 * proportion).ToString("F1", CultureInfo.InvariantCulture) + "%";

    public static string Count(Registry.Projections.StudyViews.ArmCount count) =>
        $"{count.Patients} ({count.Percent.ToString("F1", CultureInfo.InvariantCulture)}%)";

    /// <summary>A maturity step (2w, 1m, 3m, 1y) in words.</summary>
    public static string Step(string every) => every switch
    {
        "1m" => "month", "1y" => "year", "1w" => "week",
        _ when every.Length > 1 && int.TryParse(every[..^1], out var n) =>
            $"{n} {every[^1] switch { 'w' => "weeks", 'm' => "months", _ => "years" }}",
        _ => every,
    };

    /// <summary>A time in the view's unit: months to one decimal, days whole.</summary>
    public static Func<double, string> Time(string unit) => t => t.ToString(unit == "days" ? "F0" : "F1", CultureInfo.InvariantCulture);

    /// <summary>A figure inline, drawn from the very view the tables beside it show (no second computation, no later data).</summary>
    public static string DataUri(byte[] svg) => "data:image/svg+xml;base64," + Convert.ToBase64String(svg);
}
