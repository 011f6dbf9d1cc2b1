using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Claims;
using System.Text.Json;
using JasperFx;
using JasperFx.Events;
using Marten;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Patients;
using Registry.Api.Web.Coordinator;
using Registry.Audit;
using Registry.Domain.Patients;
using Registry.Domain.Studies;
using Registry.Interop.Import;

namespace Registry.Api.Import;

/// <summary>One import file read into writes, with what kept rows from reading.</summary>
public sealed record ImportPlanFile(ImportFile File, int Rows, IReadOnlyList<ImportWrite> Writes, IReadOnlyList<ImportProblem> Problems);

/// <summary>
/// Imports a study's patients and their history. Every write is judged exactly as a coordinator's request is — the
/// form's reader (<see cref="FormReading"/>), the request's validator, the enrolment's and the patient stream's checks
/// (<see cref="EnrollingEndpoint.RequestRefusal"/>, <see cref="PatientStream.ProtocolRefusal"/>,
/// <see cref="PatientStream.Refusal"/>: protocol, eligibility, clinical rules) — on the patient's record as it will
/// stand, folded in memory, so no write re-reads a stream. Every file is checked before anything is recorded; then
/// each file with no problem is recorded in one database transaction (all or nothing), patients a batch at a time,
/// each entry sealed into the hash chain as the importing user with the file's reason.
/// </summary>
public static class StudyImport
{
    private const int PatientsPerBatch = 1000;
    private static readonly CorrectEntry.Validator CorrectionRules = new();
    private static readonly VoidEntry.Validator VoidRules = new();

    public static async Task<ImportOutcome> RunAsync(IDocumentStore store, Study study, string user, IReadOnlyList<ImportPlanFile> files, bool dryRun,
        JsonSerializerOptions json, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var problems = files.SelectMany(f => f.Problems).ToList();
        var run = new Run(study, user, json);
        var writesOfAll = files.SelectMany(f => f.Writes).ToList();
        // The patients already enrolled are read from the database while the entries are read as requests, which needs none of them.
        var codes = writesOfAll.Select(w => w.SubjectCode).Distinct().ToList();
        var existing = Task.Run(() => run.LoadExistingAsync(store, codes, ct), ct);
        run.ReadAll(writesOfAll, progress, clock);
        await existing;
        run.CoverSites(writesOfAll.SelectMany(w => w.Entries).Where(e => e.Form?.Kind == "enrolled").Select(e => e.Values.GetValueOrDefault("site")).OfType<string>());

        var total = files.Sum(f => f.Writes.Count);
        var done = 0;
        var checkedFiles = new List<FileWrites>();
        foreach (var file in files)
            checkedFiles.Add(run.JudgeAll(file, problems, judged =>
            {
                lock (checkedFiles) progress?.Report(new ImportProgress("checked", done += judged, total, run.Events, clock.Elapsed));
            }));

        var recording = Stopwatch.StartNew();
        var results = new List<ImportedFile>();
        var refused = new HashSet<Guid>();
        FileWrites? recordedWithPrevious = null;
        for (var f = 0; f < checkedFiles.Count; f++)
        {
            var writes = checkedFiles[f];
            var fileProblems = problems.Count(p => p.File == writes.File.File.Name);
            var dependsOnRefused = writes.Patients.Keys.Any(refused.Contains);
            if (!dryRun && fileProblems == 0 && dependsOnRefused)
                problems.Add(new ImportProblem(writes.File.File.Name, null, null,
                    "Its entries are for patients another file enrols or adds to, and that file was not recorded; nothing from this file was recorded."));
            var recorded = ReferenceEquals(writes, recordedWithPrevious);
            if (!recorded && !dryRun && fileProblems == 0 && !dependsOnRefused)
            {
                // A next file that only adds to patients this one starts joins its transaction: nobody else can write to them
                // before it commits, so the next file can refuse nothing this one does not, and their streams and charts are written once.
                var next = f + 1 < checkedFiles.Count ? checkedFiles[f + 1] : null;
                var joins = next is not null && next.Patients.Count > 0 && problems.All(p => p.File != next.File.File.Name)
                    && next.Patients.Keys.All(id => writes.Patients.TryGetValue(id, out var started) && started.Starts);
                recorded = await run.RecordAsync(store, joins ? [writes, next!] : [writes], problems, progress, recording, ct);
                recordedWithPrevious = recorded && joins ? next : null;
            }
            if (!recorded) refused.UnionWith(writes.Patients.Keys);
            results.Add(new ImportedFile(writes.File.File.Name, writes.File.File.Sha256, writes.File.Rows, writes.Patients.Values.Count(p => p.Starts),
                writes.Patients.Count, writes.Patients.Values.Sum(p => (long)p.Events.Count), recorded));
        }
        return new ImportOutcome(problems, results, dryRun, clock.Elapsed, dryRun ? TimeSpan.Zero : recording.Elapsed);
    }

    /// <summary>What one file appends to one patient: the record before it, and the events (a new patient's stream starts with its enrolment).</summary>
    private sealed class PatientWrites(PatientTimeline? before)
    {
        public PatientTimeline? Before { get; } = before;
        public bool Starts => Before is null;
        public List<object> Events { get; } = [];
    }

    private sealed class FileWrites(ImportPlanFile file)
    {
        public ImportPlanFile File { get; } = file;
        public Dictionary<Guid, PatientWrites> Patients { get; } = [];
    }

    /// <summary>A patient as the import will leave it: its record so far, its stream's head as stored, and the file's keys for its entries.</summary>
    private sealed class Patient(PatientTimeline timeline, ChainLink head, List<IEvent> stored)
    {
        public PatientTimeline Timeline { get; set; } = timeline;
        public ChainLink Head { get; set; } = head;
        /// <summary>Every event of the patient's stream as stored, so appended entries can be sealed and charted in memory.</summary>
        public List<IEvent> Stored { get; } = stored;
        public Dictionary<string, long> Keys { get; } = [];
    }

    private sealed class Run(Study study, string user, JsonSerializerOptions json)
    {
        // Keyed by subject code; judging runs each subject code's rows on one thread, different subject codes at once.
        private readonly ConcurrentDictionary<string, Patient> _patients = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, (string File, int Row)> _refusedEnrolments = new(StringComparer.Ordinal);
        private ClaimsPrincipal _importer = Importer(user, []);
        private long _events;
        private readonly Dictionary<ImportWrite, Guid> _enrolmentIds = new(ReferenceEqualityComparer.Instance);
        public long Events => Interlocked.Read(ref _events);

        /// <summary>The patients the files name that the study already has: their records and stream heads, read at once.</summary>
        public async Task LoadExistingAsync(IDocumentStore store, IReadOnlyList<string> subjectCodes, CancellationToken ct)
        {
            await using var session = store.QuerySession();
            var claims = (await session.LoadManyAsync<SubjectCodeClaim>(ct, subjectCodes.Select(c => SubjectCodeClaim.Key(study.Id, c)).ToArray()))
                .ToDictionary(c => c.PatientId);
            var ids = claims.Keys.ToArray();
            if (ids.Length > 0)
            {
                var events = await session.Events.QueryAllRawEvents().Where(e => ids.Contains(e.StreamId))
                    .OrderBy(e => e.StreamId).ThenBy(e => e.Version).ToListAsync(ct);
                foreach (var stream in events.GroupBy(e => e.StreamId))
                {
                    var timeline = PatientTimeline.From(stream.Key, stream.Select(e => new RecordedEvent(e.Version, e.Data, e.Timestamp, e.UserName)));
                    if (timeline is not null) _patients[timeline.Enrolment.SubjectCode] = new Patient(timeline, ChainLink.Of(stream.Last()), [.. stream]);
                }
            }
        }

        /// <summary>The importer acts for every site the import names and every site its existing patients are at.</summary>
        public void CoverSites(IEnumerable<string> named) =>
            _importer = Importer(user, named.Concat(_patients.Values.Select(p => p.Timeline.Enrolment.Site)).Distinct());

        /// <summary>
        /// Judges a file's writes, each patient's in the file's order on its record as the writes before leave it, different
        /// patients on every core at once (a write depends on its own patient's writes only). The problems come out in the
        /// file's order and the patients in the order the file first names them, as one thread judging row by row gives them.
        /// </summary>
        public FileWrites JudgeAll(ImportPlanFile file, List<ImportProblem> problems, Action<int> judged)
        {
            var writes = file.Writes;
            if (writes.Count == 0) return new FileWrites(file);
            var bySubject = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (var i = 0; i < writes.Count; i++)
            {
                if (!bySubject.TryGetValue(writes[i].SubjectCode, out var rows)) bySubject[writes[i].SubjectCode] = rows = [];
                rows.Add(i);
            }
            // Patient ids are drawn in the file's order, as judging row by row draws them.
            _enrolmentIds.Clear();
            foreach (var write in writes)
                if (write.Entries[0].Form?.Kind == "enrolled" && write.Entries[0].Corrects is null) _enrolmentIds[write] = Guid.CreateVersion7();
            var subjects = bySubject.Values.ToArray();
            var found = new ConcurrentBag<(int Write, List<ImportProblem> Problems)>();
            var judgedPatients = new ConcurrentBag<FileWrites>();
            Parallel.ForEach(Partitioner.Create(0, subjects.Length, Math.Clamp(subjects.Length / (8 * Environment.ProcessorCount), 1, 250)), range =>
            {
                var mine = new FileWrites(file);
                var rows = 0;
                for (var s = range.Item1; s < range.Item2; s++)
                    foreach (var i in subjects[s])
                    {
                        var own = new List<ImportProblem>();
                        Judge(writes[i], mine, own);
                        if (own.Count > 0) found.Add((i, own));
                        rows++;
                    }
                judgedPatients.Add(mine);
                judged(rows);
            });
            problems.AddRange(found.OrderBy(f => f.Write).SelectMany(f => f.Problems));

            var patients = new Dictionary<Guid, PatientWrites>();
            foreach (var mine in judgedPatients)
                foreach (var (id, patient) in mine.Patients) patients[id] = patient;
            var result = new FileWrites(file);
            foreach (var write in writes)
                if (_patients.TryGetValue(write.SubjectCode, out var patient) && patients.TryGetValue(patient.Timeline.PatientId, out var accepted))
                    result.Patients.TryAdd(patient.Timeline.PatientId, accepted);
            return result;
        }

        /// <summary>
        /// Judges one write on the patient's record as the writes before it leave it; accepted, its events join the file's
        /// and the record moves on, refused, each reason is a problem at its row and column.
        /// </summary>
        private void Judge(ImportWrite write, FileWrites file, List<ImportProblem> problems)
        {
            var before = problems.Count;
            void Refuse(ImportEntry? entry, WriteOutcome refusal, string prefix = "") => Report(write, entry, refusal, prefix, problems);

            var first = write.Entries[0];
            if (first.Form?.Kind == "enrolled" && first.Corrects is null)
            {
                Enrol(write, file, Refuse);
                if (problems.Count > before) _refusedEnrolments.TryAdd(write.SubjectCode, (write.File, write.Row));
                return;
            }
            if (!_patients.TryGetValue(write.SubjectCode, out var patient))
            {
                problems.Add(new ImportProblem(write.File, write.Row, ImportLayout.SubjectCode, _refusedEnrolments.TryGetValue(write.SubjectCode, out var refused)
                    ? $"Patient '{write.SubjectCode}' is not enrolled: the enrolment at {refused.File} row {refused.Row} was refused."
                    : $"No patient '{write.SubjectCode}' is enrolled in study {study.Code}, here or earlier in the import."));
                return;
            }
            if (PatientStream.SiteRefusal(patient.Timeline, _importer) is { } elsewhere)
            {
                Refuse(null, elsewhere);
                return;
            }

            var events = new List<object>();
            var keys = new List<(string Key, long Version)>();
            foreach (var entry in write.Entries)
            {
                var facts = Facts(entry, patient, Refuse);
                if (facts is null) continue;
                if (entry.Key is { } key) keys.Add((key, patient.Timeline.Version + events.Count + 1));
                events.AddRange(facts);
            }
            if (problems.Count > before) return;
            if (PatientStream.Refusal(patient.Timeline, study.Protocol, _importer, events, out var after) is { } refusal)
            {
                Refuse(write.Entries.Count == 1 ? write.Entries[0] : null, refusal, write.Entries[0].Corrects is null ? "" : "replacement.");
                return;
            }
            Accept(file, patient, events, after);
            foreach (var (key, version) in keys) patient.Keys[key] = version;
        }

        private void Enrol(ImportWrite write, FileWrites file, Action<ImportEntry?, WriteOutcome, string> refuse)
        {
            var entry = write.Entries[0];
            var (request, errors) = Read<EnrolPatient>(entry);
            if (request is null)
            {
                refuse(entry, new WriteOutcome.Invalid(errors), "");
                return;
            }
            if (EnrollingEndpoint.RequestRefusal(request, _importer) is { } refused)
            {
                refuse(entry, refused, "");
                return;
            }
            var enrolment = request.ToEnrolment(_enrolmentIds[write], study.Id);
            if (PatientStream.ProtocolRefusal([enrolment], study.Protocol, _importer) is { } refusal)
            {
                refuse(entry, refusal, "");
                return;
            }
            if (_patients.ContainsKey(enrolment.SubjectCode))
            {
                refuse(entry, EnrollingEndpoint.SubjectCodeTaken(request, study), "");
                return;
            }
            var patient = new Patient(new PatientTimeline(enrolment.PatientId, [], 0), ChainLink.Genesis, []);
            _patients[enrolment.SubjectCode] = patient;
            Accept(file, patient, [enrolment]);
            if (entry.Key is { } key) patient.Keys[key] = 1;
        }

        /// <summary>The events join the file's; the patient's record moves on to <paramref name="after"/>, as the rules left it, or is folded here.</summary>
        private void Accept(FileWrites file, Patient patient, IReadOnlyList<object> events, PatientTimeline? after = null)
        {
            var id = patient.Timeline.PatientId;
            if (!file.Patients.TryGetValue(id, out var writes))
                file.Patients[id] = writes = new PatientWrites(patient.Timeline.Version == 0 ? null : patient.Timeline);
            writes.Events.AddRange(events);
            if (after is not null) patient.Timeline = after;
            else
                foreach (var e in events)
                    patient.Timeline = patient.Timeline.Apply(new RecordedEvent(patient.Timeline.Version + 1, e, DateTimeOffset.UtcNow, user));
            Interlocked.Add(ref _events, events.Count);
        }

        /// <summary>The events one entry records: a fact (or two), a correction or a void of an earlier entry; null when it is refused.</summary>
        private IReadOnlyList<object>? Facts(ImportEntry entry, Patient patient, Action<ImportEntry?, WriteOutcome, string> refuse)
        {
            var enrolment = patient.Timeline.Enrolment;
            if (entry.Voids is { } voided)
            {
                if (Target(entry, voided, patient, refuse) is not { } version) return null;
                var request = new VoidEntry(version, entry.Reason);
                var validation = VoidRules.Validate(request);
                if (!validation.IsValid)
                {
                    refuse(entry, new WriteOutcome.Invalid(RequestValidation.Errors(validation)), "");
                    return null;
                }
                return [new EntryVoided(version, request.Reason!.Trim())];
            }

            var (read, errors) = Read<EntryRequest>(entry);
            if (entry.Corrects is { } corrected)
            {
                if (read is null)
                {
                    refuse(entry, new WriteOutcome.Invalid(errors), "");
                    return null;
                }
                if (Target(entry, corrected, patient, refuse) is not { } version) return null;
                var correction = new CorrectEntry(version, read, entry.Reason);
                var validation = CorrectionRules.Validate(correction);
                if (!validation.IsValid)
                {
                    refuse(entry, new WriteOutcome.Invalid(RequestValidation.Errors(validation)), "replacement.");
                    return null;
                }
                return [new EntryCorrected(version, read.ToFacts(enrolment).Single(), correction.Reason!.Trim())];
            }
            if (read is null)
            {
                refuse(entry, new WriteOutcome.Invalid(errors), "");
                return null;
            }
            return read.ToEvents(enrolment);
        }

        private static long? Target(ImportEntry entry, string key, Patient patient, Action<ImportEntry?, WriteOutcome, string> refuse)
        {
            if (patient.Keys.TryGetValue(key, out var version)) return version;
            refuse(entry, WriteOutcome.Conflict([$"It amends entry {key}, which this file does not record for the patient."]), "");
            return null;
        }

        private readonly Dictionary<ImportEntry, (EntryRequest? Request, Dictionary<string, string[]> Errors)> _read = new(ReferenceEqualityComparer.Instance);

        /// <summary>
        /// Reads every entry's values as its form's request up front, spread over the cores: reading depends on the entry
        /// alone, while judging it depends on the entries before it and runs in the files' order.
        /// </summary>
        public void ReadAll(IReadOnlyList<ImportWrite> writes, IProgress<ImportProgress>? progress, Stopwatch clock)
        {
            var entries = writes.SelectMany(w => w.Entries).Where(e => e.Form is not null).ToArray();
            if (entries.Length == 0) return;
            var read = new (EntryRequest?, Dictionary<string, string[]>)[entries.Length];
            var done = 0;
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, entries.Length, 2000), range =>
            {
                for (var i = range.Item1; i < range.Item2; i++) read[i] = Read(entries[i]);
                lock (read) progress?.Report(new ImportProgress("read", done += range.Item2 - range.Item1, entries.Length, 0, clock.Elapsed));
            });
            _read.EnsureCapacity(_read.Count + entries.Length);
            for (var i = 0; i < entries.Length; i++) _read[entries[i]] = read[i];
        }

        /// <summary>The entry's values read as its form's request, by the route's reader, with the request's own field rules.</summary>
        private (T? Request, Dictionary<string, string[]> Errors) Read<T>(ImportEntry entry) where T : EntryRequest
        {
            var (request, errors) = _read.TryGetValue(entry, out var read) ? read : Read(entry);
            return request is T known ? (known, errors) : (null, errors);
        }

        private (EntryRequest? Request, Dictionary<string, string[]> Errors) Read(ImportEntry entry)
        {
            var form = entry.Form!;
            var values = ImportShapes.AsPosted(entry.Values, form);
            // Made only for a row with errors: nearly every row has none.
            Dictionary<string, string[]>? errors = null;
            // A row the reader takes as it is skips the body's tree; one it refuses is read as the form reads it, for every refused field's words.
            var request = FormReading.ReadAccepted(values, form.Fields, form.Request, json);
            if (request is null)
            {
                errors = [];
                var body = FormReading.Body(values, form.Fields, errors);
                (request, var readErrors) = FormReading.Read(body, form.Request, json);
                foreach (var (key, messages) in readErrors) errors.TryAdd(key, messages);
            }
            if (request is EntryRequest read)
            {
                // A correction's replacement is held to its own rules by the correction's validator.
                if (entry.Corrects is not null && errors is not { Count: > 0 }) return (read, errors ?? NoErrors);
                var validation = read.Validate();
                if (!validation.IsValid)
                    foreach (var (key, messages) in RequestValidation.Errors(validation)) (errors ??= []).TryAdd(key, messages);
                if (errors is not { Count: > 0 }) return (read, errors ?? NoErrors);
            }
            return (null, errors ?? []);
        }

        /// <summary>The errors of a request read without any, shared: nothing adds to them.</summary>
        private static readonly Dictionary<string, string[]> NoErrors = [];

        private static void Report(ImportWrite write, ImportEntry? entry, WriteOutcome refusal, string prefix, List<ImportProblem> problems)
        {
            var columns = entry?.Columns ?? write.Entries.SelectMany(e => e.Columns).ToList();
            string? Column(string key)
            {
                var field = key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
                return LayoutColumn.ColumnOf(field, columns) ?? (field is "reason" && entry?.Reason is not null ? "reason" : null);
            }
            // Said in the file's words: its column, where the API's message names a JSON key.
            ImportProblem Problem(string key, string message) => Column(key) is { } column
                ? new ImportProblem(write.File, write.Row, column, FieldWording.As(message, FieldWording.NamesOf(key), column))
                : new ImportProblem(write.File, write.Row, null, message);
            switch (refusal)
            {
                case WriteOutcome.Invalid invalid:
                    foreach (var (key, messages) in invalid.Errors)
                        foreach (var message in messages) problems.Add(Problem(key, message));
                    break;
                case WriteOutcome.Refused refused:
                    var placed = refused.Fields.Values.SelectMany(m => m).ToHashSet();
                    foreach (var (key, messages) in refused.Fields)
                        foreach (var message in messages) problems.Add(Problem(key, message));
                    foreach (var violation in refused.Violations.Where(v => !placed.Contains(v)))
                        problems.Add(new ImportProblem(write.File, write.Row, null, violation));
                    break;
                case WriteOutcome.Stale stale:
                    problems.Add(new ImportProblem(write.File, write.Row, null, stale.Violation));
                    break;
            }
        }

        /// <summary>
        /// Records one file's accepted writes in one transaction, sealed in memory and copied in bulk
        /// (<see cref="NewPatientStreams"/>) a batch of patients at a time: its new patients' streams, then its entries
        /// for patients already enrolled, after the versions they were judged on; when any of it fails (a coordinator
        /// wrote to one of its patients meanwhile, or enrolled one of its subject codes) nothing is kept. A second file
        /// adding only to the first's new patients is recorded in the same transaction, after it: each of those streams
        /// is written once, at its last version, and its chart once, with its last entries.
        /// </summary>
        public async Task<bool> RecordAsync(IDocumentStore store, IReadOnlyList<FileWrites> files, List<ImportProblem> problems,
            IProgress<ImportProgress>? progress, Stopwatch clock, CancellationToken ct)
        {
            var byId = _patients.Values.ToDictionary(p => p.Timeline.PatientId);
            var startedTogether = new Dictionary<Guid, long>();
            foreach (var later in files.Skip(1))
                foreach (var (id, writes) in later.Patients)
                    startedTogether[id] = startedTogether.GetValueOrDefault(id, files[0].Patients[id].Events.Count) + writes.Events.Count;
            // A new stream a later file moves on has its chart written with that file's entries, not with its first.
            var chartLater = startedTogether.Where(p => p.Value != files[0].Patients[p.Key].Events.Count).Select(p => p.Key).ToHashSet();
            // Every event this transaction seals, by patient: a later file's entries are sealed after the earlier file's.
            var sealedHere = new Dictionary<Guid, List<IEvent>>();
            IReadOnlyList<IEvent> Stored(Guid id) => sealedHere.TryGetValue(id, out var here) ? [.. byId[id].Stored, .. here] : byId[id].Stored;

            var buffers = new NewPatientStreams.RowBuffers();
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            try
            {
                var batches = new List<(FileWrites File, int Patients, Func<IReadOnlyList<NewPatientStreams.Sealed>> Seal)>();
                foreach (var file in files)
                {
                    var reason = file.File.File.Reason;
                    foreach (var batch in file.Patients.Where(p => p.Value.Starts)
                                 .Select(p => new NewPatientStream((PatientEnrolled)p.Value.Events[0], [new NewEntries(p.Value.Events, user)], study.ProtocolVersion, reason))
                                 .Chunk(PatientsPerBatch))
                        batches.Add((file, batch.Length, () => NewPatientStreams.SealAll(store, batch, buffers,
                            (scratch, rows, s) => NewPatientStreams.Seal(scratch, s, chartWritten: !chartLater.Contains(s.Enrolment.PatientId), rows))));
                    foreach (var batch in file.Patients.Where(p => !p.Value.Starts).Chunk(PatientsPerBatch))
                        batches.Add((file, batch.Length, () => NewPatientStreams.SealAll(store, batch, buffers, (scratch, rows, p) =>
                            NewPatientStreams.SealAppend(scratch, p.Key, Stored(p.Key), p.Value.Events, user, study.ProtocolVersion, reason, rows))));
                }
                // The next batch is sealed while this one is copied: a file's patients are each in one batch, sealed on what was
                // stored before the file and what the files before it in this transaction sealed.
                Task<IReadOnlyList<NewPatientStreams.Sealed>>? next = null;
                var (events, done) = (0L, 0);
                for (var i = 0; i < batches.Count; i++)
                {
                    var sealedStreams = next is null ? batches[i].Seal() : await next;
                    foreach (var s in sealedStreams)
                        if (sealedHere.TryGetValue(s.PatientId, out var here)) here.AddRange(s.Events);
                        else sealedHere[s.PatientId] = [.. s.Events];
                    next = i + 1 < batches.Count ? Task.Run(batches[i + 1].Seal, ct) : null;
                    if (i > 0 && batches[i].File != batches[i - 1].File) (events, done) = (0L, 0);
                    events += await NewPatientStreams.WriteAsync(store, connection, sealedStreams, startedTogether, ct);
                    buffers.Return(sealedStreams);
                    done += batches[i].Patients;
                    progress?.Report(new ImportProgress("recorded", done, batches[i].File.Patients.Count, events, clock.Elapsed));
                }
                await transaction.CommitAsync(ct);
            }
            catch (Exception e) when (NewPatientStreams.IsRaceLost(e))
            {
                problems.Add(new ImportProblem(files[0].File.File.Name, null, null,
                    "While it was being recorded a coordinator wrote to one of its patients or enrolled one of its subject codes; nothing from this file was recorded. Run the import again."));
                return false;
            }
            foreach (var (id, here) in sealedHere)
            {
                byId[id].Head = ChainLink.Of(here[^1]);
                byId[id].Stored.AddRange(here);
            }
            return true;
        }
    }

    /// <summary>
    /// Who the checks see: the importing user, with every site the import names. An import is an admin's act, for
    /// every site of the study; entries are still held to every site rule a coordinator's are.
    /// </summary>
    private static ClaimsPrincipal Importer(string user, IEnumerable<string> sites) => new(new ClaimsIdentity(
        [new Claim(RegistryClaims.Subject, user), new Claim(RegistryClaims.Role, Roles.Admin), .. sites.Select(s => new Claim(RegistryClaims.Site, s))],
        "import", RegistryClaims.Subject, RegistryClaims.Role));
}
