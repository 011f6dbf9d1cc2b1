using System.Globalization;
using System.Security.Claims;
using Marten;
using Registry.Api.Auth;
using Registry.Api.Patients;
using Registry.Api.Studies;
using Registry.Demo;
using Registry.Domain.Patients;

namespace Registry.Api.DemoStudy;

/// <summary>
/// Enters a simulated study through the same validation, protocol checks and rules a coordinator's requests meet,
/// each at its simulated recorded-at instant. Patients are loaded in parallel; each patient's entries in order.
/// </summary>
public static class DemoStudyLoader
{
    private const int Workers = 8;

    public static async Task<Guid> LoadAsync(IDocumentStore store, SimulatedClock clock, SimulatedStudy study, Action<int, int> progress, CancellationToken ct)
    {
        var studyId = await RegisterAsync(store, clock, study, ct);
        var patientIds = new Guid[study.Patients];
        var done = 0;
        var byWorker = study.Entries.GroupBy(e => e.Patient % Workers);
        await Parallel.ForEachAsync(byWorker, new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = ct }, async (entries, token) =>
        {
            foreach (var entry in entries)
            {
                clock.Set(entry.RecordedAt);
                var coordinator = Caller($"demo-coordinator-{entry.Site}", Roles.Coordinator, [entry.Site]);
                await using var session = store.LightweightSession();
                var what = $"{study.Protocol.Code} patient {entry.Patient} at {entry.RecordedAt:O}";
                var patientId = await RecordAsync(entry, studyId, patientIds[entry.Patient], session, coordinator, what, token);
                if (entry.Fact is PatientEnrolled) patientIds[entry.Patient] = patientId;
                progress(Interlocked.Increment(ref done), study.Entries.Count);
            }
        });
        return studyId;
    }

    private static async Task<Guid> RegisterAsync(IDocumentStore store, SimulatedClock clock, SimulatedStudy study, CancellationToken ct)
    {
        clock.Set(study.Entries[0].RecordedAt.AddDays(-1));
        await using var session = store.LightweightSession();
        return await RegisteringStudyEndpoint.RegisterAsync(study.Protocol, session, Caller("demo-admin", Roles.Admin, []), ct) switch
        {
            ProtocolOutcome.Recorded recorded => recorded.StudyId,
            var refused => throw new InvalidOperationException($"The registry refused the simulated study {study.Protocol.Code}: {Describe(refused)}"),
        };
    }

    private static async Task<Guid> RecordAsync(SimulatedEntry entry, Guid studyId, Guid patientId, IDocumentSession session, ClaimsPrincipal user,
        string what, CancellationToken ct)
    {
        var outcome = entry.Fact switch
        {
            SimulatedCorrection correction => await CorrectingEntryEndpoint.CorrectAsync(session, user, patientId,
                new CorrectEntry(correction.EntryNumber, Request(correction.Replacement), correction.Reason), ct),
            PatientEnrolled enrolled => await EnrollingEndpoint.EnrolAsync(session, user, studyId, (EnrolPatient)Request(enrolled), ct),
            var fact => await PatientStream.RecordEntryAsync(session, user, patientId, Request((IPatientFact)fact), null, ct),
        };
        return outcome is WriteOutcome.Appended appended
            ? appended.PatientId
            : throw new InvalidOperationException($"The registry refused a simulated entry for {what}: {Describe(outcome)}");
    }

    /// <summary>The request a coordinator would send for a fact, so the demo meets every rule an entry meets.</summary>
    private static EntryRequest Request(IPatientFact fact) => fact switch
    {
        PatientEnrolled e => new EnrolPatient(e.SubjectCode, e.Arm, e.Site, Iso(e.EnrolledOn), e.Baseline),
        PatientRandomized r => new RandomizePatient(Iso(r.RandomizedOn), r.Arm, r.Strata),
        TreatmentStarted t => new StartTreatment(Iso(t.StartedOn), t.Agents, t.Line),
        ImagingAssessed i => new AssessImaging(Iso(i.AssessedOn), i.TargetLesionSumMm, i.NonTargetStatus, i.NewLesions, i.Response),
        AdverseEventRecorded a => new RecordAdverseEvent(a.Term, a.Grade, Iso(a.OnsetOn), a.Serious, a.Attribution),
        DiseaseProgressed p => new RecordProgression(Iso(p.ProgressedOn), p.Basis, p.Site),
        DiseaseRelapsed r => new RecordRelapse(Iso(r.RelapsedOn), r.Type),
        PatientDied d => new RecordDeath(Iso(d.DiedOn), d.Cause),
        LastKnownAlive l => new RecordFollowUp(Iso(l.LastKnownAliveOn)),
        WithdrewFromFollowUp w => new WithdrawFromFollowUp(Iso(w.WithdrewOn), w.Reason),
        _ => throw new InvalidOperationException($"The simulator planned a {fact.GetType().Name}, which the loader does not know."),
    };

    private static string Describe(WriteOutcome outcome) => outcome switch
    {
        WriteOutcome.Invalid invalid => string.Join("; ", invalid.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))),
        WriteOutcome.Refused refused => $"{refused.Status} {string.Join(" ", refused.Violations)}",
        WriteOutcome.Stale stale => stale.Violation,
        _ => outcome.GetType().Name,
    };

    private static string Describe(ProtocolOutcome outcome) => outcome switch
    {
        ProtocolOutcome.Invalid invalid => string.Join("; ", invalid.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))),
        ProtocolOutcome.Refused refused => $"{refused.Status} {string.Join(" ", refused.Violations)}",
        _ => outcome.GetType().Name,
    };

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static ClaimsPrincipal Caller(string user, string role, string[] sites) => new(new ClaimsIdentity(
        [new Claim(RegistryClaims.Subject, user), new Claim(RegistryClaims.Role, role), .. sites.Select(s => new Claim(RegistryClaims.Site, s))],
        "demo", RegistryClaims.Subject, RegistryClaims.Role));
}
