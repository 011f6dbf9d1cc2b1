using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Interop.Datasets;

/// <summary>One variable as the data definition lists it: Dataset-JSON's column attributes, its origin, and its code list.</summary>
public sealed record DefinedColumn(
    [property: JsonPropertyName("itemOID")] string ItemOid, string Name, string Label, string DataType, string? TargetDataType, int? Length, string? DisplayFormat, int? KeySequence,
    ColumnOrigin Origin, IReadOnlyList<CodedValue>? CodeList);

/// <summary>One dataset as the data definition lists it.</summary>
public sealed record DefinedDataset(
    string Name, [property: JsonPropertyName("itemGroupOID")] string ItemGroupOid, string Label, string Class, string Structure, IReadOnlyList<string> Keys, int Records, IReadOnlyList<DefinedColumn> Columns);

/// <summary>
/// The data definition (define.json) of a study's analysis datasets as of one moment and data cut: for each dataset
/// its class, structure and keys, and for each column its name, label, type, length, origin (Collected, Derived,
/// Assigned, Protocol or Predecessor, with where from) and the values a coded column takes. Dataset-JSON's columns
/// are this, attribute for attribute; the origin and code lists are what Define-XML would carry.
/// </summary>
public sealed record DataDefinition(
    string Study, string Title, int ProtocolVersion, [property: JsonPropertyName("metaDataVersionOID")] string MetaDataVersionOid, DateTimeOffset? AsOf, DateOnly? DataCut,
    [property: JsonPropertyName("datasetJSONVersion")] string DatasetJsonVersion,
    IReadOnlyList<DefinedDataset> Datasets)
{
    public static DataDefinition Of(AnalysisSource source, IEnumerable<AnalysisDataset> datasets) =>
        Of(source, datasets.Select(d => (d.Name, d.Label, d.Class, d.Structure, d.Columns, d.Rows.Count, (Func<int, int?>)d.Length)));

    /// <summary>The definition from each dataset's shape and its tally of rows (no row held).</summary>
    public static DataDefinition Of(AnalysisSource source, IEnumerable<(DatasetShape Shape, DatasetTally Tally)> datasets) =>
        Of(source, datasets.Select(d => (d.Shape.Name, d.Shape.Label, d.Shape.Class, d.Shape.Structure, d.Shape.Columns, d.Tally.Records, (Func<int, int?>)d.Tally.Length)));

    /// <summary>The definition of <paramref name="shapes"/>, their rows tallied in one pass over <paramref name="patients"/> and dropped as they go.</summary>
    public static async Task<DataDefinition> OfAsync(AnalysisSource source, IReadOnlyList<DatasetShape> shapes, IAsyncEnumerable<AnalysisPatient> patients,
        CancellationToken ct)
    {
        var tallies = shapes.Select(s => new DatasetTally(s.Columns)).ToList();
        await foreach (var patient in patients.WithCancellation(ct))
            for (var i = 0; i < shapes.Count; i++)
                foreach (var row in shapes[i].RowsOf(patient))
                    tallies[i].Add(row);
        return Of(source, shapes.Zip(tallies));
    }

    private static DataDefinition Of(AnalysisSource source,
        IEnumerable<(string Name, string Label, string Class, string Structure, IReadOnlyList<DatasetColumn> Columns, int Records, Func<int, int?> Length)> datasets) => new(
        source.StudyCode, source.Study.Title, source.Study.ProtocolVersion, DatasetJson.MetaDataVersionOid(source), source.AsOf, source.DataCut, DatasetJson.Version,
        datasets.Select(d => new DefinedDataset(d.Name, $"IG.{d.Name}", d.Label, d.Class, d.Structure,
            d.Columns.Where(c => c.KeySequence is not null).OrderBy(c => c.KeySequence).Select(c => c.Name).ToList(), d.Records,
            d.Columns.Select((c, i) =>
            {
                var type = DatasetJson.DataType(c.Type);
                return new DefinedColumn(DatasetJson.ItemOid(d.Name, c), c.Name, c.Label, type.DataType, type.TargetDataType, d.Length(i), type.DisplayFormat,
                    c.KeySequence, c.Origin, c.Values);
            }).ToList())).ToList());

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public Task WriteAsync(Stream body, CancellationToken ct) => JsonSerializer.SerializeAsync(body, this, Json, ct);

    public static DataDefinition? Read(string json) => JsonSerializer.Deserialize<DataDefinition>(json, Json);
}
