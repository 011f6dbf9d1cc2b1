using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Marten;

namespace Registry.Audit;

/// <summary>A study's audit trail written straight to a stream as JSON or CSV, flushing as it goes, so no study is held in memory.</summary>
public static class AuditTrailWriter
{
    private const int FlushBytes = 64 * 1024;

    public static async Task WriteJsonAsync(IDocumentStore store, Guid studyId, Stream body, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(body);
        json.WriteStartArray();
        await foreach (var e in AuditLog.ReadAsync(store, studyId, ct))
        {
            json.WriteStartObject();
            json.WriteString("stream", e.StreamId);
            json.WriteNumber("version", e.Version);
            json.WriteNumber("sequence", e.Sequence);
            json.WriteString("type", e.Type);
            json.WriteString("clinicalDate", e.ClinicalDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteString("recordedAt", AuditChain.Timestamp(e.RecordedAt));
            json.WriteString("recordedBy", e.RecordedBy);
            json.WriteString("reason", e.Reason);
            json.WriteString("hash", e.Hash);
            json.WritePropertyName("data");
            json.WriteRawValue(e.PayloadJson);
            json.WriteEndObject();
            if (json.BytesPending > FlushBytes) await json.FlushAsync(ct);
        }
        json.WriteEndArray();
        await json.FlushAsync(ct);
    }

    public static async Task WriteCsvAsync(IDocumentStore store, Guid studyId, Stream body, CancellationToken ct)
    {
        // Only the async calls reach the response stream: Kestrel refuses synchronous writes.
        await using var csv = CsvWriter.Create(body, options: null, leaveOpen: true);
        csv.WriteHeader(["stream", "version", "sequence", "type", "clinicalDate", "recordedAt", "recordedBy", "reason", "hash", "data"]);
        await foreach (var e in AuditLog.ReadAsync(store, studyId, ct))
        {
            csv.WriteField(e.StreamId.ToString("D"));
            csv.WriteField(e.Version.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(e.Sequence.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(e.Type);
            csv.WriteField(e.ClinicalDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            csv.WriteField(AuditChain.Timestamp(e.RecordedAt));
            csv.WriteField(e.RecordedBy);
            csv.WriteField(e.Reason);
            csv.WriteField(e.Hash);
            csv.WriteField(e.PayloadJson);
            await csv.EndRecordAsync(ct);
        }
        await csv.FlushAsync(ct);
    }
}
