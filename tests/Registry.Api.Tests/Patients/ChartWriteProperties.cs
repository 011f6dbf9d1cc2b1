using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FsCheck.Xunit;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Registry.Api.Infrastructure;
using Registry.Audit;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Tests.Properties;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.Patients;

/// <summary>
/// A write decides on the patient's chart (as stored, read back from its JSON) instead of folding the stream. That is
/// only sound if, for any stream the store may hold, the chart gives the same timeline, the same chain head and so the
/// same verdict on every entry as the stream does — after each event, not only at the end.
/// </summary>
[Properties(Arbitrary = [typeof(DomainArbitraries)], MaxTest = 200)]
public sealed class ChartWriteProperties
{
    private static readonly ISerializer Serializer = EventStoreConfiguration.Build("Host=localhost").Serializer();
    private static readonly PatientChartProjection Projection = new();

    [Property]
    public void The_chart_gives_the_timeline_and_chain_head_the_stream_gives_after_every_event(RawHistory raw) =>
        AgreeAfterEveryEvent(raw, (_, _) => { });

    [Property]
    public void Every_entry_is_decided_alike_on_the_chart_and_on_the_stream(RawHistory raw) =>
        AgreeAfterEveryEvent(raw, (fromChart, fromStream) =>
        {
            // Offer every fact of the history (and each correction and void) to the record as it stands now.
            foreach (var candidate in raw.Events.Skip(1))
            {
                var onChart = PatientDecisions.Decide(fromChart, [candidate.Data]);
                var onStream = PatientDecisions.Decide(fromStream, [candidate.Data]);
                Assert.Equal(onStream.Accepted, onChart.Accepted);
                Assert.Equal(onStream.Violations, onChart.Violations);
            }
        });

    /// <summary>Entries are read by hand (<see cref="ChartEntryJsonConverter"/>) and written by the serializer: every field of every kind must survive the trip.</summary>
    [Property]
    public void A_chart_read_back_writes_the_json_it_was_read_from(AcceptedHistory accepted, RawHistory raw)
    {
        foreach (var history in new History[] { accepted, raw })
        {
            var patientId = history.Scenario.Enrolment.PatientId;
            PatientChart? chart = null;
            foreach (var recorded in history.Events.Select(e => e with { Data = Storable(e.Data), RecordedBy = e.Version % 2 == 0 ? null : e.RecordedBy }))
                chart = Projection.Evolve(chart, patientId, Stored(patientId, recorded));
            var written = Serializer.ToJson(chart!);
            Assert.Equal(written, Serializer.ToJson(RoundTrip(chart!)));
        }
    }

    /// <summary>
    /// <see cref="ChartEntryJsonConverter"/> reads these by their fields' names. A field added to one of them, positional
    /// or init-only, must be read there too or it is lost on read; this fails first and names the field.
    /// </summary>
    [Theory]
    [InlineData(typeof(ChartEntry), null, new[] { "version", "recordedAt", "recordedBy", "fact", "correction", "void" })]
    [InlineData(typeof(ImagingAssessed), "imagingAssessed", new[] { "assessedOn", "targetLesionSumMm", "nonTargetStatus", "newLesions", "response" })]
    [InlineData(typeof(AdverseEventRecorded), "adverseEventRecorded", new[] { "term", "grade", "onsetOn", "serious", "attribution" })]
    [InlineData(typeof(DiseaseProgressed), "diseaseProgressed", new[] { "progressedOn", "basis", "site" })]
    [InlineData(typeof(DiseaseRelapsed), "relapsed", new[] { "relapsedOn", "type" })]
    [InlineData(typeof(PatientDied), "died", new[] { "diedOn", "cause" })]
    [InlineData(typeof(LastKnownAlive), "lastKnownAlive", new[] { "lastKnownAliveOn" })]
    [InlineData(typeof(WithdrewFromFollowUp), "withdrewFromFollowUp", new[] { "withdrewOn", "reason" })]
    public void The_kinds_read_by_hand_have_exactly_the_fields_the_converter_reads(Type kind, string? discriminator, string[] fields)
    {
        JsonSerializerOptions? stored = null;
        ((SystemTextJsonSerializer)Serializer).Configure(o => stored = o);
        // The fields as the serializer writes them: its own contract, without the converter that reads them.
        var options = new JsonSerializerOptions(stored!) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        options.Converters.Remove(options.Converters.OfType<ChartEntryJsonConverter>().Single());

        Assert.Equal(fields.Order(), options.GetTypeInfo(kind).Properties.Select(p => p.Name).Order());
        if (discriminator is not null)
            Assert.Equal(discriminator, options.GetTypeInfo(typeof(IPatientFact)).PolymorphismOptions!.DerivedTypes.Single(d => d.DerivedType == kind).TypeDiscriminator);
    }

    /// <summary>A chart longer than the serializer's buffer is read from the database in parts; every part but the last is partial JSON.</summary>
    [Fact]
    public async Task A_chart_longer_than_the_serializer_s_buffer_reads_back_from_a_stream()
    {
        var patientId = Guid.NewGuid();
        var chart = new PatientChart { Id = patientId, Version = 400, Hash = HashOf(400) };
        var on = new DateOnly(2020, 1, 1);
        // Kinds the serializer reads itself (enrolment, randomization, treatment start, correction, void) throughout, not only in the first part.
        IPatientFact Fact(int version) => (version % 50) switch
        {
            0 => new PatientRandomized(on.AddDays(version), "A", new Dictionary<string, string> { ["stage"] = "III" }),
            1 => new TreatmentStarted(on.AddDays(version), ["cisplatin"], 1),
            2 => new AdverseEventRecorded("Nausea", 2, on.AddDays(version), false, Attribution.Possible),
            _ => version % 2 == 0 ? new LastKnownAlive(on.AddDays(version)) : new ImagingAssessed(on.AddDays(version), 41.5, NonTargetStatus.NonCRNonPD, false, TimepointResponse.SD),
        };
        chart.Entries.Add(new ChartEntry(1, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), "coordinator",
            new PatientEnrolled(patientId, Guid.NewGuid(), null, "Site 1", "S-1", on, new BaselineValues([new("age", BaselineValue.Of(61))]))));
        for (var version = 2; version <= 400; version++)
            chart.Entries.Add(new ChartEntry(version, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(version), "coordinator", (version % 97) switch
            {
                0 => null,
                _ => Fact(version),
            }, version % 97 == 0 && version % 2 == 0 ? new EntryCorrected(version - 1, Fact(version - 1), "typo") : null,
                version % 97 == 0 && version % 2 == 1 ? new EntryVoided(version - 2, "duplicate") : null));
        var written = Serializer.ToJson(chart);
        Assert.True(written.Length > 32 * 1024, $"{written.Length} characters");

        await using var json = new MemoryStream(Encoding.UTF8.GetBytes(written));
        Assert.Equal(written, Serializer.ToJson(await Serializer.FromJsonAsync<PatientChart>(json)));
    }

    private static void AgreeAfterEveryEvent(History history, Action<PatientTimeline, PatientTimeline> alsoCheck)
    {
        var patientId = history.Scenario.Enrolment.PatientId;
        var events = history.Events.Select(e => e with { Data = Storable(e.Data) }).ToList();
        PatientChart? chart = null;
        for (var i = 0; i < events.Count; i++)
        {
            var recorded = events[i];
            chart = Projection.Evolve(chart, patientId, Stored(patientId, recorded));
            var stored = RoundTrip(chart!);
            var fromStream = PatientTimeline.From(patientId, events.Take(i + 1))!;
            var fromChart = stored.Timeline()!;

            Assert.Equal(fromStream.Version, fromChart.Version);
            Assert.Equal(Serializer.ToJson(fromStream.Entries), Serializer.ToJson(fromChart.Entries));
            Assert.Equal(new ChainLink(recorded.Version, HashOf(recorded.Version)), new ChainLink(stored.Version, stored.Hash));
            alsoCheck(fromChart, fromStream);
        }
    }

    /// <summary>The event as the store hands it to the inline projection: version, time, user and its chained hash.</summary>
    internal static IEvent Stored(Guid patientId, RecordedEvent recorded)
    {
        var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(recorded.Data.GetType()), recorded.Data)!;
        e.StreamId = patientId;
        e.Version = recorded.Version;
        e.Timestamp = recorded.RecordedAt;
        e.UserName = recorded.RecordedBy;
        e.SetHeader(AuditChain.HashHeader, HashOf(recorded.Version));
        return e;
    }

    /// <summary>The generators may give values no request can carry and no serializer writes (null, NaN, infinity); the store holds none.</summary>
    internal static object Storable(object data) => data switch
    {
        PatientEnrolled e => e with { Baseline = new BaselineValues(e.Baseline.Where(v => v.Value is not null && double.IsFinite(v.Value.Number ?? 0))) },
        ImagingAssessed { TargetLesionSumMm: { } sum } i when !double.IsFinite(sum) => i with { TargetLesionSumMm = null },
        EntryCorrected c => c with { Replacement = (IPatientFact)Storable(c.Replacement) },
        _ => data,
    };

    private static string HashOf(long version) => $"hash-of-{version}";

    private static PatientChart RoundTrip(PatientChart chart)
    {
        using var json = new MemoryStream(Encoding.UTF8.GetBytes(Serializer.ToJson(chart)));
        return Serializer.FromJson<PatientChart>(json);
    }
}
