using Registry.Domain.Patients;
using Registry.Projections.Patients;

namespace Registry.Projections.StudyViews;

/// <summary>How an enrolled patient stands at a moment and data cut: not in the study then, as their whole record says, or only their chart can say.</summary>
public enum WholeRecordAt { Absent, Whole, FromChart }

/// <summary>
/// The moments over which a patient's record stays the one read at a moment, so its outcome at any data cut under the same
/// protocol: from the recorded-at of the last entry recorded by then (none: from the beginning) up to, not including,
/// that of the first entry recorded after it (none: for ever), in UTC ticks. Entries recorded out of order change nothing:
/// the record at a moment is the entries recorded by it, the same set for every moment between those two. The default
/// span holds no moment.
/// </summary>
public readonly record struct RecordSpan(long From, long Until)
{
    /// <summary>What "now" (no moment) is, and the end of a span no entry ends: after every entry.</summary>
    public const long Forever = long.MaxValue;

    /// <summary>Every moment: the span of a record before any of its entries is met (<see cref="With"/>).</summary>
    public static readonly RecordSpan Always = new(long.MinValue, Forever);

    /// <summary>This span narrowed by an entry recorded at <paramref name="recordedAt"/>, the record being read at <paramref name="asOf"/> (now when null).</summary>
    public RecordSpan With(DateTimeOffset recordedAt, DateTimeOffset? asOf) =>
        asOf is null || recordedAt <= asOf
            ? this with { From = Math.Max(From, recordedAt.UtcTicks) }
            : this with { Until = Math.Min(Until, recordedAt.UtcTicks) };

    /// <summary>Whether the record at <paramref name="moment"/> is the one this span was read at.</summary>
    public bool Holds(DateTimeOffset moment) => From <= moment.UtcTicks && moment.UtcTicks < Until;
}

/// <summary>
/// When a patient's entries were recorded (first and last, in UTC ticks), the latest clinical date of the record in
/// force (enrolment included) and the enrolment date: a moment after the last entry sees the whole record, and a data
/// cut on or after the latest date drops no fact and censors no follow-up, so the outcome there is the whole record's.
/// </summary>
public readonly record struct WholeRecord(long FirstRecorded, long LastRecorded, DateOnly Latest, DateOnly EnrolledOn)
{
    /// <summary>The dates of a chart read now (<paramref name="chart"/>'s span is every entry's), <paramref name="timeline"/> being its whole record.</summary>
    public static WholeRecord Of(ChartAsOf chart, PatientTimeline timeline) =>
        new(chart.FirstRecorded!.Value.UtcTicks, chart.LastRecorded!.Value.UtcTicks, LatestOf(timeline), timeline.Enrolment.EnrolledOn);

    /// <summary>The latest clinical date of the record in force, enrolment included: a data cut on or after it drops no fact and censors no follow-up.</summary>
    public static DateOnly LatestOf(PatientTimeline timeline)
    {
        var latest = timeline.Enrolment.EnrolledOn;
        foreach (var fact in timeline.EffectiveFacts)
            if (fact.ClinicalDate > latest) latest = fact.ClinicalDate;
        return latest;
    }

    /// <summary>The moments at which the record is the whole one: from its last entry on.</summary>
    public RecordSpan Whole => new(LastRecorded, RecordSpan.Forever);

    /// <summary>The moments at which there is no record yet: before its first entry.</summary>
    public RecordSpan None => new(long.MinValue, FirstRecorded);

    /// <summary>
    /// As <see cref="StudyViewLoader"/> reads a patient at <paramref name="asOf"/> and <paramref name="dataCut"/>: no
    /// entry recorded by the moment is no record then, and one enrolled after the cut was not in the study at it.
    /// </summary>
    public WholeRecordAt At(DateTimeOffset? asOf, DateOnly? dataCut) =>
        asOf is { } notYet && None.Holds(notYet) ? WholeRecordAt.Absent
        : asOf is { } during && !Whole.Holds(during) ? WholeRecordAt.FromChart
        : dataCut is { } cut && EnrolledOn > cut ? WholeRecordAt.Absent
        : dataCut is { } before && Latest > before ? WholeRecordAt.FromChart
        : WholeRecordAt.Whole;

    /// <summary>
    /// The span a set at <paramref name="asOf"/> keeps for a patient it took whole or left out by <see cref="At"/>: the
    /// record then is none (before the first entry) or the whole one (from the last).
    /// </summary>
    public RecordSpan SpanAt(DateTimeOffset? asOf) => asOf is { } notYet && None.Holds(notYet) ? None : Whole;
}
