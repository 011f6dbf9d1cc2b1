using Registry.Domain.Protocols;

namespace Registry.Domain.Outcomes;

/// <summary>Time from the study's time origin, in days, to the event or to censoring.</summary>
public sealed record TimeToEvent(int Days, bool Event);

public enum BestOverallResponse { CR, PR, SD, PD, NE }

/// <summary>A patient's worst grade of one CTCAE term, and whether any occurrence was serious.</summary>
public sealed record AdverseEventSummary(string Term, int WorstGrade, bool Serious);

/// <summary>
/// One analysable row per patient. <see cref="Times"/> holds each time-to-event endpoint of the catalogue that
/// applies (DOR only for responders); a patient without a time origin or an arm is excluded, and
/// <see cref="ExcludedBecause"/> says why, so every view can report enrolled, analysed and excluded patients.
/// </summary>
public sealed record PatientOutcome(
    Guid PatientId,
    string? Arm,
    string Site,
    BaselineValues Baseline,
    DateOnly? OriginOn,
    string? ExcludedBecause,
    IReadOnlyDictionary<string, TimeToEvent> Times,
    BestOverallResponse BestOverallResponse,
    bool ConfirmedResponse,
    IReadOnlyList<AdverseEventSummary> AdverseEvents)
{
    public bool Analysable => ExcludedBecause is null;

    public TimeToEvent? Time(string endpoint) => Times.GetValueOrDefault(endpoint);
}
