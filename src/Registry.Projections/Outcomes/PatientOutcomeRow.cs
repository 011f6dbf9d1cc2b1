using Registry.Domain.Outcomes;

namespace Registry.Projections.Outcomes;

/// <summary>The compact row the study's survival, response and safety queries scan: one per patient, kept asynchronously.</summary>
public sealed class PatientOutcomeRow
{
    public Guid Id { get; set; }
    public Guid StudyId { get; set; }
    public long Version { get; set; }
    public PatientOutcome Outcome { get; set; } = null!;
}
