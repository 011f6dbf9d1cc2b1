using Registry.Api.Infrastructure;
using Registry.Api.Studies;
using Registry.Api.Tests.Infrastructure;
using Registry.Audit;
using Registry.Domain.Studies;

namespace Registry.Api.Tests.Platform;

/// <summary>
/// What Marten throws when a write loses a race, pinned on a real store: if an upgrade changes it, these fail
/// before a lost race turns back into a 500.
/// </summary>
public sealed class WriteConflictsTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task The_second_of_two_appends_at_the_same_stream_version_is_a_concurrent_write()
    {
        var studyId = await app.RegisteredStudyAsync();
        await using var first = app.Store.LightweightSession();
        await using var second = app.Store.LightweightSession();
        await AmendAsync(first, studyId);
        await AmendAsync(second, studyId);

        await first.SaveChangesAsync();
        var lost = await Assert.ThrowsAnyAsync<Exception>(() => second.SaveChangesAsync());

        Assert.True(WriteConflicts.IsConcurrentWrite(lost), lost.GetType().FullName);
        Assert.False(WriteConflicts.IsClaimTaken(lost));
    }

    [Fact]
    public async Task The_second_of_two_claims_on_one_study_code_is_a_claim_taken()
    {
        var code = $"CLAIM-{Guid.NewGuid():N}"[..14];
        await using var first = app.Store.LightweightSession();
        await using var second = app.Store.LightweightSession();
        first.Insert(new StudyCodeClaim(code, Guid.NewGuid()));
        second.Insert(new StudyCodeClaim(code, Guid.NewGuid()));

        await first.SaveChangesAsync();
        var lost = await Assert.ThrowsAnyAsync<Exception>(() => second.SaveChangesAsync());

        Assert.True(WriteConflicts.IsClaimTaken(lost), lost.GetType().FullName);
        Assert.False(WriteConflicts.IsConcurrentWrite(lost));
    }

    /// <summary>Stages the same amendment the route would: the next protocol version, sealed onto the chain.</summary>
    private static async Task AmendAsync(Marten.IDocumentSession session, Guid studyId)
    {
        var stream = await session.Events.FetchForWriting<Study>(studyId);
        var study = stream.Aggregate!;
        stream.AppendOne(new ProtocolAmended(studyId, study.ProtocolVersion + 1, study.Protocol with { Title = "Retitled" }, "Retitled"));
        AuditChain.Seal(session, "admin-user", await AuditChain.HeadAsync(session, studyId, stream.StartingVersion ?? 0, default), stream.Events);
    }
}
