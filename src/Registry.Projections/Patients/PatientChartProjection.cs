using JasperFx.Events;
using Marten.Events.Aggregation;
using Registry.Audit;
using Registry.Domain.Patients;

namespace Registry.Projections.Patients;

/// <summary>Appends each patient event to the chart; enrolment details follow corrections of the enrolment.</summary>
public partial class PatientChartProjection : SingleStreamProjection<PatientChart, Guid>
{
    public PatientChartProjection() => Name = "PatientChart";

    public override PatientChart? Evolve(PatientChart? chart, Guid id, IEvent e)
    {
        var entry = e.Data switch
        {
            IPatientFact fact => new ChartEntry(e.Version, e.Timestamp, e.UserName, Fact: fact),
            EntryCorrected correction => new ChartEntry(e.Version, e.Timestamp, e.UserName, Correction: correction),
            EntryVoided voided => new ChartEntry(e.Version, e.Timestamp, e.UserName, Void: voided),
            _ => null
        };
        if (entry is null) return chart;
        chart ??= new PatientChart { Id = id };
        chart.Entries.Add(entry);
        chart.Version = e.Version;
        chart.Hash = e.GetHeader(AuditChain.HashHeader)?.ToString();

        // Only these change the status (a correction or void may change any entry); the rest need no refold.
        if (chart.Status is null || e.Data is PatientEnrolled or TreatmentStarted or DiseaseProgressed or DiseaseRelapsed or PatientDied or EntryCorrected or EntryVoided)
            chart.Status = chart.Timeline()?.Status.ToString();
        // Only the enrolment, a randomization, or their corrections and voids change these; no need to refold the chart on every append.
        if (e.Data is PatientRandomized or EntryCorrected { Replacement: PatientRandomized } or EntryVoided)
            chart.Arm = chart.Timeline()?.Arm;
        var enrolment = e.Data switch
        {
            PatientEnrolled enrolled => enrolled,
            EntryCorrected { Replacement: PatientEnrolled corrected } => corrected,
            _ => null
        };
        if (enrolment is not null)
        {
            chart.StudyId = enrolment.StudyId;
            chart.Arm = chart.Entries.Any(x => x.Fact is PatientRandomized) ? chart.Timeline()?.Arm : enrolment.Arm;
            chart.Site = enrolment.Site;
            chart.SubjectCode = enrolment.SubjectCode;
        }
        return chart;
    }
}
