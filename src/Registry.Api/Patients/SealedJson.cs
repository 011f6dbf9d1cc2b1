using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Registry.Domain.Patients;
using Registry.Projections.Patients;

namespace Registry.Api.Patients;

/// <summary>
/// The JSON of a sealed stream's rows as the store's serializer writes it, without serialising any fact twice: the bulk
/// path (<see cref="NewPatientStreams"/>) has each new event's payload written already, for its hash and its row, and a
/// chart's entry of that event holds the same fact. So a chart's entries of those events are its payload's bytes (a fact
/// with its <c>kind</c> first, as it is written where a fact of any kind may stand), and an event's headers are written
/// by hand. Anything else (an entry of an event stored earlier, a header of another type, a serializer without these
/// options) is written by the serializer. The same bytes as the serializer's own: SealedJsonProperties.
/// </summary>
public static class SealedJson
{
    /// <summary>The serializer's options, the discriminator of each kind of fact, and the chart's <c>"entries":[]</c> as written.</summary>
    private sealed record Written(JsonSerializerOptions Options, Dictionary<Type, byte[]> FactStarts, byte[] NoEntries, bool NullsSkipped);

    private static readonly ConditionalWeakTable<ISerializer, Written?> ByStore = new();

    [ThreadStatic] private static ArrayBufferWriter<byte>? Scratch;
    [ThreadStatic] private static ArrayBufferWriter<byte>? Fact;
    [ThreadStatic] private static Utf8JsonWriter? Writer;

    /// <summary>An event's headers, as the serializer writes its dictionary, at the end of <paramref name="rows"/>.</summary>
    public static void WriteHeaders(ArrayBufferWriter<byte> rows, ISerializer serializer, Dictionary<string, object> headers)
    {
        var byHand = Of(serializer);
        foreach (var value in headers.Values)
            if (value is not (string or int or long)) byHand = null;
        if (byHand is not { } written)
        {
            serializer.WriteTo(rows, headers);
            return;
        }
        var writer = WriterOn(rows, written);
        var keys = written.Options.DictionaryKeyPolicy;
        writer.WriteStartObject();
        foreach (var (key, value) in headers)
        {
            var name = keys?.ConvertName(key) ?? key;
            switch (value)
            {
                case string text: writer.WriteString(name, text); break;
                case int number: writer.WriteNumber(name, number); break;
                case long number: writer.WriteNumber(name, number); break;
            }
        }
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>
    /// The chart, as the serializer writes it, at the end of <paramref name="rows"/>; the entries of <paramref name="events"/>
    /// are their payloads, which end at <paramref name="payloadEnds"/> in <paramref name="rows"/> (the first starts at <paramref name="payloadsStart"/>).
    /// </summary>
    public static void WriteChart(ArrayBufferWriter<byte> rows, ISerializer serializer, PatientChart chart, IReadOnlyList<IEvent> events, int[] payloadEnds,
        int payloadsStart = 0)
    {
        if (Of(serializer) is not { } written || events.Count == 0)
        {
            serializer.WriteTo(rows, chart);
            return;
        }
        var scratch = Scratch ??= new ArrayBufferWriter<byte>(16 * 1024);
        scratch.ResetWrittenCount();
        // The chart's own fields as the serializer writes them, its entries left out and written into their place below.
        var entries = chart.Entries;
        chart.Entries = [];
        try
        {
            serializer.WriteTo(scratch, chart);
        }
        finally
        {
            chart.Entries = entries;
        }
        var at = scratch.WrittenSpan.IndexOf(written.NoEntries);
        if (at < 0)
        {
            serializer.WriteTo(rows, chart);
            return;
        }
        var open = at + written.NoEntries.Length - 2;
        rows.Write(scratch.WrittenSpan[..open]);
        var firstVersion = events[0].Version;
        var writer = WriterOn(rows, written);
        writer.WriteStartArray();
        foreach (var entry in entries)
        {
            var data = (object?)entry.Fact ?? (object?)entry.Correction ?? entry.Void;
            var i = entry.Version - firstVersion;
            if (i < 0 || i >= events.Count || !ReferenceEquals(events[(int)i].Data, data)
                || (entry.Fact is not null && !written.FactStarts.ContainsKey(entry.Fact.GetType())))
            {
                JsonSerializer.Serialize(writer, entry, written.Options);
                continue;
            }
            writer.WriteStartObject();
            writer.WriteNumber("version"u8, entry.Version);
            writer.WriteString("recordedAt"u8, entry.RecordedAt);
            if (entry.RecordedBy is { } by) writer.WriteString("recordedBy"u8, by);
            else if (!written.NullsSkipped) writer.WriteNull("recordedBy"u8);
            // The payload as it was written for the event and its hash; as a fact, its kind goes first.
            var payload = rows.WrittenSpan[(i == 0 ? payloadsStart : payloadEnds[i - 1])..payloadEnds[i]];
            if (entry.Fact is { } fact)
            {
                var whole = Fact ??= new ArrayBufferWriter<byte>(1024);
                whole.ResetWrittenCount();
                whole.Write(written.FactStarts[fact.GetType()]);
                if (payload.Length > 2)
                {
                    whole.Write(","u8);
                    whole.Write(payload[1..]);
                }
                else whole.Write("}"u8);
                writer.WritePropertyName("fact"u8);
                writer.WriteRawValue(whole.WrittenSpan, skipInputValidation: true);
            }
            else
            {
                writer.WritePropertyName(entry.Correction is not null ? "correction"u8 : "void"u8);
                // The payload is read from the buffer being written to: copied first, in case writing grows it.
                var copy = Fact ??= new ArrayBufferWriter<byte>(1024);
                copy.ResetWrittenCount();
                copy.Write(payload);
                writer.WriteRawValue(copy.WrittenSpan, skipInputValidation: true);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.Flush();
        rows.Write(scratch.WrittenSpan[(open + 2)..]);
    }

    private static Utf8JsonWriter WriterOn(ArrayBufferWriter<byte> buffer, Written written)
    {
        var writer = Writer;
        if (writer is null || !ReferenceEquals(writer.Options.Encoder, written.Options.Encoder))
            Writer = writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = written.Options.Encoder, SkipValidation = true });
        writer.Reset(buffer);
        return writer;
    }

    /// <summary>What writing by hand needs of this store's serializer; null when it is not System.Text.Json's or none of its options writes a chart as it does.</summary>
    private static Written? Of(ISerializer serializer) => ByStore.GetValue(serializer, static s =>
    {
        if (s is not SystemTextJsonSerializer json) return null;
        // The options it writes documents and events with: of those it keeps (and has used), one that writes a chart as it does.
        var probe = new PatientChart { Site = "<Site é>", Entries = [new ChartEntry(1, DateTimeOffset.UnixEpoch, "<é>", new LastKnownAlive(new DateOnly(2026, 12, 5)))] };
        var expected = new ArrayBufferWriter<byte>(256);
        json.WriteTo(expected, probe);
        var used = new List<JsonSerializerOptions>();
        json.Configure(o => { if (o is { IsReadOnly: true, TypeInfoResolver: not null, WriteIndented: false }) used.Add(o); });
        if (used.FirstOrDefault(o => JsonSerializer.SerializeToUtf8Bytes(probe, o).AsSpan().SequenceEqual(expected.WrittenSpan)) is not { } options) return null;
        if (options.GetTypeInfo(typeof(IPatientFact)).PolymorphismOptions is not { } polymorphism) return null;
        var kind = JsonEncodedText.Encode(polymorphism.TypeDiscriminatorPropertyName, options.Encoder);
        var starts = polymorphism.DerivedTypes.Where(d => d.TypeDiscriminator is string).ToDictionary(d => d.DerivedType,
            d => Encoding.UTF8.GetBytes($"{{\"{kind}\":\"{JsonEncodedText.Encode((string)d.TypeDiscriminator!, options.Encoder)}\""));
        var entries = JsonEncodedText.Encode(options.PropertyNamingPolicy?.ConvertName(nameof(PatientChart.Entries)) ?? nameof(PatientChart.Entries), options.Encoder);
        return new Written(options, starts, Encoding.UTF8.GetBytes($"\"{entries}\":[]"),
            options.DefaultIgnoreCondition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault);
    });
}
