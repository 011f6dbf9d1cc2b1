using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Npgsql;

namespace Registry.Api.Patients;

/// <summary>
/// Rows of a PostgreSQL binary COPY encoded straight into one buffer and sent through Npgsql's raw COPY stream, a
/// megabyte at a time. The bulk writers' values are in memory already (payloads as UTF-8, ids, versions), and
/// Npgsql's typed <c>NpgsqlBinaryImporter.Write</c> binds a converter for every single value; here a value is its bytes.
/// The format is PostgreSQL's ("COPY", "Binary Format"): a signature, then per row the field count and each field's
/// length and bytes in network order, then -1.
/// </summary>
internal sealed class BinaryCopyRows
{
    private const int SendAt = 1 << 20;
    private static readonly ConcurrentBag<BinaryCopyRows> Spare = [];
    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>PostgreSQL's timestamps count microseconds from 2000-01-01 UTC.</summary>
    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    private readonly ArrayBufferWriter<byte> _rows = new(SendAt + 64 * 1024);

    /// <summary>A buffer to encode into (one kept from an earlier COPY when there is one), the signature written.</summary>
    public static BinaryCopyRows Rent()
    {
        var rows = Spare.TryTake(out var spare) ? spare : new BinaryCopyRows();
        rows.Restart();
        return rows;
    }

    /// <summary>Empties the buffer for the next COPY, its signature written.</summary>
    public void Restart()
    {
        _rows.ResetWrittenCount();
        _rows.Write(Signature);
    }

    public static void Return(BinaryCopyRows rows) => Spare.Add(rows);

    /// <summary>Whether enough is encoded to send it before the next row.</summary>
    public bool Full => _rows.WrittenCount >= SendAt;

    public void StartRow(short fields) => BinaryPrimitives.WriteInt16BigEndian(Take(2), fields);

    public void Uuid(Guid value)
    {
        Length(16);
        value.TryWriteBytes(Take(16), bigEndian: true, out _);
    }

    public void Bigint(long value)
    {
        Length(8);
        BinaryPrimitives.WriteInt64BigEndian(Take(8), value);
    }

    public void Boolean(bool value)
    {
        Length(1);
        Take(1)[0] = value ? (byte)1 : (byte)0;
    }

    /// <summary>A <c>timestamptz</c>: microseconds since 2000-01-01 UTC, truncated as Npgsql truncates them.</summary>
    public void TimestampTz(DateTimeOffset value)
    {
        Length(8);
        BinaryPrimitives.WriteInt64BigEndian(Take(8), (value.UtcTicks - PostgresEpochTicks) / 10);
    }

    /// <summary>A <c>varchar</c> or <c>text</c>: its UTF-8 bytes; null is SQL NULL.</summary>
    public void Text(string? value)
    {
        if (value is null)
        {
            Length(-1);
            return;
        }
        var at = _rows.GetSpan(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
        var written = Encoding.UTF8.GetBytes(value, at[4..]);
        BinaryPrimitives.WriteInt32BigEndian(at, written);
        _rows.Advance(4 + written);
    }

    /// <summary>A <c>jsonb</c> from its UTF-8 text: format version 1, then the text.</summary>
    public void Jsonb(ReadOnlySpan<byte> json)
    {
        Length(1 + json.Length);
        Take(1)[0] = 1;
        _rows.Write(json);
    }

    /// <summary>A <c>bytea</c>: the bytes themselves.</summary>
    public void Bytea(ReadOnlySpan<byte> bytes)
    {
        Length(bytes.Length);
        _rows.Write(bytes);
    }

    /// <summary>Sends what is encoded so far into the COPY.</summary>
    public async ValueTask SendAsync(NpgsqlRawCopyStream copy, bool async, CancellationToken ct)
    {
        if (async) await copy.WriteAsync(_rows.WrittenMemory, ct);
        else copy.Write(_rows.WrittenSpan);
        _rows.ResetWrittenCount();
    }

    /// <summary>The trailer after the last row.</summary>
    public void End() => BinaryPrimitives.WriteInt16BigEndian(Take(2), -1);

    private void Length(int length) => BinaryPrimitives.WriteInt32BigEndian(Take(4), length);

    /// <summary>The next <paramref name="count"/> bytes of the buffer, counted as written.</summary>
    private Span<byte> Take(int count)
    {
        var span = _rows.GetSpan(count)[..count];
        _rows.Advance(count);
        return span;
    }
}
