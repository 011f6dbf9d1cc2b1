using Marten;
using Npgsql;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Api.Studies;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Patients;

namespace Registry.Api.Tests.Patients;

/// <summary>A save that commits in the batch carrying its statements records all of them or, when one fails, none.</summary>
public sealed class OneRoundTripSaveTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task A_save_is_sent_as_one_batch_that_commits_it()
    {
        var claim = new StudyCodeClaim($"ONE-TRIP-{Guid.NewGuid():N}", Guid.NewGuid());
        await using var save = await OneRoundTripSave.StartAsync(app.Store, CancellationToken.None);
        var sent = new StatementsSent();
        save.Session.Logger = sent;
        save.Session.Store(claim);

        await save.Session.SaveChangesAsync();

        Assert.Equal("commit", Assert.Single(sent.Sends)[^1]);
        // Read on another connection while this save still holds its own: the batch itself committed.
        await using var reading = app.Store.QuerySession();
        Assert.Equal(claim, await reading.LoadAsync<StudyCodeClaim>(claim.Id));
    }

    [Fact]
    public async Task The_registry_s_saves_take_connections_that_are_not_reset_when_returned()
    {
        await using var save = await OneRoundTripSave.StartAsync(app.Store, CancellationToken.None);

        Assert.True(new NpgsqlConnectionStringBuilder(save.Session.Connection!.ConnectionString).NoResetOnClose);
        await using var other = app.Store.QuerySession();
        Assert.False(new NpgsqlConnectionStringBuilder(other.Connection!.ConnectionString).NoResetOnClose);
    }

    [Fact]
    public async Task A_save_whose_append_is_refused_records_nothing_it_held()
    {
        var (_, patientId, claim) = await EnrolledWithClaimAsync("REFUSED");

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => SaveAsync(session =>
        {
            session.Store(claim);
            // The stream is at version 1: an append as if it were at 2 is refused by the database.
            session.Events.Append(patientId, 4, new LastKnownAlive(new DateOnly(2020, 3, 1)), new LastKnownAlive(new DateOnly(2020, 4, 1)));
        }));

        Assert.True(WriteConflicts.IsConcurrentWrite(refused), refused.ToString());
        await AssertNothingRecordedAsync(claim, patientId);
    }

    [Fact]
    public async Task A_save_whose_study_moved_on_records_nothing_though_its_append_was_sent_first()
    {
        var (studyId, patientId, claim) = await EnrolledWithClaimAsync("AMENDED");

        var refused = await Assert.ThrowsAsync<StudyAmendedMeanwhile>(() => SaveAsync(session =>
        {
            session.Events.Append(patientId, 2, new LastKnownAlive(new DateOnly(2020, 3, 1)));
            session.Store(claim);
            // The study's stream is at version 1: judged as if at version 2.
            session.QueueOperation(StudiesInForce.StillAt(session, studyId, 2));
        }));

        Assert.Equal((studyId, 2L), (refused.StudyId, refused.JudgedAt));
        await AssertNothingRecordedAsync(claim, patientId);
    }

    /// <summary>A patient enrolled in a new study (its stream at version 1) and a claim no save has stored yet.</summary>
    private async Task<(Guid StudyId, Guid PatientId, StudyCodeClaim Claim)> EnrolledWithClaimAsync(string code)
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId);
        return (studyId, patientId, new StudyCodeClaim($"{code}-{Guid.NewGuid():N}", studyId));
    }

    private async Task SaveAsync(Action<IDocumentSession> queue)
    {
        await using var save = await OneRoundTripSave.StartAsync(app.Store, CancellationToken.None);
        queue(save.Session);
        await save.Session.SaveChangesAsync();
    }

    private async Task AssertNothingRecordedAsync(StudyCodeClaim claim, Guid patientId)
    {
        await using var reading = app.Store.QuerySession();
        Assert.Null(await reading.LoadAsync<StudyCodeClaim>(claim.Id));
        Assert.Equal(1, (await reading.Events.FetchStreamStateAsync(patientId))!.Version);
    }
}
