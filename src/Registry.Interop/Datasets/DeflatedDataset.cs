using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.IO;
using Registry.Audit;

namespace Registry.Interop.Datasets;

/// <summary>
/// One analysis dataset written once from its patients, as CSV or as Dataset-JSON, and held deflated (a twelfth to a thirtieth
/// of its size) with its tally: it can be answered again without reading a patient, and Dataset-JSON's header, which
/// states the record count and lengths before the rows, is written from the tally ahead of rows already written. The
/// bytes are those <see cref="DatasetCsv"/> and <see cref="DatasetJson"/> write from the whole dataset. A client that
/// accepts HTTP's <c>deflate</c> coding is sent the held bytes as they are (<see cref="WriteDeflatedAsync"/>).
/// </summary>
public sealed class DeflatedDataset
{
    /// <summary>
    /// Writes the deflated bytes into blocks of <see cref="BlockBytes"/>, small objects the GC collects and compacts with
    /// the rest: a dataset of megabytes in one array, or a MemoryStream's doubling buffers before it, would lie on the
    /// large object heap, which only a full collection frees (≈ 20 MB of it per dataset written at 100 000 patients).
    /// </summary>
    private static readonly RecyclableMemoryStreamManager Blocks = new(new RecyclableMemoryStreamManager.Options { BlockSize = BlockBytes });

    /// <summary>Under the runtime's default large-object threshold (85 000 bytes), whatever the host sets.</summary>
    internal const int BlockBytes = 64 * 1024;

    /// <summary>The rows (for CSV the whole file) as one zlib stream (RFC 1950): its header, deflate blocks, Adler-32.</summary>
    private readonly ReadOnlySequence<byte> _zlib;

    /// <summary>Dataset-JSON's: where the rows' blocks end on a byte boundary (a sync flush) and the zlib stream's final empty block begins.</summary>
    private readonly long _rowsEnd;

    /// <summary>Dataset-JSON's: the rows' length inflated, which joining their Adler-32 to the header's needs.</summary>
    private readonly long _rowsLength;

    private readonly bool _json;

    private DeflatedDataset(DatasetShape shape, DatasetTally tally, RecyclableMemoryStream zlib, long rowsEnd, long rowsLength, bool json) =>
        (Shape, Tally, _zlib, _rowsEnd, _rowsLength, _json) = (shape, tally, zlib.GetReadOnlySequence(), rowsEnd, rowsLength, json);

    public DatasetShape Shape { get; }

    public DatasetTally Tally { get; }

    /// <summary>The bytes held.</summary>
    public long Bytes => _zlib.Length;

    /// <summary>The longest part the bytes are held in (each part a block, the last one's used length).</summary>
    internal int LongestHeldArray
    {
        get
        {
            var longest = 0;
            foreach (var part in _zlib) longest = Math.Max(longest, part.Length);
            return longest;
        }
    }

    /// <summary>The dataset as CSV, written patient by patient as <paramref name="patients"/> come (USUBJID order).</summary>
    public static async Task<DeflatedDataset> CsvAsync(DatasetShape shape, IAsyncEnumerable<AnalysisPatient> patients, CancellationToken ct)
    {
        var tally = new DatasetTally(shape.Columns);
        var zlib = HeldBlocks();
        await using (var deflate = new ZLibStream(zlib, CompressionLevel.Optimal, leaveOpen: true))
        {
            await using (var csv = SpreadsheetSafeCsv.Create(deflate))
            {
                csv.Header([.. shape.Columns.Select(c => c.Name)]);
                await foreach (var patient in patients.WithCancellation(ct))
                    foreach (var row in shape.RowsOf(patient))
                    {
                        tally.Add(row);
                        await DatasetCsv.WriteRowAsync(csv, row, ct);
                    }
                await csv.FlushAsync(ct);
            }
        }
        return new DeflatedDataset(shape, tally, zlib, rowsEnd: 0, rowsLength: 0, json: false);
    }

    /// <summary>The dataset's Dataset-JSON rows, written and tallied patient by patient as <paramref name="patients"/> come (USUBJID order).</summary>
    public static async Task<DeflatedDataset> JsonAsync(DatasetShape shape, IAsyncEnumerable<AnalysisPatient> patients, CancellationToken ct)
    {
        var tally = new DatasetTally(shape.Columns);
        var zlib = HeldBlocks();
        long rowsEnd;
        long rowsLength;
        await using (var deflate = new ZLibStream(zlib, CompressionLevel.Optimal, leaveOpen: true))
        {
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
                rows.Flush();
                rowsLength = rows.BytesCommitted;
            }
            rowsEnd = await SyncFlushAsync(deflate, zlib, ct);
        }
        return new DeflatedDataset(shape, tally, zlib, rowsEnd, rowsLength, json: true);
    }

    /// <summary>
    /// A stream whose blocks are never given back to the pool: a dataset dropped from the kept answers may still be
    /// sent by a request (its answer holds the blocks, not the dataset), so the GC collects them once neither holds them.
    /// </summary>
    private static RecyclableMemoryStream HeldBlocks()
    {
        var stream = Blocks.GetStream();
        GC.SuppressFinalize(stream);
        return stream;
    }

    /// <summary>
    /// Ends the blocks written so far on a byte boundary without ending the stream (a sync flush, which ends with an empty
    /// stored block: 00 00 FF FF), so blocks of other text may follow them; returns where they end.
    /// </summary>
    private static async Task<long> SyncFlushAsync(ZLibStream deflate, RecyclableMemoryStream zlib, CancellationToken ct)
    {
        await deflate.FlushAsync(ct);
        var written = zlib.GetReadOnlySequence();
        if (written.Length < 6 || !written.Slice(written.Length - SyncFlushMarker.Length).ToArray().AsSpan().SequenceEqual(SyncFlushMarker))
            throw new InvalidOperationException("The deflated rows do not end with a sync flush; they cannot be joined to other blocks.");
        return zlib.Length;
    }

    private static ReadOnlySpan<byte> SyncFlushMarker => [0x00, 0x00, 0xFF, 0xFF];

    /// <summary>
    /// The dataset as written: the CSV, or the Dataset-JSON document of <paramref name="source"/> created at
    /// <paramref name="createdAt"/> (its header, then the rows).
    /// </summary>
    public async Task WriteAsync(AnalysisSource source, DateTimeOffset createdAt, Stream body, CancellationToken ct)
    {
        if (_json) await body.WriteAsync(Header(source, createdAt), ct);
        await using (var inflate = new ZLibStream(PipeReader.Create(_zlib).AsStream(), CompressionMode.Decompress))
            await inflate.CopyToAsync(body, ct);
        if (_json) await body.WriteAsync(ClosingBrace, ct);
    }

    /// <summary>
    /// The same bytes in HTTP's <c>deflate</c> content coding (a zlib stream, RFC 9110 8.4.1.2), from the bytes held
    /// without inflating them: the CSV as held; the JSON's header and closing brace as stored blocks around the held rows'
    /// blocks, under the Adler-32 of the three joined.
    /// </summary>
    public DeflatedAnswer Deflated(AnalysisSource source, DateTimeOffset createdAt)
    {
        if (!_json) return new DeflatedAnswer([.. _zlib]);
        var header = Header(source, createdAt);
        Span<byte> adler = stackalloc byte[4];
        _zlib.Slice(_zlib.Length - 4).CopyTo(adler);
        var rows = BinaryPrimitives.ReadUInt32BigEndian(adler);
        var checksum = Combine(Combine(Adler32.HashToUInt32(header), rows, _rowsLength), Adler32.HashToUInt32(ClosingBrace), ClosingBrace.Length);
        var trailer = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(trailer, checksum);
        return new DeflatedAnswer([.. _zlib.Slice(0, 2), StoredBlocks(header, final: false), .. _zlib.Slice(2, _rowsEnd - 2),
            StoredBlocks(ClosingBrace, final: true), trailer]);
    }

    private static readonly byte[] ClosingBrace = "}"u8.ToArray();

    private byte[] Header(AnalysisSource source, DateTimeOffset createdAt)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var header = new Utf8JsonWriter(buffer))
        {
            DatasetJson.WriteHeader(header, Shape.Name, Shape.Label, Shape.Columns, Tally.Records, Tally.Length, source, createdAt);
            header.WritePropertyName("rows");
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The Adler-32 of two texts joined, from each one's and the second's length: zlib's adler32_combine, which .NET's
    /// Adler32 does not offer (the rows are held only deflated).
    /// </summary>
    internal static uint Combine(uint first, uint second, long secondLength)
    {
        const uint modulus = 65521;
        var remainder = (uint)(secondLength % modulus);
        var sum1 = first & 0xFFFF;
        var sum2 = (uint)(remainder * (ulong)sum1 % modulus);
        sum1 += (second & 0xFFFF) + modulus - 1;
        sum2 += (first >> 16) + (second >> 16) + modulus - remainder;
        if (sum1 >= modulus) sum1 -= modulus;
        if (sum1 >= modulus) sum1 -= modulus;
        if (sum2 >= modulus << 1) sum2 -= modulus << 1;
        if (sum2 >= modulus) sum2 -= modulus;
        return sum1 | (sum2 << 16);
    }

    /// <summary>Text as deflate's stored (uncompressed) blocks of at most 65 535 bytes, the last one marked final when asked.</summary>
    internal static byte[] StoredBlocks(ReadOnlySpan<byte> text, bool final)
    {
        var blocks = new MemoryStream(text.Length + 5 * (text.Length / ushort.MaxValue + 1));
        Span<byte> head = stackalloc byte[5];
        do
        {
            var length = Math.Min(text.Length, ushort.MaxValue);
            var last = length == text.Length;
            head[0] = (byte)(final && last ? 1 : 0);
            BinaryPrimitives.WriteUInt16LittleEndian(head[1..], (ushort)length);
            BinaryPrimitives.WriteUInt16LittleEndian(head[3..], (ushort)~length);
            blocks.Write(head);
            blocks.Write(text[..length]);
            text = text[length..];
        } while (!text.IsEmpty);
        return blocks.ToArray();
    }
}

/// <summary>A dataset's answer in HTTP's <c>deflate</c> coding, as the parts to send in turn, and its length.</summary>
public sealed class DeflatedAnswer(IReadOnlyList<ReadOnlyMemory<byte>> parts)
{
    public long Length { get; } = parts.Sum(p => (long)p.Length);

    public async Task WriteAsync(Stream body, CancellationToken ct)
    {
        foreach (var part in parts) await body.WriteAsync(part, ct);
    }
}
