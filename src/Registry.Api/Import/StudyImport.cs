using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Claims;
using System.Threading.Channels;
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
        // A second file that adds only to patients the first enrols is judged as the first is recorded, its entries read as they are judged.
        var second = !dryRun && files.Count == 2 && problems.Count == 0 && files[1].Writes.Count > 0 && EnrolsAllOf(files[0], files[1]) ? files[1] : null;
        run.ReadAll(second is null ? writesOfAll : files[0].Writes, progress, clock);
        await existing;
        run.CoverSites(writesOfAll.SelectMany(w => w.Entries).Where(e => e.Form?.Kind == "enrolled").Select(e => e.Values.GetValueOrDefault("site")).OfType<string>());

        var total = files.Sum(f => f.Writes.Count);
        var done = 0;
        var checkedFiles = new List<FileWrites>();
        void Judged(int judged)
        {
            lock (checkedFiles) progress?.Report(new ImportProgress("checked", done += judged, total, run.Events, clock.Elapsed));
        }
        var recording = new Stopwatch();
        // Whether the first two files were recorded while the second was judged; null when they were not tried so.
        bool? recordedTogether = null;
        if (second is not null)
        {
            checkedFiles.Add(run.JudgeAll(files[0], problems, Judged));
            if (problems.Count == 0)
            {
                // The judging and the sealing take a thread a core each; the recording's replies need threads of their own at once,
                // not when the pool grows (about one thread each half second).
                using var threads = RecordingThreads.Raise();
                recording.Start();
                var judged = Channel.CreateUnbounded<JudgedPatients>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
                // Its problem, if another write got there first, joins the others once the judging has listed them.
                var raceLost = new List<ImportProblem>();
                var together = run.RecordWhileJudgedAsync(store, checkedFiles[0], second, second.Writes.Select(w => w.SubjectCode).Distinct().Count(),
                    judged.Reader.ReadAllAsync(ct), raceLost, progress, recording, ct);
                try
                {
                    checkedFiles.Add(run.JudgeAll(second, problems, Judged, patients =>
                    {
                        if (patients.Refused) judged.Writer.TryComplete(new LaterFileRefused());
                        else judged.Writer.TryWrite(patients);
                    }));
                }
                catch
                {
                    judged.Writer.TryComplete(new LaterFileRefused());
                    await together.ContinueWith(_ => { }, TaskScheduler.Default);
                    throw;
                }
                judged.Writer.TryComplete();
                try
                {
                    recordedTogether = await together;
                }
                catch (LaterFileRefused)
                {
                    // The second file's problems are listed; the first is recorded alone below.
                }
                problems.AddRange(raceLost);
            }
            else checkedFiles.Add(run.JudgeAll(second, problems, Judged));
        }
        else
            foreach (var file in files)
                checkedFiles.Add(run.JudgeAll(file, problems, Judged));

        recording.Start();
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
            if (f == 0 && recordedTogether is { } together)
            {
                recorded = together;
                recordedWithPrevious = together ? checkedFiles[1] : null;
            }
            else if (!recorded && !dryRun && fileProblems == 0 && !dependsOnRefused)
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

    /// <summary>Whether every patient the second file names is one the first enrols.</summary>
    private static bool EnrolsAllOf(ImportPlanFile first, ImportPlanFile second)
    {
        var enrolled = first.Writes.Where(w => w.Entries[0].Form?.Kind == "enrolled" && w.Entries[0].Corrects is null).Select(w => w.SubjectCode).ToHashSet(StringComparer.Ordinal);
        return second.Writes.All(w => enrolled.Contains(w.SubjectCode));
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
        public FileWrites JudgeAll(ImportPlanFile file, List<ImportProblem> problems, Action<int> judged, Action<JudgedPatients>? inTurn = null)
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
            // Given inTurn, the patients are judged a batch at a time in the order the file first names them, each batch
            // handed on once judged, so it can be recorded while the next is judged.
            var step = inTurn is null ? subjects.Length : PatientsPerBatch;
            // A thread a core at most, so the pool keeps threads for a recording beside it; and then a core fewer: the database's
            // one backend copying the batches is the longer part, and needs a core of its own.
            var threads = inTurn is null ? Environment.ProcessorCount : Math.Max(1, Environment.ProcessorCount - 1);
            for (var from = 0; from < subjects.Length; from += step)
            {
                var to = Math.Min(subjects.Length, from + step);
                var problemsBefore = found.Count;
                var judgedHere = new ConcurrentBag<FileWrites>();
                Parallel.ForEach(Partitioner.Create(from, to, Math.Clamp((to - from) / (8 * Environment.ProcessorCount), 1, 250)),
                    new ParallelOptions { MaxDegreeOfParallelism = threads }, range =>
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
                    judgedHere.Add(mine);
                    judged(rows);
                });
                foreach (var mine in judgedHere) judgedPatients.Add(mine);
                if (inTurn is null) continue;
                var accepted = new Dictionary<Guid, PatientWrites>();
                foreach (var mine in judgedHere)
                    foreach (var (id, patient) in mine.Patients) accepted[id] = patient;
                var inOrder = new List<KeyValuePair<Guid, PatientWrites>>(accepted.Count);
                for (var s = from; s < to; s++)
                    if (_patients.TryGetValue(writes[subjects[s][0]].SubjectCode, out var patient) && accepted.TryGetValue(patient.Timeline.PatientId, out var mineOf))
                        inOrder.Add(new(patient.Timeline.PatientId, mineOf));
                inTurn(new JudgedPatients(inOrder, found.Count > problemsBefore));
            }
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
        public Task<bool> RecordAsync(IDocumentStore store, IReadOnlyList<FileWrites> files, List<ImportProblem> problems,
            IProgress<ImportProgress>? progress, Stopwatch clock, CancellationToken ct)
        {
            var startedTogether = new Dictionary<Guid, long>();
            foreach (var later in files.Skip(1))
                foreach (var (id, writes) in later.Patients)
                    startedTogether[id] = startedTogether.GetValueOrDefault(id, files[0].Patients[id].Events.Count) + writes.Events.Count;
            // A new stream a later file moves on has its chart written with that file's entries, not with its first.
            var chartLater = startedTogether.Where(p => p.Value != files[0].Patients[p.Key].Events.Count).Select(p => p.Key).ToHashSet();
            var batches = files.SelectMany(file => Batches(file, chartLater)).ToList();
            return RecordAsync(store, files[0].File.File.Name, batches.ToAsyncEnumerable(), startedTogether, problems, progress, clock, ct);
        }

        /// <summary>
        /// Records <paramref name="first"/>, whose new patients <paramref name="second"/> only adds to, in one transaction with the
        /// second file's patients as <paramref name="judged"/> hands them on while that file is still being judged: its patients'
        /// streams are moved on from their enrolments as entries for patients already enrolled are. When the second file is
        /// refused, <paramref name="judged"/> ends with <see cref="LaterFileRefused"/> and nothing is kept.
        /// </summary>
        public Task<bool> RecordWhileJudgedAsync(IDocumentStore store, FileWrites first, ImportPlanFile second, int secondPatients,
            IAsyncEnumerable<JudgedPatients> judged, List<ImportProblem> problems, IProgress<ImportProgress>? progress, Stopwatch clock, CancellationToken ct)
        {
            var chartLater = second.Writes.Select(w => _patients[w.SubjectCode].Timeline.PatientId).ToHashSet();
            return RecordAsync(store, first.File.File.Name, InOrder(), new Dictionary<Guid, long>(), problems, progress, clock, ct);

            async IAsyncEnumerable<Batch> InOrder()
            {
                foreach (var batch in Batches(first, chartLater)) yield return batch;
                await foreach (var patients in judged.WithCancellation(ct))
                    yield return AppendBatch(second, secondPatients, second.File.Reason, patients.Patients);
            }
        }

        /// <summary>A file's patients to record, a batch at a time: its new patients' streams, then its entries for patients already enrolled.</summary>
        private IEnumerable<Batch> Batches(FileWrites file, IReadOnlySet<Guid> chartLater)
        {
            var reason = file.File.File.Reason;
            foreach (var batch in file.Patients.Where(p => p.Value.Starts)
                         .Select(p => new NewPatientStream((PatientEnrolled)p.Value.Events[0], [new NewEntries(p.Value.Events, user)], study.ProtocolVersion, reason))
                         .Chunk(PatientsPerBatch))
                yield return new Batch(file.File, file.Patients.Count, batch.Length, (store, buffers, _) => NewPatientStreams.SealAll(store, batch, buffers,
                    (scratch, rows, s) => NewPatientStreams.Seal(scratch, s, chartWritten: !chartLater.Contains(s.Enrolment.PatientId), rows)));
            foreach (var batch in file.Patients.Where(p => !p.Value.Starts).Chunk(PatientsPerBatch))
                yield return AppendBatch(file.File, file.Patients.Count, reason, batch);
        }

        private Batch AppendBatch(ImportPlanFile file, int filePatients, string? reason, IReadOnlyList<KeyValuePair<Guid, PatientWrites>> batch) =>
            new(file, filePatients, batch.Count, (store, buffers, stored) => NewPatientStreams.SealAll(store, batch, buffers, (scratch, rows, p) =>
                NewPatientStreams.SealAppend(scratch, p.Key, stored(p.Key), p.Value.Events, user, study.ProtocolVersion, reason, rows)));

        /// <summary>
        /// Records the batches in one transaction, sealed in memory and copied in bulk (<see cref="NewPatientStreams"/>): when
        /// any of it fails (a coordinator wrote to one of the patients meanwhile, or enrolled one of the subject codes) nothing
        /// is kept and <paramref name="fileName"/> is named in the problem. <paramref name="startedTogether"/>: each new stream's
        /// version after the last of its entries here, when a later batch moves it on.
        /// </summary>
        private async Task<bool> RecordAsync(IDocumentStore store, string fileName, IAsyncEnumerable<Batch> batches,
            IReadOnlyDictionary<Guid, long> startedTogether, List<ImportProblem> problems, IProgress<ImportProgress>? progress, Stopwatch clock, CancellationToken ct)
        {
            var byId = _patients.Values.ToDictionary(p => p.Timeline.PatientId);
            // Every event this transaction seals, by patient: a later file's entries are sealed after the earlier file's.
            var sealedHere = new Dictionary<Guid, List<IEvent>>();
            IReadOnlyList<IEvent> Stored(Guid id) => sealedHere.TryGetValue(id, out var here) ? [.. byId[id].Stored, .. here] : byId[id].Stored;

            var buffers = new NewPatientStreams.RowBuffers();
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var inOrder = batches.GetAsyncEnumerator(ct);
            // The next batch is sealed while this one is copied: a file's patients are each in one batch, sealed on what was
            // stored before the file and what the batches before it in this transaction sealed.
            async Task<(Batch Batch, IReadOnlyList<NewPatientStreams.Sealed> Streams)?> SealNextAsync()
            {
                if (!await inOrder.MoveNextAsync()) return null;
                var batch = inOrder.Current;
                var streams = await Task.Run(() => batch.Seal(store, buffers, Stored), ct);
                foreach (var s in streams)
                    if (sealedHere.TryGetValue(s.PatientId, out var here)) here.AddRange(s.Events);
                    else sealedHere[s.PatientId] = [.. s.Events];
                return (batch, streams);
            }
            var next = SealNextAsync();
            try
            {
                var (events, done) = (0L, 0);
                ImportPlanFile? previous = null;
                while (await next is { } current)
                {
                    next = SealNextAsync();
                    if (!ReferenceEquals(current.Batch.File, previous)) (events, done, previous) = (0L, 0, current.Batch.File);
                    events += await NewPatientStreams.WriteAsync(store, connection, current.Streams, startedTogether, ct);
                    buffers.Return(current.Streams);
                    done += current.Batch.Patients;
                    progress?.Report(new ImportProgress("recorded", done, current.Batch.FilePatients, events, clock.Elapsed));
                }
                await transaction.CommitAsync(ct);
            }
            catch (Exception e) when (NewPatientStreams.IsRaceLost(e))
            {
                problems.Add(new ImportProblem(fileName, null, null,
                    "While it was being recorded a coordinator wrote to one of its patients or enrolled one of its subject codes; nothing from this file was recorded. Run the import again."));
                return false;
            }
            finally
            {
                // A batch still being sealed (or awaited from the judging) is let finish before its source is let go.
                if (!next.IsCompleted) await next.ContinueWith(_ => { }, TaskScheduler.Default);
            }
            foreach (var (id, here) in sealedHere)
            {
                byId[id].Head = ChainLink.Of(here[^1]);
                byId[id].Stored.AddRange(here);
            }
            return true;
        }
    }

    /// <summary>One batch of a file's patients to record, sealed on the events stored or sealed before it in the transaction.</summary>
    private sealed record Batch(ImportPlanFile File, int FilePatients, int Patients,
        Func<IDocumentStore, NewPatientStreams.RowBuffers, Func<Guid, IReadOnlyList<IEvent>>, IReadOnlyList<NewPatientStreams.Sealed>> Seal);

    /// <summary>A batch of a file's patients judged, in the order the file first names them, and whether any of the batch's rows was refused.</summary>
    private sealed record JudgedPatients(IReadOnlyList<KeyValuePair<Guid, PatientWrites>> Patients, bool Refused);

    /// <summary>The file recorded beside the judging was refused: the transaction keeps nothing.</summary>
    private sealed class LaterFileRefused() : Exception("A file recorded while it was judged was refused.");

    /// <summary>
    /// Who the checks see: the importing user, with every site the import names. An import is an admin's act, for
    /// every site of the study; entries are still held to every site rule a coordinator's are.
    /// </summary>
    private static ClaimsPrincipal Importer(string user, IEnumerable<string> sites) => new(new ClaimsIdentity(
        [new Claim(RegistryClaims.Subject, user), new Claim(RegistryClaims.Role, Roles.Admin), .. sites.Select(s => new Claim(RegistryClaims.Site, s))],
        "import", RegistryClaims.Subject, RegistryClaims.Role));
}
