using System.Text.Json.Serialization;
using Registry.Domain.Patients;

namespace Registry.Projections.Patients;

/// <summary>
/// One stream event as the chart keeps it: exactly one of <see cref="Fact"/>, <see cref="Correction"/>,
/// <see cref="Void"/> is set, with the version, server time and user Marten recorded. The two left unset are not
/// written: the whole chart is written on every entry.
/// </summary>
public sealed record ChartEntry(
    long Version,
    DateTimeOffset RecordedAt,
    string? RecordedBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IPatientFact? Fact = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EntryCorrected? Correction = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EntryVoided? Void = null) : IRecordedEvent
{
    public RecordedEvent ToRecorded() => new(Version, ((IRecordedEvent)this).Data, RecordedAt, RecordedBy);

    /// <summary>The entry's fact, correction or void, as the fold reads it (not a property of the stored chart).</summary>
    object IRecordedEvent.Data => (object?)Fact ?? (object?)Correction ?? Void!;
}

/// <summary>
/// A patient's whole record as a document, updated in the same transaction as each append (inline). It keeps
/// every entry with its recorded-at time, so any view can be answered as of a past moment or a data cut.
/// </summary>
public sealed class PatientChart
{
    public Guid Id { get; set; }
    public Guid StudyId { get; set; }
    public string? Arm { get; set; }
    public string Site { get; set; } = "";
    public string SubjectCode { get; set; } = "";
    public long Version { get; set; }

    /// <summary>
    /// The patient's <see cref="PatientStatus"/> as the entries in force make it, kept so a list can filter by it in the
    /// database. Null on a chart written before it was kept, until its next entry or a rebuild.
    /// </summary>
    public string? Status { get; set; }

    /// <summary>
    /// The chained hash of the stream's last event: with <see cref="Version"/>, the link the next entry is sealed after,
    /// so a write needs nothing but this chart. Null on a chart written before it was kept, until its next entry or a rebuild.
    /// </summary>
    public string? Hash { get; set; }

    public List<ChartEntry> Entries { get; set; } = [];

    /// <summary>
    /// <see cref="Entries"/> in their compact form (<see cref="CompactChartEntries"/>), stored in a column of its own beside
    /// the JSON, which it is not part of, so every read of a whole study's charts decodes them without parsing JSON. Bytes, but not an
    /// array: Marten fills a duplicated array field from the JSON as a PostgreSQL array when the column is added.
    /// </summary>
    [JsonIgnore]
    public ReadOnlyMemory<byte> CompactEntries => CompactChartEntries.Encode(Entries);

    /// <summary>
    /// Another chart with the same fields and entries, which the projection may extend without touching this one
    /// (entries are immutable records, so they are shared; a field added later is copied too).
    /// </summary>
    public PatientChart Copy()
    {
        var copy = (PatientChart)MemberwiseClone();
        copy.Entries = [.. Entries];
        return copy;
    }

    /// <summary>The facts in force as the registry knew them at <paramref name="asOf"/> (now when null); null if not yet enrolled then.</summary>
    public PatientTimeline? Timeline(DateTimeOffset? asOf = null) => Recorded().Timeline(asOf);

    /// <summary>The chart as a set derived from charts reads it: its patient, version and entries (shared, not copied).</summary>
    public RecordedChart Recorded() => new(Id, Version, Entries);
}
