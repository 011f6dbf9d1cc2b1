using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using static Registry.Domain.Tests.Support.Fixtures;

namespace Registry.Domain.Tests.Studies;

/// <summary>A study keeps every protocol revision, so a view as of a past moment uses the protocol in force then.</summary>
public sealed class StudyTests
{
    private static readonly DateTimeOffset Registered = new(2021, 1, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Amended = Registered.AddDays(30);

    private static Study GivenAmendedOnce()
    {
        var v1 = Randomized();
        var v2 = v1 with { Arms = [.. v1.Arms, new ProtocolArm("C", "GP alone")] };
        return Study.Create(new StudyRegistered(StudyId, v1), Registered, "admin")
            .Apply(new ProtocolAmended(StudyId, 2, v2, "third arm opened"), Amended, "admin");
    }

    [Fact]
    public void The_protocol_in_force_is_the_latest_revision()
    {
        var study = GivenAmendedOnce();
        Assert.Equal(2, study.ProtocolVersion);
        Assert.True(study.HasArm("C"));
        Assert.Equal(("NPC-RCT", "third arm opened"), (study.Code, study.Revisions[^1].Reason));
    }

    [Fact]
    public void As_of_a_moment_between_revisions_the_earlier_protocol_is_in_force()
    {
        var study = GivenAmendedOnce().AsOf(Amended.AddTicks(-1))!;
        Assert.Equal(1, study.ProtocolVersion);
        Assert.False(study.HasArm("C"));
        Assert.Equal(1, GivenAmendedOnce().RevisionAsOf(Amended.AddTicks(-1))!.Version);
    }

    [Fact]
    public void A_revision_is_in_force_from_the_moment_it_was_recorded()
    {
        Assert.Equal(2, GivenAmendedOnce().AsOf(Amended)!.ProtocolVersion);
        Assert.Equal(2, GivenAmendedOnce().AsOf(null)!.ProtocolVersion);
    }

    [Fact]
    public void Before_registration_there_is_no_study()
    {
        Assert.Null(GivenAmendedOnce().AsOf(Registered.AddTicks(-1)));
        Assert.Null(GivenAmendedOnce().RevisionAsOf(Registered.AddTicks(-1)));
    }
}
