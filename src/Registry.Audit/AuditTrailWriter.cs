using System.Globalization;
using System.Text.Json;
using Marten;
using Registry.Domain.Studies;

namespace Registry.Audit;

/// <summary>
/// One object of the JSON audit trail, named for the API reference: <see cref="AuditTrailWriter.WriteJsonAsync"/> streams
/// these fields by hand (a test holds the two together); <c>data</c> is the event as stored.
/// </summary>
public sealed record AuditTrailEntry(Guid Stream, string Study, string? SubjectCode, string? Site, long Version, long Sequence, string Type,
    DateOnly? ClinicalDate, DateTimeOffset RecordedAt, string? RecordedBy, string? Reason, string? Hash, JsonElement Data);

/// <summary>A study's audit trail written straight to a stream as JSON or CSV, flushing as it goes, so no study is held in memory.</summary>
public static class AuditTrailWriter
{
    private const int FlushBytes = 64 * 1024;

    public static async Task WriteJsonAsync(IDocumentStore store, Study study, AuditTrailFilter filter, Stream body, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(body);
        json.WriteStartArray();
        await foreach (var row in AuditTrailRows.ReadAsync(store, study, filter, ct))
        {
            var e = row.Event;
            json.WriteStartObject();
            json.WriteString("stream", e.StreamId);
            json.WriteString("study", row.StudyCode);
            json.WriteString("subjectCode", row.SubjectCode);
            json.WriteString("site", row.Site);
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

    public static async Task WriteCsvAsync(IDocumentStore store, Study study, AuditTrailFilter filter, Stream body, CancellationToken ct)
    {
        await using var csv = SpreadsheetSafeCsv.Create(body);
        csv.Header("stream", "study", "subjectCode", "site", "version", "sequence", "type", "clinicalDate", "recordedAt", "recordedBy", "reason", "hash", "data");
        await foreach (var row in AuditTrailRows.ReadAsync(store, study, filter, ct))
        {
            var e = row.Event;
            csv.Text(e.StreamId.ToString("D"));
            csv.Text(row.StudyCode);
            csv.Text(row.SubjectCode);
            csv.Text(row.Site);
            csv.Number(e.Version);
            csv.Number(e.Sequence);
            csv.Text(e.Type);
            csv.Text(e.ClinicalDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            csv.Text(AuditChain.Timestamp(e.RecordedAt));
            csv.Text(e.RecordedBy);
            csv.Text(e.Reason);
            csv.Text(e.Hash);
            csv.Text(e.PayloadJson);
            await csv.EndRowAsync(ct);
        }
        await csv.FlushAsync(ct);
    }
}
