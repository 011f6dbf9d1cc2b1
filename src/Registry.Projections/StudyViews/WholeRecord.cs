using Registry.Domain.Patients;
using Registry.Projections.Patients;

namespace Registry.Projections.StudyViews;

/// <summary>How an enrolled patient stands at a moment and data cut: not in the study then, as their whole record says, or only their chart can say.</summary>
public enum WholeRecordAt { Absent, Whole, FromChart }

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

    /// <summary>
    /// As <see cref="StudyViewLoader"/> reads a patient at <paramref name="asOf"/> and <paramref name="dataCut"/>: no
    /// entry recorded by the moment is no record then, and one enrolled after the cut was not in the study at it.
    /// </summary>
    public WholeRecordAt At(DateTimeOffset? asOf, DateOnly? dataCut) =>
        asOf is { } notYet && FirstRecorded > notYet.UtcTicks ? WholeRecordAt.Absent
        : asOf is { } during && LastRecorded > during.UtcTicks ? WholeRecordAt.FromChart
        : dataCut is { } cut && EnrolledOn > cut ? WholeRecordAt.Absent
        : dataCut is { } before && Latest > before ? WholeRecordAt.FromChart
        : WholeRecordAt.Whole;
}
