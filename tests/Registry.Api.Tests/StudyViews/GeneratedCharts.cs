using System.Text.Json;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Tests.Properties;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.StudyViews;

/// <summary>What the properties over generated histories share: the chart a history is kept as, and an outcome as the views read it.</summary>
internal static class GeneratedCharts
{
    /// <summary>
    /// The chart the inline projection keeps for the history, each entry recorded at the minute <paramref name="clock"/>
    /// gives it (cycled; ties and a clock set back included), else at the history's own recorded-at.
    /// </summary>
    public static PatientChart Chart(History history, int[]? clock = null) => new()
    {
        Id = history.Scenario.Enrolment.PatientId,
        Entries = history.Events.Select((e, i) => new ChartEntry(e.Version,
            clock is { Length: > 0 } ? e.RecordedAt.AddMinutes(clock[i % clock.Length] % 50) : e.RecordedAt,
            e.RecordedBy, e.Data as IPatientFact, e.Data as EntryCorrected, e.Data as EntryVoided)).ToList(),
    };

    /// <summary>
    /// The outcome as every view reads it, and where each time ends (which the analysis datasets read); the baseline is
    /// compared apart, since the generators give values no serializer writes (NaN, infinity).
    /// </summary>
    public static string Described(PatientOutcome outcome) =>
        JsonSerializer.Serialize(outcome with { Baseline = BaselineValues.Empty }) + string.Join(";", outcome.Times.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value.End}"));
}
