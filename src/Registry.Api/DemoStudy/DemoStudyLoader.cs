using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Marten;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Api.Studies;
using Registry.Demo;
using Registry.Domain.Patients;
using Registry.Domain.Studies;

namespace Registry.Api.DemoStudy;

/// <summary>
/// Enters a simulated study through the same validation, protocol checks and rules a coordinator's requests meet,
/// each entry at its simulated recorded-at instant. Every patient's entries are judged in memory on the record as the
/// entries before them leave it (the rules a write asks, <see cref="PatientStream.Refusal(PatientTimeline, Domain.Protocols.Protocol, ClaimsPrincipal, IReadOnlyList{object}, out PatientTimeline?)"/>),
/// sealed, and written as new streams in bulk (<see cref="NewPatientStreams"/>), a batch per transaction: the cores judge
/// and seal the next batches while the writers copy the ones before. A refused entry stops the load; the batches
/// already written stay (the study is a demo, loaded again under another code).
/// </summary>
public static class DemoStudyLoader
{
    private const int PatientsPerBatch = 250;
    private const int Writers = 2;
    private static readonly CorrectEntry.Validator CorrectionRules = new();

    public static async Task<Guid> LoadAsync(IDocumentStore store, SimulatedClock clock, SimulatedStudy study, Action<int, int> progress, CancellationToken ct)
    {
        var studyId = await RegisterAsync(store, clock, study, ct);
        Study registered;
        await using (var session = store.QuerySession())
            registered = await session.LoadAsync<Study>(studyId, ct) ?? throw new InvalidOperationException($"The simulated study {study.Protocol.Code} was not registered.");

        if (study.Entries.Select(e => e.Fact).OfType<PatientEnrolled>().GroupBy(e => e.SubjectCode).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidOperationException($"The registry refused a simulated enrolment: subject code '{twice.Key}' is already enrolled in study {study.Protocol.Code}.");
        var byPatient = study.Entries.GroupBy(e => e.Patient).Select(g => g.ToList()).ToList();
        var coordinators = new ConcurrentDictionary<string, ClaimsPrincipal>();

        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Judges and writers run on threads of their own, blocking on a bounded queue and on Npgsql's synchronous calls:
        // on two cores, pool threads woken for every reply (or every hand-over of a channel) spent a quarter of the load's CPU spinning for work.
        using var batches = new BlockingCollection<NewPatientStreams.Sealed[]>(2 * Writers);
        var next = -1;
        void JudgeAndSeal()
        {
            for (int from; (from = Interlocked.Increment(ref next) * PatientsPerBatch) < byPatient.Count;)
            {
                failed.Token.ThrowIfCancellationRequested();
                using var scratch = store.LightweightSession();
                var batch = new NewPatientStreams.Sealed[Math.Min(PatientsPerBatch, byPatient.Count - from)];
                for (var i = 0; i < batch.Length; i++)
                    batch[i] = NewPatientStreams.Seal(scratch,
                        Decide(registered, coordinators, byPatient[from + i], $"{study.Protocol.Code} patient {byPatient[from + i][0].Patient}"));
                batches.Add(batch, failed.Token);
            }
        }
        var judges = Enumerable.Range(0, Environment.ProcessorCount)
            .Select(_ => Task.Factory.StartNew(JudgeAndSeal, failed.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();
        var deciding = Task.Run(async () =>
        {
            try
            {
                await Task.WhenAll(judges);
                batches.CompleteAdding();
            }
            catch
            {
                batches.CompleteAdding();
                await failed.CancelAsync();
                throw;
            }
        }, CancellationToken.None);

        var done = 0;
        void Write()
        {
            try
            {
                foreach (var batch in batches.GetConsumingEnumerable(failed.Token))
                {
                    using var connection = store.Storage.Database.CreateConnection();
                    connection.Open();
                    using var transaction = connection.BeginTransaction();
                    var events = NewPatientStreams.Write(store, connection, batch);
                    transaction.Commit();
                    progress(Interlocked.Add(ref done, (int)events), study.Entries.Count);
                }
            }
            catch
            {
                failed.Cancel();
                throw;
            }
        }
        var writing = Enumerable.Range(0, Writers)
            .Select(_ => Task.Factory.StartNew(Write, failed.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();

        try
        {
            await Task.WhenAll([deciding, .. writing]);
        }
        catch when (judges.Select(j => j.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) is { } refused)
        {
            // The first refusal says why; the rest is the pipeline stopping.
            throw refused;
        }
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

    /// <summary>
    /// One patient's entries, each judged as its route judges it on the record the entries before it leave: the
    /// request's own rules, the caller's site, the protocol and the clinical rules. Refused, the load stops.
    /// </summary>
    private static NewPatientStream Decide(Study study, ConcurrentDictionary<string, ClaimsPrincipal> coordinators, IReadOnlyList<SimulatedEntry> entries,
        string what)
    {
        PatientTimeline? timeline = null;
        var recorded = new List<NewEntries>(entries.Count);
        foreach (var entry in entries)
        {
            var coordinator = coordinators.GetOrAdd(entry.Site, site => Caller($"demo-coordinator-{site}", Roles.Coordinator, [site]));
            var (events, refusal, after) = entry.Fact switch
            {
                PatientEnrolled enrolled when timeline is null => Enrol((EnrolPatient)Request(enrolled), study, coordinator),
                SimulatedCorrection correction when timeline is not null => Record(timeline, study, coordinator,
                    new CorrectEntry(correction.EntryNumber, Request(correction.Replacement), correction.Reason)),
                IPatientFact fact when timeline is not null && fact is not PatientEnrolled => Record(timeline, study, coordinator, Request(fact)),
                _ => ([], WriteOutcome.NotFound($"No patient is enrolled for {what}."), null),
            };
            if (refusal is not null)
                throw new InvalidOperationException($"The registry refused a simulated entry for {what} at {entry.RecordedAt:O}: {Describe(refusal)}");
            timeline = after;
            recorded.Add(new NewEntries(events, coordinator.UserName(), entry.RecordedAt));
        }
        return new NewPatientStream(timeline!.Enrolment, recorded, study.ProtocolVersion);
    }

    private static (IReadOnlyList<object>, WriteOutcome?, PatientTimeline?) Enrol(EnrolPatient request, Study study, ClaimsPrincipal user)
    {
        if (EnrollingEndpoint.RequestRefusal(request, user) is { } refused) return ([], refused, null);
        var enrolment = request.ToEnrolment(Guid.CreateVersion7(), study.Id);
        var refusal = PatientStream.ProtocolRefusal([enrolment], study.Protocol, user);
        return ([enrolment], refusal, new PatientTimeline(enrolment.PatientId, [], 0).Apply(new RecordedEvent(1, enrolment, default, null)));
    }

    private static (IReadOnlyList<object>, WriteOutcome?, PatientTimeline?) Record(PatientTimeline timeline, Study study, ClaimsPrincipal user, EntryRequest request)
    {
        var validation = request.Validate();
        if (!validation.IsValid) return ([], new WriteOutcome.Invalid(RequestValidation.Errors(validation)), null);
        return Judge(timeline, study, user, request.ToEvents(timeline.Enrolment));
    }

    private static (IReadOnlyList<object>, WriteOutcome?, PatientTimeline?) Record(PatientTimeline timeline, Study study, ClaimsPrincipal user, CorrectEntry correction)
    {
        var validation = CorrectionRules.Validate(correction);
        if (!validation.IsValid) return ([], new WriteOutcome.Invalid(RequestValidation.Errors(validation)), null);
        return Judge(timeline, study, user, CorrectingEntryEndpoint.Events(correction, timeline));
    }

    private static (IReadOnlyList<object>, WriteOutcome?, PatientTimeline?) Judge(PatientTimeline timeline, Study study, ClaimsPrincipal user,
        IReadOnlyList<object> events)
    {
        if (PatientStream.SiteRefusal(timeline, user) is { } elsewhere) return (events, elsewhere, null);
        var refusal = PatientStream.Refusal(timeline, study.Protocol, user, events, out var after);
        return (events, refusal, after);
    }

    /// <summary>The request a coordinator would send for a fact, so the demo meets every rule an entry meets.</summary>
    internal static EntryRequest Request(IPatientFact fact) => fact switch
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
