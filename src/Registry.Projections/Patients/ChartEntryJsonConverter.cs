using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Registry.Domain.Patients;

namespace Registry.Projections.Patients;

/// <summary>
/// Reads a chart's entries field by field, with the facts a chart holds most of (scans, adverse events, follow-ups,
/// progressions, relapses, deaths, withdrawals): a moment, a data cut or maturity reads every chart of the study, and
/// the serializer's path for records built through their constructors was most of that read. Enrolments,
/// randomizations, treatment starts, corrections and voids are read by the serializer itself, and every entry is
/// written by it, so a stored chart is the same JSON as before.
/// </summary>
public sealed class ChartEntryJsonConverter : JsonConverter<ChartEntry>
{
    private sealed record Written(JsonSerializerOptions Options, JsonTypeInfo<ChartEntry> Entry);

    private Written? _written;

    public override ChartEntry Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("A chart entry must be an object.");
        long version = 0;
        DateTimeOffset recordedAt = default;
        string? recordedBy = null;
        IPatientFact? fact = null;
        EntryCorrected? correction = null;
        EntryVoided? voided = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("version"u8)) version = Next(ref reader).GetInt64();
            else if (reader.ValueTextEquals("recordedAt"u8)) recordedAt = Next(ref reader).GetDateTimeOffset();
            else if (reader.ValueTextEquals("recordedBy"u8)) recordedBy = RecordedBy(ref Next(ref reader));
            else if (reader.ValueTextEquals("fact"u8)) fact = Fact(ref Next(ref reader), options);
            else if (reader.ValueTextEquals("correction"u8)) correction = JsonSerializer.Deserialize<EntryCorrected>(ref Next(ref reader), options);
            else if (reader.ValueTextEquals("void"u8)) voided = JsonSerializer.Deserialize<EntryVoided>(ref Next(ref reader), options);
            else SkipValue(ref Next(ref reader));
        }
        return new ChartEntry(version, recordedAt, recordedBy, fact, correction, voided);
    }

    /// <summary>The serializer's own writing, through the same options without this converter.</summary>
    public override void Write(Utf8JsonWriter writer, ChartEntry value, JsonSerializerOptions options)
    {
        var written = _written;
        if (written is null || !ReferenceEquals(written.Options, options))
        {
            var without = new JsonSerializerOptions(options);
            without.Converters.Remove(this);
            _written = written = new Written(options, (JsonTypeInfo<ChartEntry>)without.GetTypeInfo(typeof(ChartEntry)));
        }
        JsonSerializer.Serialize(writer, value, written.Entry);
    }

    // The user who recorded the last entry read on this thread: a chart's entries are mostly one coordinator's, and a
    // pass over every chart would otherwise make a string per entry.
    [ThreadStatic] private static string? _lastRecordedBy;

    private static string? RecordedBy(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (_lastRecordedBy is { } last && reader.ValueTextEquals(last)) return last;
        return _lastRecordedBy = reader.GetString();
    }

    private static ref Utf8JsonReader Next(ref Utf8JsonReader reader)
    {
        reader.Read();
        return ref reader;
    }

    /// <summary>
    /// Skips a value. The serializer hands a converter the whole entry, but while a chart longer than its buffer is
    /// still being read from the database the buffer is not the last one, and <c>Skip</c> refuses any but the last.
    /// </summary>
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        if (!reader.TrySkip()) throw new JsonException("A chart entry ended before its value.");
    }

    private enum Kind { Other, Imaging, AdverseEvent, Progressed, Relapsed, Died, LastKnownAlive, Withdrew }

    /// <summary>A fact by its <c>kind</c>, wherever the stored object has it (jsonb orders keys by length).</summary>
    private static IPatientFact? Fact(ref Utf8JsonReader reader, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        var kind = KindOf(reader);
        if (kind == Kind.Other) return JsonSerializer.Deserialize<IPatientFact>(ref reader, options);

        DateOnly date = default;
        double? number = null;
        string? text = null;
        int grade = 0;
        bool flag = false;
        NonTargetStatus nonTarget = default;
        TimepointResponse response = default;
        Attribution attribution = default;
        ProgressionBasis basis = default;
        FailureSite? site = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("kind"u8)) SkipValue(ref Next(ref reader));
            else if (kind switch
                     {
                         Kind.Imaging => reader.ValueTextEquals("assessedOn"u8),
                         Kind.AdverseEvent => reader.ValueTextEquals("onsetOn"u8),
                         Kind.Progressed => reader.ValueTextEquals("progressedOn"u8),
                         Kind.Relapsed => reader.ValueTextEquals("relapsedOn"u8),
                         Kind.Died => reader.ValueTextEquals("diedOn"u8),
                         Kind.LastKnownAlive => reader.ValueTextEquals("lastKnownAliveOn"u8),
                         _ => reader.ValueTextEquals("withdrewOn"u8),
                     })
                date = Value<DateOnly>(ref Next(ref reader), options);
            else if (kind == Kind.Imaging && reader.ValueTextEquals("targetLesionSumMm"u8)) number = JsonSerializer.Deserialize<double?>(ref Next(ref reader), options);
            else if (kind == Kind.Imaging && reader.ValueTextEquals("nonTargetStatus"u8)) nonTarget = Value<NonTargetStatus>(ref Next(ref reader), options);
            else if (kind == Kind.Imaging && reader.ValueTextEquals("newLesions"u8)) flag = Next(ref reader).GetBoolean();
            else if (kind == Kind.Imaging && reader.ValueTextEquals("response"u8)) response = Value<TimepointResponse>(ref Next(ref reader), options);
            else if (kind == Kind.AdverseEvent && reader.ValueTextEquals("term"u8)) text = Next(ref reader).GetString();
            else if (kind == Kind.AdverseEvent && reader.ValueTextEquals("grade"u8)) grade = Next(ref reader).GetInt32();
            else if (kind == Kind.AdverseEvent && reader.ValueTextEquals("serious"u8)) flag = Next(ref reader).GetBoolean();
            else if (kind == Kind.AdverseEvent && reader.ValueTextEquals("attribution"u8)) attribution = Value<Attribution>(ref Next(ref reader), options);
            else if (kind == Kind.Progressed && reader.ValueTextEquals("basis"u8)) basis = Value<ProgressionBasis>(ref Next(ref reader), options);
            else if (kind is Kind.Progressed && reader.ValueTextEquals("site"u8) || kind is Kind.Relapsed && reader.ValueTextEquals("type"u8)) site = Value<FailureSite?>(ref Next(ref reader), options);
            else if (kind == Kind.Died && reader.ValueTextEquals("cause"u8) || kind == Kind.Withdrew && reader.ValueTextEquals("reason"u8)) text = Next(ref reader).GetString();
            else SkipValue(ref Next(ref reader));
        }
        return kind switch
        {
            Kind.Imaging => new ImagingAssessed(date, number, nonTarget, flag, response),
            Kind.AdverseEvent => new AdverseEventRecorded(text!, grade, date, flag, attribution),
            Kind.Progressed => new DiseaseProgressed(date, basis, site),
            Kind.Relapsed => new DiseaseRelapsed(date, site.GetValueOrDefault()),
            Kind.Died => new PatientDied(date, text),
            Kind.LastKnownAlive => new LastKnownAlive(date),
            _ => new WithdrewFromFollowUp(date, text!),
        };
    }

    /// <summary>The fact's kind, read from a copy of the reader so the object is still to be read.</summary>
    private static Kind KindOf(Utf8JsonReader scan)
    {
        if (scan.TokenType != JsonTokenType.StartObject) return Kind.Other;
        while (scan.Read() && scan.TokenType == JsonTokenType.PropertyName)
        {
            if (!scan.ValueTextEquals("kind"u8))
            {
                SkipValue(ref Next(ref scan));
                continue;
            }
            scan.Read();
            return scan.TokenType != JsonTokenType.String ? Kind.Other
                : scan.ValueTextEquals("imagingAssessed"u8) ? Kind.Imaging
                : scan.ValueTextEquals("adverseEventRecorded"u8) ? Kind.AdverseEvent
                : scan.ValueTextEquals("diseaseProgressed"u8) ? Kind.Progressed
                : scan.ValueTextEquals("relapsed"u8) ? Kind.Relapsed
                : scan.ValueTextEquals("died"u8) ? Kind.Died
                : scan.ValueTextEquals("lastKnownAlive"u8) ? Kind.LastKnownAlive
                : scan.ValueTextEquals("withdrewFromFollowUp"u8) ? Kind.Withdrew
                : Kind.Other;
        }
        return Kind.Other;
    }

    /// <summary>A value as the options' own converter reads it (dates, numbers, enums by name), so it parses as the serializer would.</summary>
    private static T Value<T>(ref Utf8JsonReader reader, JsonSerializerOptions options) =>
        ((JsonConverter<T>)options.GetConverter(typeof(T))).Read(ref reader, typeof(T), options)!;
}
