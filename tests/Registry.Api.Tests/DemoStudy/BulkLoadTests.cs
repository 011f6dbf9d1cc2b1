using System.Globalization;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.Auth;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Api.Studies;
using Registry.Api.Tests.Infrastructure;
using Registry.Audit;
using Registry.Demo;
using Registry.Domain.Patients;
using Registry.Projections.Outcomes;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.DemoStudy;

/// <summary>
/// The demo loader decides every patient in memory and writes the streams in bulk. What it leaves must be exactly
/// what the same entries sent one by one through the write path leave: the same events (kind, version, payload,
/// recorded-at, user, protocol version), the same charts and the same outcome rows, every chain intact; and a
/// bulk-loaded patient takes further entries like any other.
/// </summary>
public sealed class BulkLoadTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const int Patients = 30;

    [Fact]
    public async Task A_study_loaded_in_bulk_holds_what_the_same_entries_recorded_one_by_one_hold()
    {
        var simulated = DemoStudies.Find("NPC-RM-2L")!.Generate(null, 1);
        simulated = simulated with { Entries = simulated.Entries.Where(e => e.Patient < Patients).ToList(), Patients = Patients };
        var bulkId = await DemoStudyApp.SeedAsync(app, simulated with { Protocol = simulated.Protocol with { Code = "BULK-LOADED" } });
        var oneByOneId = await EnterOneByOneAsync(simulated with { Protocol = simulated.Protocol with { Code = "ONE-BY-ONE" } });
        await DemoStudyApp.OutcomeRowsCaughtUpAsync(app, bulkId, Patients);
        await DemoStudyApp.OutcomeRowsCaughtUpAsync(app, oneByOneId, Patients);

        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var bulk = await RecordOfAsync(session, bulkId);
        var oneByOne = await RecordOfAsync(session, oneByOneId);
        Assert.Equal(Patients, bulk.Count);
        Assert.Equal(oneByOne.Keys.Order(), bulk.Keys.Order());
        foreach (var (subject, record) in oneByOne) Assert.Equal(record, bulk[subject]);

        var bulkChains = await ChainVerification.VerifyAsync(store, bulkId, CancellationToken.None);
        var oneByOneChains = await ChainVerification.VerifyAsync(store, oneByOneId, CancellationToken.None);
        Assert.True(bulkChains.Intact, string.Join("; ", bulkChains.Breaks));
        Assert.Equal((oneByOneChains.Streams, oneByOneChains.Events), (bulkChains.Streams, bulkChains.Events));
    }

    [Fact]
    public async Task A_patient_loaded_in_bulk_takes_further_entries_and_stays_sealed()
    {
        var simulated = DemoStudies.Find("NPC-RM-2L")!.Generate(null, 1);
        simulated = simulated with { Entries = simulated.Entries.Where(e => e.Patient < 5).ToList(), Patients = 5, Protocol = simulated.Protocol with { Code = "BULK-THEN-WRITE" } };
        var studyId = await DemoStudyApp.SeedAsync(app, simulated);
        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        PatientChart chart;
        await using (var session = store.QuerySession())
            chart = (await session.Query<PatientChart>().Where(c => c.StudyId == studyId).ToListAsync()).First(c => c.Status != nameof(PatientStatus.Dead));

        var token = app.Tokens.Mint("bulk-test-coordinator", [Roles.Coordinator], [chart.Site], TimeSpan.FromHours(1));
        var lastContact = chart.Timeline()!.LastContactOn.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await app.Host.Scenario(s =>
        {
            s.Post.Json(new { lastKnownAliveOn = lastContact, expectedVersion = chart.Version }).ToUrl($"/api/patients/{chart.Id}/follow-ups");
            s.WithRequestHeader("Authorization", $"Bearer {token}");
            s.StatusCodeShouldBe(201);
        });
        await using (var session = store.QuerySession())
        {
            var after = await session.LoadAsync<PatientChart>(chart.Id);
            Assert.Equal(chart.Version + 1, after!.Version);
            Assert.IsType<LastKnownAlive>(after.Entries[^1].Fact);
        }
        var report = await ChainVerification.VerifyAsync(store, studyId, CancellationToken.None);
        Assert.True(report.Intact, string.Join("; ", report.Breaks));
    }

    [Fact]
    public async Task Streams_written_in_bulk_are_kept_all_or_none_when_a_subject_code_is_already_claimed()
    {
        var studyId = await app.RegisteredStudyAsync();
        var taken = await app.EnrolledPatientAsync(studyId, subjectCode: "TAKEN-1");
        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        PatientEnrolled enrolment;
        await using (var session = store.QuerySession())
            enrolment = (await session.LoadAsync<PatientChart>(taken))!.Timeline()!.Enrolment;
        var fresh = enrolment with { PatientId = Guid.CreateVersion7(), SubjectCode = "FRESH-1" };
        var clash = enrolment with { PatientId = Guid.CreateVersion7() };
        var streams = NewPatientStreams.SealAll(store, [new(fresh, [new([fresh], "bulk-test")], 1), new(clash, [new([clash], "bulk-test")], 1)]);

        await using (var connection = store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => NewPatientStreams.WriteAsync(store, connection, streams, default));
            Assert.True(NewPatientStreams.IsRaceLost(refused), refused.ToString());
        }
        await using (var session = store.QuerySession())
        {
            Assert.Null(await session.LoadAsync<PatientChart>(fresh.PatientId));
            Assert.Null(await session.Events.FetchStreamStateAsync(fresh.PatientId));
            Assert.Equal(taken, (await session.LoadAsync<SubjectCodeClaim>(SubjectCodeClaim.Key(studyId, "TAKEN-1")))!.PatientId);
        }
    }

    [Fact]
    public async Task Entries_copied_after_a_stream_that_moved_on_since_they_were_judged_are_refused_and_nothing_is_kept()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        IReadOnlyList<JasperFx.Events.IEvent> stored;
        await using (var session = store.QuerySession())
            stored = await session.Events.FetchStreamAsync(patientId);
        var judged = NewPatientStreams.SealAll(store, [patientId], (scratch, id) =>
            NewPatientStreams.SealAppend(scratch, id, stored, [new LastKnownAlive(new DateOnly(2020, 3, 1))], "bulk-test", 1, "imported"));

        // A coordinator records an entry after the import judged its own, before the import writes.
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Token("coordinator", "S1"));
            s.Post.Json(new { lastKnownAliveOn = "2020-02-01" }).ToUrl($"/api/patients/{patientId}/follow-ups");
            s.StatusCodeShouldBe(201);
        });
        await using (var connection = store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => NewPatientStreams.WriteAsync(store, connection, judged, default));
            Assert.True(NewPatientStreams.IsRaceLost(refused), refused.ToString());
        }
        await using (var session = store.QuerySession())
        {
            var events = await session.Events.FetchStreamAsync(patientId);
            Assert.Equal(2, events.Count);
            Assert.Equal(new DateOnly(2020, 2, 1), Assert.IsType<LastKnownAlive>(events[^1].Data).LastKnownAliveOn);
            Assert.Equal(2, (await session.LoadAsync<PatientChart>(patientId))!.Version);
        }
    }

    /// <summary>Each patient's stream, chart and outcome row by subject code, with the patient's and study's ids taken out.</summary>
    private static async Task<Dictionary<string, string>> RecordOfAsync(IQuerySession session, Guid studyId)
    {
        var serializer = ((StoreOptions)session.DocumentStore.Options).Serializer();
        var charts = await session.Query<PatientChart>().Where(c => c.StudyId == studyId).ToListAsync();
        var rows = (await session.Query<PatientOutcomeRow>().Where(r => r.StudyId == studyId).ToListAsync()).ToDictionary(r => r.Id);
        var records = new Dictionary<string, string>();
        foreach (var chart in charts)
        {
            var events = await session.Events.FetchStreamAsync(chart.Id);
            var stream = string.Join("\n", events.Select(e =>
                $"{e.Version} {e.EventTypeName} {AuditChain.Timestamp(e.Timestamp)} {e.UserName} v{e.GetHeader(PatientStream.ProtocolVersionHeader)} {serializer.ToJson(e.Data)}"));
            var record = $"{stream}\n{serializer.ToJson(chart.Entries)}\n{chart.Status} {chart.Arm} {chart.Site} {chart.Version}\n{serializer.ToJson(rows[chart.Id])}";
            records[chart.SubjectCode] = Regex.Replace(record.Replace(chart.Id.ToString(), "PATIENT").Replace(studyId.ToString(), "STUDY"), "\"(recordedAt|projectedAt)\":\"[^\"]*\"", "");
        }
        return records;
    }

    /// <summary>The same entries as a coordinator sends them, one request at a time through the write path, each at its simulated instant.</summary>
    private async Task<Guid> EnterOneByOneAsync(SimulatedStudy study)
    {
        var clock = new SimulatedClock();
        using var store = new DocumentStore(EventStoreConfiguration.Build(app.ConnectionString, clock, asyncProjections: false));
        clock.Set(study.Entries[0].RecordedAt.AddDays(-1));
        Guid studyId;
        await using (var session = store.LightweightSession())
            studyId = ((ProtocolOutcome.Recorded)await RegisteringStudyEndpoint.RegisterAsync(study.Protocol, session, Caller("demo-admin", Roles.Admin, []), default)).StudyId;
        var patientIds = new Dictionary<int, Guid>();
        foreach (var entry in study.Entries)
        {
            clock.Set(entry.RecordedAt);
            var user = Caller($"demo-coordinator-{entry.Site}", Roles.Coordinator, [entry.Site]);
            await using var session = store.LightweightSession();
            var outcome = entry.Fact switch
            {
                SimulatedCorrection c => await CorrectingEntryEndpoint.CorrectAsync(session, user, patientIds[entry.Patient], new CorrectEntry(c.EntryNumber, DemoStudyLoader.Request(c.Replacement), c.Reason), default),
                PatientEnrolled e => await EnrollingEndpoint.EnrolAsync(session, user, studyId, new EnrolPatient(e.SubjectCode, e.Arm, e.Site, Iso(e.EnrolledOn), e.Baseline), default),
                var fact => await PatientStream.RecordEntryAsync(session, user, patientIds[entry.Patient], DemoStudyLoader.Request((IPatientFact)fact), null, default),
            };
            patientIds[entry.Patient] = Assert.IsType<WriteOutcome.Appended>(outcome).PatientId;
        }
        return studyId;
    }

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static ClaimsPrincipal Caller(string user, string role, string[] sites) => new(new ClaimsIdentity(
        [new Claim(RegistryClaims.Subject, user), new Claim(RegistryClaims.Role, role), .. sites.Select(s => new Claim(RegistryClaims.Site, s))],
        "demo", RegistryClaims.Subject, RegistryClaims.Role));
}
