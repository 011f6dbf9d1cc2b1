using Registry.Domain.Patients;

namespace Registry.Domain.Outcomes;

/// <summary>Time from treatment start, in days, to the event or to censoring.</summary>
public sealed record TimeToEvent(int Days, bool Event);

public enum BestOverallResponse { CR, PR, SD, PD, NE }

/// <summary>A patient's worst grade of one CTCAE term, and whether any occurrence was serious.</summary>
public sealed record AdverseEventSummary(string Term, int WorstGrade, bool Serious);

/// <summary>
/// One analysable row per patient, as the study tables need it: PFS and OS (null when treatment never started,
/// since both are measured from treatment start), best overall response, and adverse events by term.
/// </summary>
public sealed record PatientOutcome(
    Guid PatientId,
    string Arm,
    string Site,
    BaselineCovariates Baseline,
    DateOnly? TreatmentStartedOn,
    TimeToEvent? ProgressionFreeSurvival,
    TimeToEvent? OverallSurvival,
    BestOverallResponse BestOverallResponse,
    IReadOnlyList<AdverseEventSummary> AdverseEvents);
