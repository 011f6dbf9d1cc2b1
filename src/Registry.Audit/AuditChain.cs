using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
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
        var options = (StoreOptions)session.DocumentStore.Options;
        var at = ToMicroseconds(recordedAt ?? options.Events.TimeProvider.GetUtcNow());
        var serializer = options.Serializer();
        var link = previous;
        foreach (var e in appended)
        {
            e.Version = link.Version + 1;
            e.Timestamp = at;
            e.UserName = user;
            if (reason is not null) e.SetHeader(ReasonHeader, reason);
            var hash = Hash(new ChainedFields(e.StreamId, e.Version, e.EventTypeName, serializer.ToJson(e.Data),
                ClinicalDateOf(e.Data), at, user, reason ?? ReasonOf(e.Data)), link.Hash);
            e.SetHeader(HashHeader, hash);
            link = new ChainLink(e.Version, hash);
        }
    }

    /// <summary>The link to chain after when appending to a stream that stands at <paramref name="version"/>.</summary>
    public static async Task<ChainLink> HeadAsync(IQuerySession session, Guid streamId, long version, CancellationToken ct) =>
        version == 0 ? ChainLink.Genesis
            : ChainLink.Of((await session.Events.FetchStreamAsync(streamId, version, fromVersion: version, token: ct)).Single());

    /// <summary>Lower-case hex SHA-256 of the canonical JSON of the fields and the previous hash.</summary>
    public static string Hash(ChainedFields fields, string? previousHash) =>
        Convert.ToHexStringLower(SHA256.HashData(Canonical(fields, previousHash)));

    /// <summary>
    /// One JSON object, keys in ordinal order, no whitespace, numbers in shortest round-trip form, strings unescaped
    /// where JSON allows: the same bytes whether the payload comes from the serializer or back from jsonb.
    /// </summary>
    private static byte[] Canonical(ChainedFields f, string? previousHash)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("clinicalDate", f.ClinicalDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            writer.WritePropertyName("data");
            using (var payload = JsonDocument.Parse(f.PayloadJson)) WriteCanonical(writer, payload.RootElement);
            writer.WriteString("previousHash", previousHash);
            writer.WriteString("reason", f.Reason);
            writer.WriteString("recordedAt", Timestamp(f.RecordedAt));
            writer.WriteString("recordedBy", f.RecordedBy);
            writer.WriteString("stream", f.StreamId.ToString("D"));
            writer.WriteString("type", f.Type);
            writer.WriteNumber("version", f.Version);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
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
    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ToMicroseconds(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) WriteCanonical(writer, item);
                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                // jsonb may print 1E-05 as 0.00001; both parse to the same double.
                writer.WriteRawValue(element.GetDouble().ToString("R", CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
