using Alba;
using Marten;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Patients;

namespace Registry.Api.Tests.Platform;

/// <summary>
/// The outcome projection derives each patient on their own: a history it cannot derive — written by something other
/// than this registry's write side, which would have refused it — sets that one patient aside as a projection fault,
/// /health and the study say so, and every other patient and study keeps projecting.
/// </summary>
public sealed class ProjectionIsolationTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    /// <summary>Appends straight to the store, past every rule of the write side, as a legacy writer or a hand-run script would.</summary>
    private async Task AppendBehindTheRegistrysBackAsync(Guid patientId, object e)
    {
        await using var session = app.Store.LightweightSession();
        // At the stream's next version, as any writer must: the patient chart keeps each entry by its version.
        var state = await session.Events.FetchStreamStateAsync(patientId);
        session.Events.Append(patientId, state!.Version + 1, e);
        await session.SaveChangesAsync();
    }

    private async Task<int> ProjectionFaultsAsync(Guid studyId) => (await (await app.Host.Scenario(s =>
    {
        s.WithBearerToken(app.Investigator);
        s.Get.Url($"/api/studies/{studyId}");
    })).JsonAsync()).GetProperty("projectionFaults").GetInt32();

    [Fact]
    public async Task A_patient_whose_history_cannot_be_derived_is_set_aside_and_every_other_patient_and_study_keeps_projecting()
    {
        // A study timed from enrolment, whose patients derive from the enrolment alone.
        var faulted = await app.RegisteredStudyAsync(Scenarios.BreastProtocol());
        var neighbour = await app.EnrolledPatientAsync(faulted, "2025-04-02", arm: "THP", baseline: Scenarios.BreastBaseline());
        var broken = await app.EnrolledPatientAsync(faulted, "2025-04-03", arm: "TCHP", baseline: Scenarios.BreastBaseline(age: 48));
        await app.OutcomeRowAsync(broken, 1);

        // The write side refuses to void an enrolment (it is corrected, never voided); a legacy writer did it anyway,
        // leaving a patient with no fact in force to date follow-up from.
        await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { entryVersion = 1, reason = "Enrolled in error" }).ToUrl($"/api/patients/{broken}/voids");
        });
        await AppendBehindTheRegistrysBackAsync(broken, new EntryVoided(1, "Enrolled in error"));

        var fault = await app.ProjectionFaultAsync(broken);
        Assert.NotNull(fault);
        Assert.Equal((faulted, 2L, "PatientOutcomeRows"), (fault.StudyId, fault.Version, fault.Projection));
        Assert.False(string.IsNullOrWhiteSpace(fault.Problem));

        var health = await app.Host.Scenario(s =>
        {
            s.Get.Url("/health");
            s.StatusCodeShouldBe(200);
        });
        var report = await health.ReadAsTextAsync();
        Assert.StartsWith("Degraded", report);
        Assert.Contains(faulted.ToString(), report);
        Assert.Equal(1, await ProjectionFaultsAsync(faulted));

        // The same study's other patient and another study's new patient still reach their outcome rows.
        await app.RecordAsync(neighbour, "follow-ups", new { lastKnownAliveOn = "2025-10-01" });
        var other = await app.RegisteredStudyAsync();
        var newcomer = await app.EnrolledPatientAsync(other, "2025-05-01");
        await app.RecordAsync(newcomer, "treatment-starts", new { startedOn = "2025-05-06" });

        var neighbourRow = await app.OutcomeRowAsync(neighbour, 2);
        Assert.Equal(new DateOnly(2025, 4, 2), neighbourRow.Outcome.OriginOn);
        Assert.Equal(182, neighbourRow.Outcome.Times["os"].Days);
        var newcomerRow = await app.OutcomeRowAsync(newcomer, 2);
        Assert.Equal((other, "ITC", new DateOnly(2025, 5, 6)), (newcomerRow.StudyId, newcomerRow.Outcome.Arm, newcomerRow.Outcome.OriginOn));
        Assert.Equal(0, await ProjectionFaultsAsync(other));
        Assert.DoesNotContain(other.ToString(), await (await app.Host.Scenario(s => s.Get.Url("/health"))).ReadAsTextAsync());
    }

    [Fact]
    public async Task An_adverse_event_recorded_before_terms_were_required_derives_as_term_not_recorded()
    {
        var studyId = await app.RegisteredStudyAsync();
        var patientId = await app.EnrolledPatientAsync(studyId, "2024-01-05");
        await app.RecordAsync(patientId, "treatment-starts", new { startedOn = "2024-01-10" });
        await app.RecordAsync(patientId, "adverse-events", new { term = "Hypothyroidism", grade = 2, onsetOn = "2024-02-01", serious = false, attribution = "Probable" });

        // Today's write side refuses an adverse event without a term; an entry from before that rule has none.
        await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Json(new { grade = 3, onsetOn = "2024-02-20", serious = true, attribution = "Possible" }).ToUrl($"/api/patients/{patientId}/adverse-events");
        });
        await AppendBehindTheRegistrysBackAsync(patientId, new AdverseEventRecorded(null!, 3, new DateOnly(2024, 2, 20), true, Attribution.Possible));

        var row = await app.OutcomeRowAsync(patientId, 4);
        Assert.Equal([("Hypothyroidism", 2, false), ("Term not recorded", 3, true)],
            row.Outcome.AdverseEvents.Select(a => (a.Term, a.WorstGrade, a.Serious)));
        Assert.Null(await app.ProjectionFaultAsync(patientId, TimeSpan.Zero));

        // The history still shows the entry as it was written.
        var events = (await app.HistoryAsync(patientId)).GetProperty("events");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, events[3].GetProperty("data").GetProperty("term").ValueKind);
    }
}
