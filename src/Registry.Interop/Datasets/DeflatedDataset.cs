using System.IO.Compression;
using System.Text.Json;
using Registry.Audit;

namespace Registry.Interop.Datasets;

/// <summary>
/// One analysis dataset written once from its patients, as CSV or as Dataset-JSON, and held deflated (a twelfth to a thirtieth
/// of its size) with its tally: it can be answered again without reading a patient, and Dataset-JSON's header, which
/// states the record count and lengths before the rows, is written from the tally ahead of rows already written. The
/// bytes are those <see cref="DatasetCsv"/> and <see cref="DatasetJson"/> write from the whole dataset.
/// </summary>
public sealed class DeflatedDataset
{
    private readonly byte[] _deflated;
    private readonly bool _json;

    private DeflatedDataset(DatasetShape shape, DatasetTally tally, byte[] deflated, bool json) => (Shape, Tally, _deflated, _json) = (shape, tally, deflated, json);

    public DatasetShape Shape { get; }

    public DatasetTally Tally { get; }

    /// <summary>The bytes held.</summary>
    public long Bytes => _deflated.Length;

    /// <summary>The dataset as CSV, written patient by patient as <paramref name="patients"/> come (USUBJID order).</summary>
    public static async Task<DeflatedDataset> CsvAsync(DatasetShape shape, IAsyncEnumerable<AnalysisPatient> patients, CancellationToken ct)
    {
        var tally = new DatasetTally(shape.Columns);
        using var deflated = new MemoryStream();
        await using (var deflate = new DeflateStream(deflated, CompressionLevel.Optimal, leaveOpen: true))
        {
            await using var csv = SpreadsheetSafeCsv.Create(deflate);
            csv.Header([.. shape.Columns.Select(c => c.Name)]);
            await foreach (var patient in patients.WithCancellation(ct))
                foreach (var row in shape.RowsOf(patient))
                {
                    tally.Add(row);
                    await DatasetCsv.WriteRowAsync(csv, row, ct);
                }
            await csv.FlushAsync(ct);
        }
        return new DeflatedDataset(shape, tally, deflated.ToArray(), json: false);
    }

    /// <summary>The dataset's Dataset-JSON rows, written and tallied patient by patient as <paramref name="patients"/> come (USUBJID order).</summary>
    public static async Task<DeflatedDataset> JsonAsync(DatasetShape shape, IAsyncEnumerable<AnalysisPatient> patients, CancellationToken ct)
    {
        var tally = new DatasetTally(shape.Columns);
        using var deflated = new MemoryStream();
        await using (var deflate = new DeflateStream(deflated, CompressionLevel.Optimal, leaveOpen: true))
        await using (var rows = new Utf8JsonWriter(deflate))
        {
            rows.WriteStartArray();
            await foreach (var patient in patients.WithCancellation(ct))
            {
                foreach (var row in shape.RowsOf(patient))
                {
                    tally.Add(row);
                    DatasetJson.WriteRow(rows, row);
                }
                if (rows.BytesPending > 16 * 1024) rows.Flush();
            }
            rows.WriteEndArray();
        }
        return new DeflatedDataset(shape, tally, deflated.ToArray(), json: true);
    }

    /// <summary>
    /// The dataset as written: the CSV, or the Dataset-JSON document of <paramref name="source"/> created at
    /// <paramref name="createdAt"/> (its header, then the rows).
    /// </summary>
    public async Task WriteAsync(AnalysisSource source, DateTimeOffset createdAt, Stream body, CancellationToken ct)
    {
        if (_json)
        {
            await using var header = new Utf8JsonWriter(body);
            DatasetJson.WriteHeader(header, Shape.Name, Shape.Label, Shape.Columns, Tally.Records, Tally.Length, source, createdAt);
            header.WritePropertyName("rows");
        }
        await using (var inflate = new DeflateStream(new MemoryStream(_deflated, writable: false), CompressionMode.Decompress))
            await inflate.CopyToAsync(body, ct);
        if (_json) await body.WriteAsync("}"u8.ToArray(), ct);
    }
}
