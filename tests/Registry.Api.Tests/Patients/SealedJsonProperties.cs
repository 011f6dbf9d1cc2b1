using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using JasperFx.Events;
using Marten;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Audit;
using Registry.Domain.Patients;
using Registry.Domain.Tests.Properties;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.Patients;

/// <summary>
/// The bulk path writes a chart's entries of newly sealed events from their payloads and their headers by hand
/// (<see cref="SealedJson"/>); the rows must be the bytes the store's serializer writes, for any history, any split
/// between what was stored before and what is sealed now, any user (or none) and any reason.
/// </summary>
[Properties(Arbitrary = [typeof(DomainArbitraries)], MaxTest = 200)]
public sealed class SealedJsonProperties
{
    private static readonly ISerializer Serializer = EventStoreConfiguration.Build("Host=localhost").Serializer();
    private static readonly PatientChartProjection Projection = new();

    [Property]
    public void A_chart_made_from_its_new_events_payloads_is_the_json_the_serializer_writes(AcceptedHistory accepted, RawHistory raw, NonNegativeInt split, bool named,
        NonNegativeInt earlier)
    {
        foreach (var history in new History[] { accepted, raw })
        {
            var patientId = history.Scenario.Enrolment.PatientId;
            var events = history.Events.Select(e => ChartWriteProperties.Stored(patientId, e with { Data = ChartWriteProperties.Storable(e.Data), RecordedBy = named ? e.RecordedBy : null })).ToList();
            var before = split.Get % events.Count;
            PatientChart? chart = null;
            foreach (var e in events) chart = Projection.Evolve(chart, patientId, e);

            var sealedNow = events.Skip(before).ToList();
            var rows = new ArrayBufferWriter<byte>(256);
            // Other patients' rows before these, as a sealing worker's buffer holds them (RowBuffers).
            rows.Write(Enumerable.Repeat((byte)'{', earlier.Get % 4096).ToArray());
            var payloadsStart = rows.WrittenCount;
            var ends = new int[sealedNow.Count];
            for (var i = 0; i < sealedNow.Count; i++)
            {
                Serializer.WriteTo(rows, sealedNow[i].Data);
                ends[i] = rows.WrittenCount;
            }
            var chartStart = rows.WrittenCount;
            SealedJson.WriteChart(rows, Serializer, chart!, sealedNow, ends, payloadsStart);

            var bySerializer = new ArrayBufferWriter<byte>(256);
            Serializer.WriteTo(bySerializer, chart!);
            Assert.Equal(Encoding.UTF8.GetString(bySerializer.WrittenSpan), Encoding.UTF8.GetString(rows.WrittenSpan[chartStart..]));
        }
    }

    [Property]
    public void Headers_written_by_hand_are_the_json_the_serializer_writes(int protocolVersion, string? reason, NonEmptyString hash, bool withReason)
    {
        var headers = new Dictionary<string, object> { [PatientStream.ProtocolVersionHeader] = protocolVersion };
        if (withReason && reason is not null) headers[AuditChain.ReasonHeader] = reason;
        headers[AuditChain.HashHeader] = hash.Get;
        var rows = new ArrayBufferWriter<byte>(64);
        SealedJson.WriteHeaders(rows, Serializer, headers);

        var bySerializer = new ArrayBufferWriter<byte>(64);
        Serializer.WriteTo(bySerializer, headers);
        Assert.Equal(Encoding.UTF8.GetString(bySerializer.WrittenSpan), Encoding.UTF8.GetString(rows.WrittenSpan));
    }

    [Fact]
    public void A_header_of_another_type_is_written_by_the_serializer()
    {
        var headers = new Dictionary<string, object> { ["at"] = new DateOnly(2026, 12, 5), [AuditChain.HashHeader] = "ab" };
        var rows = new ArrayBufferWriter<byte>(64);
        SealedJson.WriteHeaders(rows, Serializer, headers);

        Assert.Equal("""{"at":"2026-12-05","hash":"ab"}""", Encoding.UTF8.GetString(rows.WrittenSpan));
    }
}
