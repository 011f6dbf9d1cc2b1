using System.Globalization;
using System.Text.Json;

namespace Registry.Interop.Datasets;

/// <summary>
/// A dataset as CDISC Dataset-JSON 1.1 (https://cdisc-org.github.io/DataExchange-DatasetJson/doc/dataset-json1-1.html):
/// the top-level attributes in the specification's order, one column object per variable and one array per record.
/// Dates are ISO 8601 strings with <c>targetDataType</c> integer and the <c>E8601DA.</c> display format, as the
/// specification asks of ADaM; a missing value is null.
/// </summary>
public static class DatasetJson
{
    public const string Version = "1.1.0";

    /// <param name="createdAt">The file's creation time (datasetJSONCreationDateTime), given so the writer stays pure.</param>
    public static async Task WriteAsync(AnalysisDataset dataset, AnalysisSource source, DateTimeOffset createdAt, Stream body, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(body);
        WriteHeader(json, dataset.Name, dataset.Label, dataset.Columns, dataset.Rows.Count, dataset.Length, source, createdAt);
        json.WritePropertyName("rows");
        json.WriteStartArray();
        foreach (var row in dataset.Rows)
        {
            ct.ThrowIfCancellationRequested();
            WriteRow(json, row);
            if (json.BytesPending > 16 * 1024) await json.FlushAsync(ct);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
    }

    internal static void WriteHeader(Utf8JsonWriter json, string name, string label, IReadOnlyList<DatasetColumn> columns, int records, Func<int, int?> length,
        AnalysisSource source, DateTimeOffset createdAt)
    {
        json.WriteStartObject();
        json.WriteString("datasetJSONCreationDateTime", createdAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        json.WriteString("datasetJSONVersion", Version);
        json.WriteString("fileOID", FileOid(name, source));
        json.WriteString("originator", "Trial Registry");
        json.WritePropertyName("sourceSystem");
        json.WriteStartObject();
        json.WriteString("name", "Trial Registry");
        json.WriteString("version", typeof(DatasetJson).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");
        json.WriteEndObject();
        json.WriteString("studyOID", source.StudyCode);
        json.WriteString("metaDataVersionOID", MetaDataVersionOid(source));
        json.WriteString("itemGroupOID", $"IG.{name}");
        json.WriteNumber("records", records);
        json.WriteString("name", name);
        json.WriteString("label", label);
        json.WritePropertyName("columns");
        json.WriteStartArray();
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            var type = DataType(column.Type);
            json.WriteStartObject();
            json.WriteString("itemOID", ItemOid(name, column));
            json.WriteString("name", column.Name);
            json.WriteString("label", column.Label);
            json.WriteString("dataType", type.DataType);
            if (type.TargetDataType is { } target) json.WriteString("targetDataType", target);
            if (length(i) is { } l) json.WriteNumber("length", l);
            if (type.DisplayFormat is { } format) json.WriteString("displayFormat", format);
            if (column.KeySequence is { } key) json.WriteNumber("keySequence", key);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    internal static void WriteRow(Utf8JsonWriter json, object?[] row)
    {
        json.WriteStartArray();
        foreach (var value in row)
        {
            switch (value)
            {
                case null: json.WriteNullValue(); break;
                case long n: json.WriteNumberValue(n); break;
                case double d: json.WriteNumberValue(d); break;
                case DateOnly date: json.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); break;
                default: json.WriteStringValue(value.ToString()); break;
            }
        }
        json.WriteEndArray();
    }

    /// <summary>Dataset-JSON's logical type of a column, the type a receiving system converts it to, and its SAS display format.</summary>
    public static (string DataType, string? TargetDataType, string? DisplayFormat) DataType(ColumnType type) => type switch
    {
        ColumnType.Integer => ("integer", null, null),
        ColumnType.Float => ("double", null, null),
        ColumnType.Date => ("date", "integer", "E8601DA."),
        _ => ("string", null, null),
    };

    public static string ItemOid(AnalysisDataset dataset, DatasetColumn column) => ItemOid(dataset.Name, column);

    public static string ItemOid(string dataset, DatasetColumn column) => $"IT.{dataset}.{column.Name}";

    public static string FileOid(AnalysisDataset dataset, AnalysisSource source) => FileOid(dataset.Name, source);

    public static string FileOid(string dataset, AnalysisSource source) =>
        $"trial-registry.{source.StudyCode}.{dataset}" + (source.AsOf is { } asOf ? $".asof-{asOf.UtcDateTime:yyyyMMddTHHmmssZ}" : "") +
        (source.DataCut is { } cut ? $".cut-{cut:yyyyMMdd}" : "");

    public static string MetaDataVersionOid(AnalysisSource source) => $"MDV.{source.StudyCode}.protocol-v{source.Study.ProtocolVersion}";
}
