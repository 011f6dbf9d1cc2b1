using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Api.Studies;
using Registry.Domain.Studies;
using Wolverine.Http;

namespace Registry.Api.DemoStudy;

/// <summary>
/// Enters a simulated study through the same validators and endpoint functions a coordinator's requests reach,
/// each at its simulated recorded-at instant. Patients are loaded in parallel; each patient's entries in order.
/// </summary>
public static class DemoStudyLoader
{
    private const int Workers = 8;

    public static async Task<Guid> LoadAsync(IDocumentStore store, SimulatedClock clock, SimulatedStudy study, string studyCode,
        Action<int, int> progress, CancellationToken ct)
    {
        var admin = Caller("demo-admin", Roles.Admin, []);
        var studyId = await RegisterAsync(store, clock, study, studyCode, admin, ct);

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
                var result = await RecordAsync(entry, studyId, patientIds, session, coordinator, token);
                if (entry.Request is EnrolPatient) patientIds[entry.Patient] = IdOf(result);
                progress(Interlocked.Increment(ref done), study.Entries.Count);
            }
        });
        return studyId;
    }

    private static async Task<Guid> RegisterAsync(IDocumentStore store, SimulatedClock clock, SimulatedStudy study, string code, ClaimsPrincipal admin, CancellationToken ct)
    {
        clock.Set(study.Entries[0].RecordedAt.AddDays(-1));
        var request = new RegisterStudy(code, PublishedStudy.Title, "Recurrent/metastatic nasopharyngeal carcinoma, second line or later", "PFS",
            PublishedStudy.Arms.Select(a => new ArmRequest(a.Code, a.Name, new RegimenRequest(
                a.ImmuneCheckpointInhibitor ? "camrelizumab" : null, a.Targeted ? "apatinib" : null, null,
                a.Chemotherapy ? ["gemcitabine", "cisplatin"] : []))).ToList(),
            ResponseRules.Default);
        Accept(RegisteringStudyEndpoint.Validate(request), code);
        await using var session = store.LightweightSession();
        return IdOf(await RegisteringStudyEndpoint.Post(request, session, admin, ct));
    }

    private static Task<IResult> RecordAsync(PlannedEntry entry, Guid studyId, Guid[] patientIds, IDocumentSession session, ClaimsPrincipal user, CancellationToken ct)
    {
        var patientId = patientIds[entry.Patient];
        var what = $"patient {entry.Patient} at {entry.RecordedAt:O}";
        return entry.Request switch
        {
            EnrolPatient r => Run(EnrollingEndpoint.Validate(r), () => EnrollingEndpoint.Post(studyId, r, session, user, ct), what),
            StartTreatment r => Run(RecordingTreatmentStartEndpoint.Validate(r), () => RecordingTreatmentStartEndpoint.Post(patientId, r, session, user, ct), what),
            AssessImaging r => Run(RecordingImagingEndpoint.Validate(r), () => RecordingImagingEndpoint.Post(patientId, r, session, user, ct), what),
            RecordAdverseEvent r => Run(RecordingAdverseEventEndpoint.Validate(r), () => RecordingAdverseEventEndpoint.Post(patientId, r, session, user, ct), what),
            RecordProgression r => Run(RecordingProgressionEndpoint.Validate(r), () => RecordingProgressionEndpoint.Post(patientId, r, session, user, ct), what),
            RecordDeath r => Run(RecordingDeathEndpoint.Validate(r), () => RecordingDeathEndpoint.Post(patientId, r, session, user, ct), what),
            RecordFollowUp r => Run(RecordingFollowUpEndpoint.Validate(r), () => RecordingFollowUpEndpoint.Post(patientId, r, session, user, ct), what),
            WithdrawFromFollowUp r => Run(RecordingWithdrawalEndpoint.Validate(r), () => RecordingWithdrawalEndpoint.Post(patientId, r, session, user, ct), what),
            CorrectEntry r => Run(CorrectingEntryEndpoint.Validate(r), () => CorrectingEntryEndpoint.Post(patientId, r, session, user, ct), what),
            _ => throw new InvalidOperationException($"The simulator planned a {entry.Request.GetType().Name}, which the loader does not know.")
        };
    }

    private static async Task<IResult> Run(ProblemDetails validation, Func<Task<IResult>> handler, string what)
    {
        Accept(validation, what);
        var result = await handler();
        if (result is IStatusCodeHttpResult { StatusCode: 201 }) return result;
        var detail = result is ProblemHttpResult problem ? problem.ProblemDetails.Detail : result.GetType().Name;
        throw new InvalidOperationException($"The registry refused a simulated entry for {what}: {detail}");
    }

    private static void Accept(ProblemDetails validation, string what)
    {
        if (!ReferenceEquals(validation, WolverineContinue.NoProblems))
            throw new InvalidOperationException($"A simulated entry for {what} failed validation: " +
                string.Join("; ", (validation as ValidationProblemDetails)?.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")) ?? []));
    }

    private static Guid IdOf(IResult result) => result switch
    {
        Created<CreatedId> created => created.Value!.Id,
        _ => throw new InvalidOperationException($"Expected a created resource, got {result.GetType().Name}.")
    };

    private static ClaimsPrincipal Caller(string user, string role, string[] sites) => new(new ClaimsIdentity(
        [new Claim(RegistryClaims.Subject, user), new Claim(RegistryClaims.Role, role), .. sites.Select(s => new Claim(RegistryClaims.Site, s))],
        "demo", RegistryClaims.Subject, RegistryClaims.Role));
}
