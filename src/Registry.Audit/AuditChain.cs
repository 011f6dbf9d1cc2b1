using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Registry.Domain.Patients;

namespace Registry.Audit;

/// <summary>The stream position and hash a new event chains to; <see cref="Genesis"/> before a stream's first event.</summary>
public sealed record ChainLink(long Version, string? Hash)
{
    public static readonly ChainLink Genesis = new(0, null);

    public static ChainLink Of(IEvent e) => new(e.Version, e.GetHeader(AuditChain.HashHeader)?.ToString());
}

/// <summary>What an event's hash covers, besides the hash of the event before it in its stream.</summary>
public sealed record ChainedFields(
    Guid StreamId, long Version, string Type, string PayloadJson, DateOnly? ClinicalDate, DateTimeOffset RecordedAt, string? RecordedBy, string? Reason);

/// <summary>
/// Tamper evidence: every event carries (in its <c>hash</c> header) a SHA-256 over a canonical form of its content
/// and the previous event's hash, so editing any stored event breaks its link. See docs/audit.md.
/// </summary>
public static class AuditChain
{
    public const string HashHeader = "hash";

    /// <summary>Why entries were recorded, when something other than a coordinator's hand recorded them (an import).</summary>
    public const string ReasonHeader = "reason";

    /// <summary>
    /// Stamps events just appended to one stream, after <paramref name="previous"/>, with their version, recorded-at
    /// (the store's clock, to the microsecond PostgreSQL keeps), user and chained hash. Every append calls this
    /// before saving; Marten keeps a timestamp that is already set. <paramref name="reason"/>, when given, is recorded
    /// on each event (header <c>reason</c>) and sealed as its reason, before any reason its payload carries.
    /// <paramref name="recordedAt"/> is given only by a bulk load that replays a simulated calendar.
    /// </summary>
    public static void Seal(IDocumentSession session, string user, ChainLink previous, IReadOnlyList<IEvent> appended, string? reason = null,
        DateTimeOffset? recordedAt = null)
    {
        var payloads = Payloads ??= new ArrayBufferWriter<byte>(4096);
        payloads.ResetWrittenCount();
        Seal(session, user, previous, appended, payloads, reason, recordedAt);
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? Payloads;

    /// <summary>
    /// <see cref="Seal(IDocumentSession, string, ChainLink, IReadOnlyList{IEvent}, string?, DateTimeOffset?)"/> for a
    /// bulk writer that copies the rows itself: each event's payload is serialised once, as the store serialises it, to
    /// UTF-8 at the end of <paramref name="payloads"/>, for the hash and the COPY alike; returns where each one ends there.
    /// </summary>
    public static int[] Seal(IDocumentSession session, string user, ChainLink previous, IReadOnlyList<IEvent> appended, ArrayBufferWriter<byte> payloads,
        string? reason = null, DateTimeOffset? recordedAt = null)
    {
        var options = (StoreOptions)session.DocumentStore.Options;
        var at = ToMicroseconds(recordedAt ?? options.Events.TimeProvider.GetUtcNow());
        var serializer = options.Serializer();
        var link = previous;
        var ends = new int[appended.Count];
        for (var i = 0; i < appended.Count; i++)
        {
            var e = appended[i];
            e.Version = link.Version + 1;
            e.Timestamp = at;
            e.UserName = user;
            if (reason is not null) e.SetHeader(ReasonHeader, reason);
            var start = payloads.WrittenCount;
            serializer.WriteTo(payloads, e.Data);
            ends[i] = payloads.WrittenCount;
            var hash = Hash(e.StreamId, e.Version, e.EventTypeName, payloads.WrittenSpan[start..], ClinicalDateOf(e.Data), at, user, reason ?? ReasonOf(e.Data),
                link.Hash);
            e.SetHeader(HashHeader, hash);
            link = new ChainLink(e.Version, hash);
        }
        return ends;
    }

    /// <summary>The link to chain after when appending to a stream that stands at <paramref name="version"/>.</summary>
    public static async Task<ChainLink> HeadAsync(IQuerySession session, Guid streamId, long version, CancellationToken ct) =>
        version == 0 ? ChainLink.Genesis
            : ChainLink.Of((await session.Events.FetchStreamAsync(streamId, version, fromVersion: version, token: ct)).Single());

    /// <summary>Lower-case hex SHA-256 of the canonical JSON of the fields and the previous hash.</summary>
    public static string Hash(ChainedFields fields, string? previousHash)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(fields.PayloadJson.Length));
        try
        {
            var payload = rented.AsSpan(0, Encoding.UTF8.GetBytes(fields.PayloadJson, rented));
            return Hash(fields.StreamId, fields.Version, fields.Type, payload, fields.ClinicalDate, fields.RecordedAt, fields.RecordedBy, fields.Reason,
                previousHash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static string Hash(Guid streamId, long version, string type, ReadOnlySpan<byte> payload, DateOnly? clinicalDate, DateTimeOffset recordedAt,
        string? recordedBy, string? reason, string? previousHash)
    {
        var buffer = CanonicalBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Canonical(buffer, streamId, version, type, payload, clinicalDate, recordedAt, recordedBy, reason, previousHash);
        // One hasher per thread, reset by each use: a one-shot SHA-256 sets up the native digest every time.
        var sha256 = Sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha256.AppendData(buffer.WrittenSpan);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        sha256.GetHashAndReset(hash);
        return Convert.ToHexStringLower(hash);
    }

    [ThreadStatic] private static IncrementalHash? Sha256;

    /// <summary>
    /// The canonical form the hash covers: one JSON object, keys in ordinal order, no whitespace, numbers in shortest
    /// round-trip form, strings unescaped where JSON allows. See <see cref="CanonicalJson"/> for the payload.
    /// </summary>
    public static byte[] Canonical(ChainedFields fields, string? previousHash)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var f = fields;
        Canonical(buffer, f.StreamId, f.Version, f.Type, Encoding.UTF8.GetBytes(f.PayloadJson), f.ClinicalDate, f.RecordedAt, f.RecordedBy, f.Reason, previousHash);
        return buffer.WrittenSpan.ToArray();
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? CanonicalBuffer;
    [ThreadStatic] private static Utf8JsonWriter? CanonicalWriter;

    private static void Canonical(ArrayBufferWriter<byte> buffer, Guid streamId, long version, string type, ReadOnlySpan<byte> payload, DateOnly? clinicalDate,
        DateTimeOffset recordedAt, string? recordedBy, string? reason, string? previousHash)
    {
        var writer = CanonicalWriter ??= new Utf8JsonWriter(buffer, CanonicalJson.WriterOptions);
        writer.Reset(buffer);
        writer.WriteStartObject();
        if (clinicalDate is { } date)
        {
            Span<byte> text = stackalloc byte[10];
            date.TryFormat(text, out _, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            writer.WriteString("clinicalDate"u8, text);
        }
        else writer.WriteNull("clinicalDate"u8);
        writer.WritePropertyName("data"u8);
        CanonicalJson.Write(writer, payload);
        writer.WriteString("previousHash"u8, previousHash);
        writer.WriteString("reason"u8, reason);
        Span<char> at = stackalloc char[TimestampLength];
        writer.WriteString("recordedAt"u8, Timestamp(recordedAt, at));
        writer.WriteString("recordedBy"u8, recordedBy);
        writer.WriteString("stream"u8, streamId);
        writer.WriteString("type"u8, type);
        writer.WriteNumber("version"u8, version);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>The clinical date an event describes: a fact's own, or a correction's replacement's.</summary>
    public static DateOnly? ClinicalDateOf(object data) => data switch
    {
        IPatientFact fact => fact.ClinicalDate,
        EntryCorrected c => c.Replacement.ClinicalDate,
        _ => null
    };

    /// <summary>Why an entry was amended; only corrections and voids carry a reason.</summary>
    public static string? ReasonOf(object data) => data switch
    {
        EntryCorrected c => c.Reason,
        EntryVoided v => v.Reason,
        _ => null
    };

    /// <summary>A recorded-at time as the chain and the exports write it: UTC, to the microsecond.</summary>
    public static string Timestamp(DateTimeOffset t) => new(Timestamp(t, stackalloc char[TimestampLength]));

    private const int TimestampLength = 28;

    // The round-trip form ("O": seven decimals of a second, then Z) with its last decimal dropped: the microsecond form above.
    private static ReadOnlySpan<char> Timestamp(DateTimeOffset t, Span<char> text)
    {
        t.UtcDateTime.TryFormat(text, out var length, "O", CultureInfo.InvariantCulture);
        text[length - 2] = 'Z';
        return text[..(length - 1)];
    }

    private static DateTimeOffset ToMicroseconds(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);
}
