namespace Registry.Interop.Datasets;

/// <summary>The analysis datasets by the name a route or a file gives them (adsl, adtte, adrs, adae), in the order they are listed.</summary>
public static class AnalysisDatasets
{
    public static readonly IReadOnlyList<(string Name, Func<AnalysisSource, AnalysisDataset> Build, Func<AnalysisSource, DatasetShape> Shape)> All =
    [
        (Adsl.Name, Adsl.Build, Adsl.Shape),
        (Adtte.Name, Adtte.Build, Adtte.Shape),
        (Adrs.Name, Adrs.Build, Adrs.Shape),
        (Adae.Name, Adae.Build, Adae.Shape),
    ];

    /// <summary>The lower-case names routes and files use.</summary>
    public static IEnumerable<string> Names => All.Select(d => d.Name.ToLowerInvariant());

    /// <summary>The dataset named <paramref name="name"/> (any case), or null when there is none.</summary>
    public static Func<AnalysisSource, AnalysisDataset>? Find(string? name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)).Build;

    /// <summary>The shape of the dataset named <paramref name="name"/> (any case), or null when there is none.</summary>
    public static Func<AnalysisSource, DatasetShape>? FindShape(string? name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)).Shape;
}
