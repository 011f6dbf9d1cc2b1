using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Marten;
using Npgsql;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Infrastructure;
using Registry.Audit;
using Registry.Demo;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;

namespace Registry.Api.Tests.Audit;

/// <summary>
/// The chain's canonical form, written straight from the payload's text by <see cref="CanonicalJson"/>, gives the
/// very bytes (and so the very hashes) of the form events were sealed with before it: the payload parsed into a
/// <see cref="JsonDocument"/> and rewritten with sorted keys (<see cref="Reference"/>, kept here as the definition).
/// Both for the serializer's text, which sealing hashes, and for jsonb's text of it, which verification hashes.
/// </summary>
public sealed class CanonicalFormTests
{
    private static readonly ISerializer Serializer = EventStoreConfiguration.Build("Host=unused").Serializer();

    [Fact]
    public async Task Every_event_of_the_demo_studies_hashes_as_before_from_the_serializer_and_from_jsonb()
    {
        var payloads = DemoStudies.All.SelectMany(d => Events(d.Generate(null, 1))).Concat(EdgeCases()).ToList();
        Assert.True(payloads.Count > 1_000);
        var fromJsonb = await ThroughJsonbAsync(payloads.Select(p => p.Json).ToList());

        for (var i = 0; i < payloads.Count; i++)
        {
            var (data, json) = payloads[i];
            var fields = new ChainedFields(Guid.NewGuid(), i + 1, data.GetType().Name, json, AuditChain.ClinicalDateOf(data),
                new DateTimeOffset(2021, 3, 4, 5, 6, 7, TimeSpan.FromHours(i % 3)).AddTicks(i * 7_919L), "coordinator-Ü", AuditChain.ReasonOf(data));
            var previous = i % 2 == 0 ? null : Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)));
            var expected = Reference.Hash(fields, previous);
            Assert.Equal(Encoding.UTF8.GetString(Reference.Canonical(fields, previous)), Encoding.UTF8.GetString(AuditChain.Canonical(fields, previous)));
            Assert.Equal(expected, AuditChain.Hash(fields, previous));
            Assert.Equal(expected, AuditChain.Hash(fields with { PayloadJson = fromJsonb[i] }, previous));
        }
    }

    [Fact]
    public void Any_json_value_is_written_as_the_document_route_writes_it()
    {
        var property = Prop.ForAll(Arb.From(Values(3)), value =>
        {
            foreach (var text in Texts(value))
                Assert.Equal(Reference.CanonicalPayload(text), CanonicalJson.Of(text));
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2_000), property);
    }

    [Fact]
    public void Keys_are_sorted_ordinally_at_every_depth_and_numbers_take_their_shortest_form()
    {
        Assert.Equal("""{"A":[{"a":null,"b":1E-05}],"a":"é<\"","b":{"Z":12345678901234568,"z":true}}""",
            CanonicalJson.Of("""{ "b": {"z": true, "Z": 12345678901234567.0}, "a": "\u00e9\u003C\"", "A": [{"b": 0.00001, "a": null}] }"""));
    }

    /// <summary>The payload of every event the loader seals for a simulated study, as the store serialises it.</summary>
    private static IEnumerable<(object Data, string Json)> Events(SimulatedStudy study)
    {
        yield return Of(new StudyRegistered(Guid.NewGuid(), study.Protocol));
        foreach (var entry in study.Entries)
            yield return Of(entry.Fact switch
            {
                SimulatedCorrection c => new EntryCorrected(c.EntryNumber, c.Replacement, c.Reason),
                var fact => fact,
            });
    }

    /// <summary>What the demo studies happen not to hold: tiny and huge numbers, text outside ASCII and needing escapes, nulls, a void.</summary>
    private static IEnumerable<(object Data, string Json)> EdgeCases()
    {
        var on = new DateOnly(2020, 2, 29);
        var baseline = new BaselineValues(new Dictionary<string, BaselineValue>
        {
            ["age"] = BaselineValue.Of(54), ["ebvDna"] = BaselineValue.Of(1E-05), ["copies"] = BaselineValue.Of(1.2345678901234567E+300),
            ["negative"] = BaselineValue.Of(-0.1), ["histology"] = BaselineValue.Of("Non-keratinizing «différencié» 鼻咽癌 😷 <b>&amp;</b>"),
            ["smoker"] = BaselineValue.Of(false), ["stage"] = BaselineValue.MissingAs(MissingCodes.NotDone), ["quote"] = BaselineValue.Of("a \"b\"\\ c\t\n\u0001\u2028"),
        });
        yield return Of(new PatientEnrolled(Guid.NewGuid(), Guid.NewGuid(), null, "S1", "NPC-001", on, baseline));
        yield return Of(new PatientRandomized(on, "A", new Dictionary<string, string> { ["stage"] = "IVA", ["Site"] = "Zürich", ["ebv"] = "≥ 4000" }));
        yield return Of(new PatientRandomized(on, "A", null));
        yield return Of(new ImagingAssessed(on, 0.00001, NonTargetStatus.NonCRNonPD, false, TimepointResponse.SD));
        yield return Of(new ImagingAssessed(on, null, NonTargetStatus.None, true, TimepointResponse.PD));
        yield return Of(new TreatmentStarted(on, ["camrelizumab", "apatinib", "顺铂"], null));
        yield return Of(new PatientDied(on, null));
        yield return Of(new EntryCorrected(3, new ImagingAssessed(on, 123456.789, NonTargetStatus.CR, false, TimepointResponse.CR), "Mis-keyed — «réévaluée»"));
        yield return Of(new EntryCorrected(1, new PatientEnrolled(Guid.NewGuid(), Guid.NewGuid(), "B", "S2", "NPC-002", on, baseline), "Age"));
        yield return Of(new EntryVoided(4, "Pseudo-progression 🙂"));
    }

    private static (object, string) Of(object data) => (data, Serializer.ToJson(data));

    /// <summary>Each text stored as jsonb and read back as text, as verification reads it.</summary>
    private static async Task<string[]> ThroughJsonbAsync(IReadOnlyList<string> texts)
    {
        await using var connection = new NpgsqlConnection(await TestCluster.NewDatabaseAsync());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select t::jsonb::text from unnest($1::text[]) with ordinality as u(t, n) order by n", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = texts.ToArray() });
        var read = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) read.Add(reader.GetString(0));
        return [.. read];
    }

    /// <summary>A value written three ways: as the serializer escapes, with only what JSON requires escaped, and indented.</summary>
    private static IEnumerable<string> Texts(JsonNode? value)
    {
        yield return value?.ToJsonString() ?? "null";
        yield return value?.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null";
        yield return value?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "null";
    }

    private static Gen<JsonNode?> Values(int depth)
    {
        var numbers = Gen.OneOf(
            ArbMap.Default.GeneratorFor<double>().Where(double.IsFinite).Select(d => (JsonNode?)JsonValue.Create(d)),
            ArbMap.Default.GeneratorFor<long>().Select(l => (JsonNode?)JsonValue.Create(l)),
            ArbMap.Default.GeneratorFor<decimal>().Select(m => (JsonNode?)JsonValue.Create(m)),
            Gen.Elements(1E-05, 0.00001, 1e21, 123456789012345678.0, -0.0, 5e-324, double.MaxValue).Select(d => (JsonNode?)JsonValue.Create(d)));
        var strings = Gen.OneOf(
            ArbMap.Default.GeneratorFor<string>().Where(s => s is not null && !HasLoneSurrogate(s)),
            Gen.Elements("", "é", "鼻咽癌", "😷", "<&>'+", "\"\\/", "\u0000\u001f\u007f", "\u2028\u2029", "\ufeff", "a\tb"))
            .Select(s => (JsonNode?)JsonValue.Create(s));
        var leaves = Gen.OneOf(numbers, strings, Gen.Elements<bool?>(null, true, false).Select(b => b is { } flag ? (JsonNode?)JsonValue.Create(flag) : null));
        if (depth == 0) return leaves;
        var inner = Values(depth - 1);
        var keys = Gen.OneOf(strings.Select(s => s!.GetValue<string>()), Gen.Elements("a", "B", "b", "kind", "Z", "é", "aa", "_", "1"));
        var objects = Gen.Choose(0, 6).SelectMany(n => Gen.Zip(keys, inner).ListOf(n)).Select(members =>
        {
            var o = new JsonObject();
            foreach (var (key, v) in members) o[key] = v;
            return (JsonNode?)o;
        });
        var arrays = Gen.Choose(0, 5).SelectMany(n => inner.ListOf(n)).Select(items => (JsonNode?)new JsonArray([.. items]));
        return Gen.Frequency((3, leaves), (2, objects), (1, arrays));
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return true;
        }
        return false;
    }

    /// <summary>The canonical form as it was first written: the payload parsed into a document and rewritten with sorted keys.</summary>
    private static class Reference
    {
        public static string Hash(ChainedFields fields, string? previousHash) =>
            Convert.ToHexStringLower(SHA256.HashData(Canonical(fields, previousHash)));

        public static byte[] Canonical(ChainedFields f, string? previousHash)
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
                writer.WriteString("recordedAt", f.RecordedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
                writer.WriteString("recordedBy", f.RecordedBy);
                writer.WriteString("stream", f.StreamId.ToString("D"));
                writer.WriteString("type", f.Type);
                writer.WriteNumber("version", f.Version);
                writer.WriteEndObject();
            }
            return buffer.ToArray();
        }

        public static string CanonicalPayload(string json)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            using (var payload = JsonDocument.Parse(json))
                WriteCanonical(writer, payload.RootElement);
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

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
}
