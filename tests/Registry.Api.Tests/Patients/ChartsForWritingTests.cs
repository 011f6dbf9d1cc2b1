using System.Security.Claims;
using Alba;
using Marten;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Api.Studies;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Patients;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.Patients;

/// <summary>A chart kept in memory for a patient's next write is used only while the stream is where this node left it.</summary>
public sealed class ChartsForWritingTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task An_entry_recorded_on_another_node_is_in_the_record_the_next_write_here_is_judged_on()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        await FollowUpAsync(patientId, "2020-03-01", 201);

        Assert.Equal(new WriteOutcome.Appended(patientId, 3, 3), await RecordOnAnotherNodeAsync(patientId, new PatientDied(new DateOnly(2020, 4, 1), "Disease")));

        var refused = await FollowUpAsync(patientId, "2020-05-01", 409);
        Assert.Contains("after the patient's death on 2020-04-01", (await refused.ProblemAsync()).GetRawText());
        await FollowUpAsync(patientId, "2020-03-15", 201);
        var versions = (await app.HistoryAsync(patientId)).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("version").GetInt64());
        Assert.Equal([1L, 2L, 3L, 4L], versions);
    }

    [Fact]
    public async Task A_patient_written_here_has_its_chart_kept_under_the_key_the_next_write_takes_it_by()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        await FollowUpAsync(patientId, "2020-03-01", 201);
        await FollowUpAsync(patientId, "2020-04-01", 201);

        await using var session = app.Store.LightweightSession();
        var kept = ChartsForWriting.Of(session);
        Assert.NotNull(kept);
        Assert.True(kept.TryTake(ChartsForWriting.KeyFor(session, patientId), out var chart, out var version));
        Assert.Equal((3L, 3L), (version, ((PatientChart)chart).Version));
    }

    [Fact]
    public async Task An_entry_accepted_on_a_chart_kept_before_another_node_wrote_is_recorded_after_that_node_s_entry_and_sealed_after_it()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        await FollowUpAsync(patientId, "2020-03-01", 201);

        Assert.Equal(new WriteOutcome.Appended(patientId, 3, 3), await RecordOnAnotherNodeAsync(patientId, new LastKnownAlive(new DateOnly(2020, 4, 1))));

        // Judged first on the chart kept here at version 2; the save's version check refuses it, and it is judged again on version 3.
        var recorded = await (await FollowUpAsync(patientId, "2020-05-01", 201)).JsonAsync();
        Assert.Equal(4, recorded.GetProperty("version").GetInt64());
        var history = (await app.HistoryAsync(patientId)).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal([1L, 2L, 3L, 4L], history.Select(e => e.GetProperty("version").GetInt64()));
        var verified = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/audit/verify?studyId={studyId}");
        })).JsonAsync();
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.GetRawText());
    }

    [Fact]
    public async Task An_entry_judged_on_a_study_amended_on_another_node_since_records_nothing_from_that_judgement_and_is_stamped_with_the_amendment()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        await FollowUpAsync(patientId, "2020-03-01", 201);

        using (var other = new DocumentStore(EventStoreConfiguration.Build(app.ConnectionString)))
        await using (var session = other.LightweightSession())
        {
            var amended = await AmendingProtocolEndpoint.AmendAsync(studyId, _ => null, protocol => protocol, "Amended on another node", 1, session,
                OtherNodeAdmin, CancellationToken.None);
            Assert.Equal(new ProtocolOutcome.Recorded(studyId, 2), amended);
        }

        // Judged first on the chart and the study kept here (protocol version 1): the study's check fails the save after
        // its append was sent, so that append is not recorded; judged again, the entry is the next version, under version 2.
        var recorded = await (await FollowUpAsync(patientId, "2020-04-01", 201)).JsonAsync();
        Assert.Equal(3, recorded.GetProperty("version").GetInt64());
        var history = (await app.HistoryAsync(patientId)).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal([(1L, 1), (2L, 1), (3L, 2)], history.Select(e => (e.GetProperty("version").GetInt64(), e.GetProperty("protocolVersion").GetInt32())));
        var verified = await (await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Auditor);
            s.Get.Url($"/api/audit/verify?studyId={studyId}");
        })).JsonAsync();
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.GetRawText());
    }

    /// <summary>Records one entry after version 2 through another node: its own store, so its own kept charts, on the same database.</summary>
    private async Task<WriteOutcome> RecordOnAnotherNodeAsync(Guid patientId, IPatientFact entry)
    {
        using var other = new DocumentStore(EventStoreConfiguration.Build(app.ConnectionString));
        await using var session = other.LightweightSession();
        return await PatientStream.RecordAsync(session, OtherNodeCoordinator, patientId, 2, _ => [entry], CancellationToken.None);
    }

    private static ClaimsPrincipal OtherNodeCoordinator => new(new ClaimsIdentity(
        [new Claim(RegistryClaims.Subject, "other-node-coordinator"), new Claim(RegistryClaims.Role, Roles.Coordinator), new Claim(RegistryClaims.Site, "S1")], "test"));

    private static ClaimsPrincipal OtherNodeAdmin => new(new ClaimsIdentity(
        [new Claim(RegistryClaims.Subject, "other-node-admin"), new Claim(RegistryClaims.Role, Roles.Admin)], "test"));

    private Task<IScenarioResult> FollowUpAsync(Guid patientId, string on, int status) => app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Coordinator);
        s.Post.Json(new { lastKnownAliveOn = on }).ToUrl($"/api/patients/{patientId}/follow-ups");
        s.StatusCodeShouldBe(status);
    });
}
