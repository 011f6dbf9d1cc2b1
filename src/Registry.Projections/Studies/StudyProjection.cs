using Marten.Events.Aggregation;
using Registry.Domain.Studies;

namespace Registry.Projections.Studies;

/// <summary>Keeps each study's current shape (arms, response rules) as a document, updated in the same transaction.</summary>
public partial class StudyProjection : SingleStreamProjection<Study, Guid>
{
    public StudyProjection() => Name = "Study";

    public static Study Create(StudyRegistered registered) => Study.Create(registered);

    public static Study Apply(ArmAdded added, Study study) => study.Apply(added);
}
