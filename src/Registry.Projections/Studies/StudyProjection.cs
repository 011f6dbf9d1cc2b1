using JasperFx.Events;
using Marten.Events.Aggregation;
using Registry.Domain.Studies;
using Registry.Projections.Legacy;

namespace Registry.Projections.Studies;

/// <summary>
/// Keeps each study's protocol and every earlier version of it as a document, in the same transaction as the
/// append, with the recorded-at time of each version so views as of a past moment use the protocol of that moment.
/// </summary>
public partial class StudyProjection : SingleStreamProjection<Study, Guid>
{
    public StudyProjection()
    {
        Name = "Study";
        // Evolve alone declares no event types, and Marten then looks for a study under every stream appended to (each
        // patient entry's too, one more query per write): only these change a study.
        IncludeType<StudyRegistered>();
        IncludeType<ProtocolAmended>();
        IncludeType<ArmAdded>();
    }

    public override Study? Evolve(Study? study, Guid id, IEvent e) => e.Data switch
    {
        StudyRegistered registered => Study.Create(registered, e.Timestamp, e.UserName),
        ProtocolAmended amended when study is not null => study.Apply(amended, e.Timestamp, e.UserName),
        // Arms added before protocols existed are read as amendments of the first schema's protocol.
        ArmAdded added when study is not null => study.Apply(
            new ProtocolAmended(id, study.ProtocolVersion + 1, LegacyStudies.WithArm(study.Protocol, added.Arm), "Arm added"), e.Timestamp, e.UserName),
        _ => study,
    };
}
