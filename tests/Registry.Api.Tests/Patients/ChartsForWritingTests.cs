using System.Security.Claims;
using Alba;
using Marten;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Patients;

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

        // Another node: its own store, so its own kept charts, on the same database.
        using (var other = new DocumentStore(EventStoreConfiguration.Build(app.ConnectionString)))
        await using (var session = other.LightweightSession())
        {
            var coordinator = new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(RegistryClaims.Subject, "other-node-coordinator"), new Claim(RegistryClaims.Role, Roles.Coordinator), new Claim(RegistryClaims.Site, "S1")], "test"));
            var died = await PatientStream.RecordAsync(session, coordinator, patientId, 2, _ => [new PatientDied(new DateOnly(2020, 4, 1), "Disease")],
                CancellationToken.None);
            Assert.Equal(new WriteOutcome.Appended(patientId, 3, 3), died);
        }

        var refused = await FollowUpAsync(patientId, "2020-05-01", 409);
        Assert.Contains("after the patient's death on 2020-04-01", (await refused.ProblemAsync()).GetRawText());
        await FollowUpAsync(patientId, "2020-03-15", 201);
        var versions = (await app.HistoryAsync(patientId)).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("version").GetInt64());
        Assert.Equal([1L, 2L, 3L, 4L], versions);
    }

    private Task<IScenarioResult> FollowUpAsync(Guid patientId, string on, int status) => app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Coordinator);
        s.Post.Json(new { lastKnownAliveOn = on }).ToUrl($"/api/patients/{patientId}/follow-ups");
        s.StatusCodeShouldBe(status);
    });
}
