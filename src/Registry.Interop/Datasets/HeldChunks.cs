using System.Buffers;

namespace Registry.Interop.Datasets;

/// <summary>
/// A write-only stream that holds what is written in arrays of at most <see cref="ChunkBytes"/>, read back as one
/// sequence. A deflated dataset of megabytes held as one array, and a MemoryStream's doubling buffers before it, lie on
/// the large object heap, which only a full collection frees (≈ 20 MB of it per dataset written at 100 000 patients);
/// chunks are small objects, collected and compacted with the rest.
/// </summary>
internal sealed class HeldChunks : Stream
{
    /// <summary>Under the runtime's default large-object threshold (85 000 bytes), whatever the host sets.</summary>
    public const int ChunkBytes = 64 * 1024;

    private readonly List<byte[]> _chunks = [];

    /// <summary>The bytes used of the last chunk.</summary>
    private int _used = ChunkBytes;

    private long _length;

    private bool _ended;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_ended) throw new InvalidOperationException("The chunks were read as written; nothing more can be written to them.");
        while (!buffer.IsEmpty)
        {
            if (_used == ChunkBytes)
            {
                _chunks.Add(new byte[ChunkBytes]);
                _used = 0;
            }
            var length = Math.Min(buffer.Length, ChunkBytes - _used);
            buffer[..length].CopyTo(_chunks[^1].AsSpan(_used));
            _used += length;
            _length += length;
            buffer = buffer[length..];
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    /// <summary>Whether the bytes written so far end with <paramref name="tail"/>.</summary>
    public bool EndsWith(ReadOnlySpan<byte> tail)
    {
        if (tail.Length > _length) return false;
        // Every chunk but the last is full.
        var start = _length - tail.Length;
        for (var i = 0; i < tail.Length; i++)
            if (_chunks[(int)((start + i) / ChunkBytes)][(int)((start + i) % ChunkBytes)] != tail[i]) return false;
        return true;
    }

    /// <summary>What was written, the last chunk copied to its used length; writing ends here.</summary>
    public ReadOnlySequence<byte> Written()
    {
        _ended = true;
        if (_chunks.Count == 0) return ReadOnlySequence<byte>.Empty;
        if (_used < ChunkBytes) _chunks[^1] = _chunks[^1][.._used];
        Chunk? first = null, last = null;
        foreach (var chunk in _chunks)
        {
            last = new Chunk(chunk, last);
            first ??= last;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(byte[] bytes, Chunk? previous)
        {
            Memory = bytes;
            if (previous is null) return;
            RunningIndex = previous.RunningIndex + previous.Memory.Length;
            previous.Next = this;
        }
    }
}
