using System.Text.Json.Serialization;
using Registry.Domain.Protocols;

namespace Registry.Domain.Outcomes;

/// <summary>Time from the study's time origin, in days, to the event or to censoring.</summary>
public sealed record TimeToEvent(int Days, bool Event)
{
    /// <summary>
    /// Where the time ends and why, for the analysis datasets. Not kept in the outcome rows (they stay small for the
    /// views), so null on a time read back from them; a time derived from the charts always has it.
    /// </summary>
    [JsonIgnore] public EndpointEnd? End { get; init; }

    /// <summary>The time <paramref name="end"/> makes: whole days from its start (never below 0), an event unless censored.</summary>
    public static TimeToEvent Ending(EndpointEnd end) => new(Math.Max(0, end.On.DayNumber - end.From.DayNumber), end.Event) { End = end };

    /// <summary>Two times are equal when every analysis reads them alike: the same days and event, wherever they were read from.</summary>
    public bool Equals(TimeToEvent? other) => other is not null && Days == other.Days && Event == other.Event;

    public override int GetHashCode() => HashCode.Combine(Days, Event);
}

public enum BestOverallResponse { CR, PR, SD, PD, NE }

/// <summary>A patient's worst grade of one CTCAE term, and whether any occurrence was serious.</summary>
public sealed record AdverseEventSummary(string Term, int WorstGrade, bool Serious);

/// <summary>
/// One analysable row per patient. <see cref="Times"/> holds each time-to-event endpoint of the catalogue that
/// applies (DOR only for responders); a patient without a time origin or an arm is excluded, and
/// <see cref="ExcludedBecause"/> says why, so every view can report enrolled, analysed and excluded patients.
/// <see cref="BestOverallResponseOn"/> is the date of the timepoint (or failure) that gave the best overall response.
/// <see cref="SubjectCode"/> orders the rows an analysis reads, so two stores holding the same patients under other
/// ids compute bit-identical figures (a sum's last digit follows the order it adds in).
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
    IReadOnlyList<AdverseEventSummary> AdverseEvents,
    DateOnly? BestOverallResponseOn = null,
    string SubjectCode = "")
{
    public bool Analysable => ExcludedBecause is null;

    public TimeToEvent? Time(string endpoint) => Times.GetValueOrDefault(endpoint);
}
