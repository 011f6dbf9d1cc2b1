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
/// entries before them leave it (the rules a write asks, <see cref="PatientStream.Refusal"/>), then the patients are
/// written as new streams in bulk (<see cref="NewPatientStreams"/>), a batch per transaction, several at once.
/// </summary>
public static class DemoStudyLoader
{
    private const int PatientsPerBatch = 500;
    private const int Writers = 3;
    private static readonly CorrectEntry.Validator CorrectionRules = new();

    public static async Task<Guid> LoadAsync(IDocumentStore store, SimulatedClock clock, SimulatedStudy study, Action<int, int> progress, CancellationToken ct)
    {
        var studyId = await RegisterAsync(store, clock, study, ct);
        Study registered;
        await using (var session = store.QuerySession())
            registered = await session.LoadAsync<Study>(studyId, ct) ?? throw new InvalidOperationException($"The simulated study {study.Protocol.Code} was not registered.");

        var byPatient = study.Entries.GroupBy(e => e.Patient).ToList();
        var streams = new NewPatientStream[byPatient.Count];
        Parallel.For(0, byPatient.Count, new ParallelOptions { CancellationToken = ct },
            i => streams[i] = Decide(registered, byPatient[i].ToList(), $"{study.Protocol.Code} patient {byPatient[i].Key}"));
        if (streams.GroupBy(s => s.Enrolment.SubjectCode).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidOperationException($"The registry refused a simulated enrolment: subject code '{twice.Key}' is already enrolled in study {study.Protocol.Code}.");

        var done = 0;
        await Parallel.ForEachAsync(streams.Chunk(PatientsPerBatch), new ParallelOptions { MaxDegreeOfParallelism = Writers, CancellationToken = ct },
            async (batch, token) =>
            {
                var sealedStreams = NewPatientStreams.SealAll(store, batch);
                await using var connection = store.Storage.Database.CreateConnection();
                await connection.OpenAsync(token);
                await using var transaction = await connection.BeginTransactionAsync(token);
                await NewPatientStreams.WriteAsync(store, connection, sealedStreams, token);
                await transaction.CommitAsync(token);
                progress(Interlocked.Add(ref done, batch.Sum(s => s.Entries.Count)), study.Entries.Count);
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

    /// <summary>
    /// One patient's entries, each judged as its route judges it on the record the entries before it leave: the
    /// request's own rules, the caller's site, the protocol and the clinical rules. Refused, the load stops.
    /// </summary>
    private static NewPatientStream Decide(Study study, IReadOnlyList<SimulatedEntry> entries, string what)
    {
        PatientTimeline? timeline = null;
        var recorded = new List<NewEntries>();
        foreach (var entry in entries)
        {
            var coordinator = Caller($"demo-coordinator-{entry.Site}", Roles.Coordinator, [entry.Site]);
            var (events, refusal) = entry.Fact switch
            {
                PatientEnrolled enrolled when timeline is null => Enrol((EnrolPatient)Request(enrolled), study, coordinator),
                SimulatedCorrection correction when timeline is not null => Record(timeline, study, coordinator,
                    new CorrectEntry(correction.EntryNumber, Request(correction.Replacement), correction.Reason)),
                IPatientFact fact when timeline is not null && fact is not PatientEnrolled => Record(timeline, study, coordinator, Request(fact)),
                _ => ([], WriteOutcome.NotFound($"No patient is enrolled for {what}.")),
            };
            if (refusal is not null)
                throw new InvalidOperationException($"The registry refused a simulated entry for {what} at {entry.RecordedAt:O}: {Describe(refusal)}");
            timeline ??= new PatientTimeline(((PatientEnrolled)events[0]).PatientId, [], 0);
            foreach (var e in events) timeline = timeline.Apply(new RecordedEvent(timeline.Version + 1, e, entry.RecordedAt, coordinator.UserName()));
            recorded.Add(new NewEntries(events, coordinator.UserName(), entry.RecordedAt));
        }
        return new NewPatientStream(timeline!.Enrolment, recorded, study.ProtocolVersion);
    }

    private static (IReadOnlyList<object>, WriteOutcome?) Enrol(EnrolPatient request, Study study, ClaimsPrincipal user)
    {
        if (EnrollingEndpoint.RequestRefusal(request, user) is { } refused) return ([], refused);
        var enrolment = request.ToEnrolment(Guid.CreateVersion7(), study.Id);
        return ([enrolment], PatientStream.ProtocolRefusal([enrolment], study.Protocol, user));
    }

    private static (IReadOnlyList<object>, WriteOutcome?) Record(PatientTimeline timeline, Study study, ClaimsPrincipal user, EntryRequest request)
    {
        var validation = request.Validate();
        if (!validation.IsValid) return ([], new WriteOutcome.Invalid(RequestValidation.Errors(validation)));
        return Judge(timeline, study, user, [.. request.ToFacts(timeline.Enrolment)]);
    }

    private static (IReadOnlyList<object>, WriteOutcome?) Record(PatientTimeline timeline, Study study, ClaimsPrincipal user, CorrectEntry correction)
    {
        var validation = CorrectionRules.Validate(correction);
        if (!validation.IsValid) return ([], new WriteOutcome.Invalid(RequestValidation.Errors(validation)));
        return Judge(timeline, study, user, CorrectingEntryEndpoint.Events(correction, timeline));
    }

    private static (IReadOnlyList<object>, WriteOutcome?) Judge(PatientTimeline timeline, Study study, ClaimsPrincipal user, IReadOnlyList<object> events) =>
        (events, PatientStream.SiteRefusal(timeline, user) ?? PatientStream.Refusal(timeline, study.Protocol, user, events));

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
