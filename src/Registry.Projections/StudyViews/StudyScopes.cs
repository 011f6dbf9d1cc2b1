using System.Collections.Concurrent;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Marten;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Projections.Outcomes;
using Registry.Projections.Patients;

namespace Registry.Projections.StudyViews;

/// <summary>
/// A point in the event store a cached set of outcomes reflects: every event up to <see cref="Sequence"/>, the event
/// there being <see cref="EventId"/> (a store emptied and refilled to the same sequence has other events there).
/// </summary>
public readonly record struct StoreMark(long Sequence, Guid? EventId);

/// <summary>
/// The outcomes a study view reads, kept in memory between requests per study (and per moment and data cut), each
/// set stamped with the store position it reflects. A request reads one position (one indexed query) and, when the
/// store has moved on, re-reads only the patients whose streams have events since: a view after a write pays for
/// the patients written, not for every patient. Answers computed from an unchanged set are kept beside it.
/// <para>
/// The current view follows the outcome projection's progression (its rows are committed with it). Views derived
/// from the charts (<c>asOf</c>, <c>dataCut</c>, <c>consistent=true</c>) follow the daemon's high-water mark, below
/// which every event is committed, and re-derive every patient with an event above it on each request, so a write
/// is seen at once.
/// </para>
/// </summary>
public sealed class StudyScopes
{
    /// <summary>The async daemon's name for the outcome rows' progression, and its safe high-water mark.</summary>
    public const string OutcomeRowsProgression = $"{PatientOutcomeRowsProjection.Name}:All";
    public const string HighWaterMark = "HighWaterMark";

    // Below either position every event is committed (the outcome rows' is never above the high-water mark, unless a rebuild set it).
    private static readonly string[] CurrentRows = [OutcomeRowsProgression];
    private static readonly string[] SafeMark = [HighWaterMark, OutcomeRowsProgression];

    /// <summary>
    /// What a kept patient costs, shared parts included: a heap dump at 100 000 patients held 157 MB of live objects
    /// for 244 195 kept patients (docs/performance.md, "Memory").
    /// </summary>
    public const int BytesPerPatient = 640;

    /// <summary>
    /// Bytes the sets may hold together (a set per study for the current view, more for moments and cuts) with the
    /// answers kept beside them (<see cref="KeepAnswer"/>: a study's analysis datasets, deflated) and maturity's cuts'
    /// patients (<see cref="MaturityBytesKept"/>, never dropped for room); the least recently used answers go first, then
    /// moments' and cuts' sets, then the studies' current and whole records' sets (<see cref="Evict(Entry?, long)"/>),
    /// so memory stays bounded whatever the number of studies and variants asked.
    /// 224 MB keeps a study of 100 000 patients' current set and whole records' set (60 MB each), maturity's cuts' patients
    /// (27 MB) and the sets of two moments or cuts taken from the whole records (24 MB each at 2021-01-01 and 2020-12-31),
    /// so a moment and a cut asked in turn between the investigators' live views are not read again each time (at
    /// 192 MB the two took turns: each of the whole view list's routes read both again). Set from <c>Registry:Views:KeptMegabytes</c>.
    /// </summary>
    public long MaximumBytesKept { get; set; } = 224L << 20;

    /// <summary>
    /// What a patient costs a set that takes the outcome from the whole records' set while that set is kept: its
    /// dictionary entry and list slot, not the outcome.
    /// </summary>
    public const int BytesPerSharedPatient = 64;

    private static readonly ConditionalWeakTable<IDocumentStore, StudyScopes> PerStore = new();

    private readonly ConcurrentDictionary<ScopeKey, Entry> _entries = new();
    private readonly SharedOutcomeParts _parts = new();
    private long _clock;

    /// <summary>The cache of one document store (one database): tests open many, each with its own.</summary>
    public static StudyScopes Of(IDocumentStore store) => PerStore.GetValue(store, _ => new StudyScopes());

    /// <summary>How many sets are kept now, and their patients (for tests and the health of the cache).</summary>
    public (int Sets, int Patients) Kept => (_entries.Count, _entries.Values.Sum(e => e.Snapshot?.Outcomes.Count ?? 0));

    /// <summary>The bytes of the answers kept beside the sets (<see cref="KeepAnswer"/>), counted in the same budget.</summary>
    public long AnswerBytesKept => _answers.Values.Sum(a => a.Bytes);

    private readonly record struct AnswerKey(Guid StudyId, string Name, DateTimeOffset? AsOf, DateOnly? DataCut);

    /// <summary>An answer computed from every chart of a study, the store position it reflects, what it holds, and when it was last used.</summary>
    private sealed class KeptAnswer(object value, StoreMark mark, long bytes)
    {
        public object Value { get; } = value;
        public StoreMark Mark { get; } = mark;
        public long Bytes { get; } = bytes;
        public long LastUsed;
    }

    private readonly ConcurrentDictionary<AnswerKey, KeptAnswer> _answers = new();

    /// <summary>
    /// The store position below which every event is committed, as the sets derived from the charts read it, and
    /// whether no event lies above it: only then does an answer computed from the charts now hold at that position
    /// (one above it may still be joined by an earlier event not yet committed).
    /// </summary>
    public async Task<(StoreMark Mark, bool Settled)> ChartsMarkAsync(IQuerySession session, CancellationToken ct)
    {
        var read = await ReadMarkAsync(session, SafeMark, null, ct);
        return (read.Mark, !read.EventsAbove);
    }

    /// <summary>
    /// The answer kept under <paramref name="name"/> for the study at the moment and cut, when it was computed at
    /// <paramref name="mark"/> (<see cref="ChartsMarkAsync"/>, settled); else null.
    /// </summary>
    public T? KeptAnswerAt<T>(Guid studyId, string name, DateTimeOffset? asOf, DateOnly? dataCut, StoreMark mark) where T : class
    {
        if (!_answers.TryGetValue(new AnswerKey(studyId, name, asOf, dataCut), out var kept) || kept.Mark != mark || kept.Value is not T answer) return null;
        kept.LastUsed = Interlocked.Increment(ref _clock);
        return answer;
    }

    /// <summary>
    /// Keeps <paramref name="answer"/>, computed from the charts at the settled <paramref name="mark"/>, in place of any
    /// earlier one of the same name, study, moment and cut; its <paramref name="bytes"/> count in the sets' budget, so
    /// the least recently used sets and answers go to make room, and an answer larger than the budget is not kept.
    /// <paramref name="patientsRead"/> (the charts read to compute it) count with the patients dropped for
    /// <see cref="CollectAfter"/>: ADAE written from 99 892 charts left 31 MB more in gen2 and 21 MB on the large object heap, and the
    /// datasets in turn took the heap 150 MB above what they keep before a gen2 collection came.
    /// </summary>
    public void KeepAnswer<T>(Guid studyId, string name, DateTimeOffset? asOf, DateOnly? dataCut, StoreMark mark, T answer, long bytes, long patientsRead)
        where T : class
    {
        var key = new AnswerKey(studyId, name, asOf, dataCut);
        if (bytes > MaximumBytesKept)
        {
            _answers.TryRemove(key, out _);
            CollectAfter(patientsRead);
            return;
        }
        _answers[key] = new KeptAnswer(answer, mark, bytes) { LastUsed = Interlocked.Increment(ref _clock) };
        CollectAfter(Evict(null, 0) + patientsRead);
    }

    private readonly record struct ScopeKey(Guid StudyId, bool FromCharts, DateTimeOffset? AsOf, DateOnly? DataCut);

    /// <summary>
    /// A set as read: each patient's outcome beside the version of the record (chart or row) it was read from, the
    /// version kept also for patients not in the set (not yet enrolled then); <see cref="Shared"/> of its outcomes are the
    /// whole records' set's own objects (a moment's or cut's set taken from it), <see cref="SharedWithSource"/> more
    /// those of the moment's set <see cref="Source"/> it was taken from (<see cref="NearerMomentAsync"/>).
    /// </summary>
    private sealed record Snapshot(StoreMark Mark, int ProtocolVersion, Dictionary<Guid, KeptPatient> ByPatient, List<PatientOutcome> Outcomes,
        StudyViewScope? Scope, DateTimeOffset? FirstRecorded, DateTimeOffset? LastRecorded, int Shared = 0, ScopeKey? Source = null, int SharedWithSource = 0);

    /// <summary>
    /// One patient of a set: the outcome (null when not in the set) and the record's version, in one entry rather than
    /// two dictionaries' worth; in the set derived from whole records, also the dates that say at which moments and
    /// cuts that outcome holds (<see cref="WholeRecord"/>); in a set derived from the charts, the moments over which the
    /// record it was derived from, so that outcome at the set's cut, is the same (<see cref="RecordSpan"/>; none when unknown).
    /// </summary>
    private readonly record struct KeptPatient(PatientOutcome? Outcome, long Version, WholeRecord Record = default, RecordSpan Unchanged = default);

    /// <summary>How a patient of the whole records' set stands at a moment and cut: one not enrolled in it is in no set.</summary>
    private static WholeRecordAt At(KeptPatient whole, DateTimeOffset? asOf, DateOnly? dataCut) =>
        whole.Outcome is null ? WholeRecordAt.Absent : whole.Record.At(asOf, dataCut);

    /// <summary>
    /// A patient of the whole records' set as a set at <paramref name="asOf"/> and <paramref name="dataCut"/> keeps them, when
    /// <see cref="At"/> takes them whole or leaves them out (else null): with the span their record then holds over (none
    /// for one the whole record leaves out at every moment, which no span says).
    /// </summary>
    private static KeptPatient? TakenWhole(KeptPatient whole, DateTimeOffset? asOf, DateOnly? dataCut) => At(whole, asOf, dataCut) switch
    {
        WholeRecordAt.Whole => whole with { Unchanged = whole.Record.SpanAt(asOf) },
        WholeRecordAt.Absent => whole with { Outcome = null, Unchanged = whole.Outcome is null ? default : whole.Record.SpanAt(asOf) },
        _ => null,
    };

    private sealed class Entry
    {
        public readonly SemaphoreSlim Refreshing = new(1, 1);
        public volatile Snapshot? Snapshot;
        public long LastUsed;
    }

    /// <summary>The study's current view: its outcome rows as the async daemon has projected them.</summary>
    public Task<StudyViewScope> CurrentAsync(IQuerySession session, Study study, CancellationToken ct) =>
        ScopeAsync(session, study, new ScopeKey(study.Id, false, null, null), ct);

    /// <summary>
    /// The study's outcomes derived from the charts as the registry knew them at <paramref name="asOf"/> (now when
    /// null) at the data cut, under <paramref name="study"/>'s protocol (the study as it stood then).
    /// </summary>
    public Task<StudyViewScope> DerivedAsync(IQuerySession session, Study study, DateTimeOffset? asOf, DateOnly? dataCut, CancellationToken ct) =>
        ScopeAsync(session, study, new ScopeKey(study.Id, true, asOf, dataCut), ct);

    /// <summary>The first and last recorded-at of the study's patients' entries as the charts hold them now (null when none).</summary>
    public async Task<(DateTimeOffset First, DateTimeOffset Last)?> RecordingSpanAsync(IQuerySession session, Study study, CancellationToken ct) =>
        await SpanAsync(session, study, ct) is { First: { } first, Last: { } last } ? (first, last) : null;

    /// <summary>A study's recording span (null ends when no entry) and the store position it reflects.</summary>
    private sealed record RecordingSpan(DateTimeOffset? First, DateTimeOffset? Last, StoreMark Mark);

    /// <summary>
    /// Each study's recording span, kept apart from the whole records' set it is first taken from: it moves only with
    /// entries, so maturity answered from its kept cuts reads no set once the sets' budget has dropped that one.
    /// </summary>
    private readonly ConcurrentDictionary<Guid, RecordingSpan> _spans = new();

    /// <summary>
    /// The study's recording span brought to the store's position: the kept one widened by the charts of the patients
    /// with events since its mark (as the whole records' set is brought forward), else the whole records' set's.
    /// </summary>
    private async Task<RecordingSpan> SpanAsync(IQuerySession session, Study study, CancellationToken ct)
    {
        if (_spans.TryGetValue(study.Id, out var kept))
        {
            var read = await ReadMarkAsync(session, SafeMark, kept.Mark, ct);
            if (read.Continues)
            {
                if (read.Mark == kept.Mark && !read.EventsAbove) return kept;
                var (first, last) = (kept.First, kept.Last);
                var changed = await StreamsWithEventsAboveAsync(session, kept.Mark.Sequence, ct);
                if (changed.Count > 0)
                    foreach (var chart in await session.LoadManyAsync<PatientChart>(ct, changed))
                        if (chart.StudyId == study.Id)
                            foreach (var entry in chart.Entries)
                            {
                                if (first is null || entry.RecordedAt < first) first = entry.RecordedAt;
                                if (last is null || entry.RecordedAt > last) last = entry.RecordedAt;
                            }
                // Events above the mark are met again next time, as the whole records' set meets them: widening twice changes nothing.
                return _spans[study.Id] = new RecordingSpan(first, last, read.Mark);
            }
        }
        var whole = (await KeptAsync(session, study, new ScopeKey(study.Id, true, null, null), ct)).Kept;
        return new RecordingSpan(whole.FirstRecorded, whole.LastRecorded, whole.Mark);
    }

    // Each maturity point with the high-water mark it was computed at: it stays true until an event recorded at or before its cut's moment arrives.
    private readonly ConcurrentDictionary<(Guid Study, string Question, DateOnly Cut), (MaturityPoint? Point, long Mark)> _maturity = new();

    private long _maturityCutsDerived;

    private long _momentPatientsDerived;

    /// <summary>How many patients the sets at a moment or cut taken from a kept set derived from their charts: for tests.</summary>
    public long MomentPatientsDerived => Interlocked.Read(ref _momentPatientsDerived);

    /// <summary>How many maturity points were derived from the patients (not kept, nor taken from an earlier cut): for tests.</summary>
    public long MaturityCutsDerived => Interlocked.Read(ref _maturityCutsDerived);

    /// <summary>
    /// At most this many cuts are recomputed from kept sets (each one set); more (a first request, entries recorded back then) are
    /// compared from the cuts' patients kept from the study's last pass over the charts, or read the charts once.
    /// </summary>
    private const int CutsRecomputedFromSets = 2;

    /// <summary>
    /// The comparison at each cut over the study's recording span, or null when the step makes more than
    /// <see cref="MaturityTimeline.MaximumCuts"/> cuts. A cut's point is kept until an event recorded at or before its
    /// moment arrives, so after a write today only today's cut is recomputed; a new cut whose record is provably an
    /// earlier kept cut's (<see cref="SameAsEarlierCutsAsync"/>) takes that cut's point. A question's first answer
    /// compares the cuts' patients the study's last pass read for every endpoint (<see cref="CutPatientsAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<MaturityPoint>?> MaturityAsync(IQuerySession session, Study study, string endpoint, ArmGroup arm, ArmGroup reference,
        (int Months, int Days) step, CancellationToken ct)
    {
        if (await RecordingSpanAsync(session, study, ct) is not { } span) return [];
        var (first, last) = (DateOnly.FromDateTime(span.First.UtcDateTime), DateOnly.FromDateTime(span.Last.UtcDateTime));
        var cuts = MaturityTimeline.Cuts(first, last, step).Take(MaturityTimeline.MaximumCuts + 1).ToList();
        if (cuts.Count > MaturityTimeline.MaximumCuts) return null;

        var question = $"{endpoint}|{arm.Label}:{string.Join("+", arm.Arms)}|{reference.Label}:{string.Join("+", reference.Arms)}";
        var mark = (await ReadMarkAsync(session, SafeMark, null, ct)).Mark.Sequence;
        // Every point kept for the question, those of cuts a grown span no longer asks included: a new cut may take one.
        var kept = _maturity.Where(k => k.Key.Study == study.Id && k.Key.Question == question).ToDictionary(k => k.Key.Cut, k => k.Value);
        var oldest = kept.Values.Select(k => k.Mark).DefaultIfEmpty(mark).Min();
        var changedFrom = await EarliestRecordedAboveAsync(session, oldest, ct);
        var holding = kept.Where(k => k.Value.Mark >= mark || changedFrom is not { } t || t > MaturityTimeline.AsOf(k.Key))
            .ToDictionary(k => k.Key, k => k.Value.Point);
        // Only the point read: one a concurrent request has put in its place since stays.
        foreach (var (cut, point) in kept.Where(k => !holding.ContainsKey(k.Key))) _maturity.TryRemove(KeyValuePair.Create((study.Id, question, cut), point));
        // Kept points checked against the events since their mark are good up to this mark.
        foreach (var (cut, point) in holding) _maturity[(study.Id, question, cut)] = (point, mark);
        var stale = cuts.Where(c => !holding.ContainsKey(c)).ToList();
        var found = new Dictionary<DateOnly, MaturityPoint?>(holding);

        if (stale.Count > 0)
        {
            // Brought to the store's position (read again if dropped): a cut is taken from an earlier one only by what the records hold now.
            var records = (await KeptAsync(session, study, new ScopeKey(study.Id, true, null, null), ct)).Kept;
            var taken = await SameAsEarlierCutsAsync(session, study, records, holding, stale, ct);
            // True at the whole records' mark: the events after it are checked against each cut's moment, as any kept point's are.
            foreach (var (cut, point) in taken) _maturity[(study.Id, question, cut)] = (found[cut] = point, Math.Min(records.Mark.Sequence, mark));
            stale = stale.Except(taken.Select(t => t.Cut)).ToList();
        }

        Interlocked.Add(ref _maturityCutsDerived, stale.Count);
        if (stale.Count > CutsRecomputedFromSets)
        {
            var (patients, served, read) = await CutPatientsAsync(session, study, endpoint, MaturityTimeline.CutPatients.EveryDay(first, last), stale, mark, ct);
            foreach (var (cut, point) in patients.Points(endpoint, arm, reference, served, ct))
                _maturity[(study.Id, question, cut)] = (found[cut] = point, mark);
            if (read) CollectAfter(StudyPatientsKept(study.Id));
            stale = stale.Except(served).ToList();
        }
        foreach (var cut in stale)
        {
            var asOf = MaturityTimeline.AsOf(cut);
            MaturityPoint? point = null;
            if (study.AsOf(asOf) is { } then)
                point = MaturityTimeline.Point((await DerivedAsync(session, then, asOf, cut, ct)).Outcomes, cut, endpoint, arm, reference, ct);
            _maturity[(study.Id, question, cut)] = (found[cut] = point, mark);
        }
        var points = cuts.Select(c => found[c]).OfType<MaturityPoint>().ToList();
        // The same list while no point changed, so what is kept beside it (the drawn figure) stays valid.
        var answered = _maturityAnswers.AddOrUpdate((study.Id, question, step), points,
            (_, previous) => previous.Count == points.Count && previous.Zip(points).All(p => ReferenceEquals(p.First, p.Second)) ? previous : points);
        return answered;
    }

    /// <summary>
    /// The stale cuts whose point is an earlier kept cut's under their own date: each of the cut's patients is derived
    /// from the same record, under the same protocol, as at the earlier cut, with no clinical date after it (so neither
    /// cut drops a fact, ends a follow-up or leaves a patient out that the other does not). That holds when the same
    /// protocol revision is in force at both moments, no entry of the study was recorded between them, and every record
    /// at the earlier moment ends on or before its cut (a recording span grown by an entry today after months without one).
    /// </summary>
    private async Task<List<(DateOnly Cut, MaturityPoint Point)>> SameAsEarlierCutsAsync(IQuerySession session, Study study, Snapshot records,
        IReadOnlyDictionary<DateOnly, MaturityPoint?> holding, List<DateOnly> stale, CancellationToken ct)
    {
        var taken = new List<(DateOnly, MaturityPoint)>();
        var earlier = holding.Keys.Order().ToList();
        var unchangedUntil = new Dictionary<DateOnly, DateTimeOffset?>();
        foreach (var cut in stale)
        {
            var at = earlier.BinarySearch(cut);
            if ((at < 0 ? ~at : at) - 1 is not (>= 0 and var before) || holding[earlier[before]] is not { } point) continue;
            var source = earlier[before];
            var (moment, then) = (MaturityTimeline.AsOf(cut), MaturityTimeline.AsOf(source));
            if (study.RevisionAsOf(then) is not { } revision || study.RevisionAsOf(moment)?.Version != revision.Version) continue;
            if (!unchangedUntil.TryGetValue(source, out var until)) unchangedUntil[source] = until = await UnchangedAfterCutAsync(session, study, records, source, ct);
            if (until > moment) taken.Add((cut, point with { DataCut = cut }));
        }
        return taken;
    }

    /// <summary>
    /// When the first entry of the study recorded after <paramref name="cut"/>'s moment was recorded (the latest moment
    /// when none was), if every patient's record at that moment has no clinical date after the cut; else null. From the
    /// whole records' dates, reading only the charts of patients with entries on both sides of the moment (or no whole
    /// record to tell): more than <see cref="PlacedOneByOne"/> of them is not worth it, and also null.
    /// </summary>
    private static async Task<DateTimeOffset?> UnchangedAfterCutAsync(IQuerySession session, Study study, Snapshot records, DateOnly cut, CancellationToken ct)
    {
        var moment = MaturityTimeline.AsOf(cut);
        var next = DateTimeOffset.MaxValue.UtcTicks;
        var read = new List<Guid>();
        foreach (var (id, patient) in records.ByPatient)
        {
            var record = patient.Record;
            if (patient.Outcome is null) read.Add(id);
            else if (record.FirstRecorded > moment.UtcTicks) next = Math.Min(next, record.FirstRecorded);
            else if (record.LastRecorded > moment.UtcTicks) read.Add(id);
            else if (record.Latest > cut) return null;
            if (read.Count > PlacedOneByOne) return null;
        }
        if (read.Count > 0)
        {
            var charts = await session.LoadManyAsync<PatientChart>(ct, read);
            if (charts.Count != read.Count) return null;
            foreach (var chart in charts)
            {
                if (chart.StudyId != study.Id) return null;
                foreach (var entry in chart.Entries)
                    if (entry.RecordedAt > moment) next = Math.Min(next, entry.RecordedAt.UtcTicks);
                if (chart.Timeline(moment) is { } timeline && WholeRecord.LatestOf(timeline) > cut) return null;
            }
        }
        return new DateTimeOffset(next, TimeSpan.Zero);
    }

    private readonly ConcurrentDictionary<(Guid Study, string Question, (int Months, int Days) Step), IReadOnlyList<MaturityPoint>> _maturityAnswers = new();

    /// <summary>Each study's cuts' patients from its last pass over every chart, with the high-water mark they were read at: one per study.</summary>
    private readonly ConcurrentDictionary<Guid, (MaturityTimeline.CutPatients Patients, long Mark)> _cutPatients = new();

    // One pass over a study's charts at a time: a question asked while another's pass runs waits for it and compares from what it read.
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _chartPasses = new();

    private long _maturityChartPasses;

    private const int ChartPassParts = 2;

    /// <summary>How many times maturity read every chart of a study: for tests.</summary>
    public long MaturityChartPasses => Interlocked.Read(ref _maturityChartPasses);

    private long _maturityPatches;

    /// <summary>How many times maturity's kept cuts' patients were patched with the patients written since (not read from every chart): for tests.</summary>
    public long MaturityPatches => Interlocked.Read(ref _maturityPatches);

    /// <summary>
    /// The most patients read again in place of a pass's own before every chart is read again instead: a tenth of the
    /// study, at least a thousand (docs/performance.md, "Maturity after a backdated entry").
    /// </summary>
    private static int PatientsPatchedAtMost(int passPatients) => Math.Max(1_000, passPatients / 10);

    /// <summary>The bytes of the cuts' patients kept between maturity questions (one set per study).</summary>
    public long MaturityBytesKept => _cutPatients.Values.Sum(k => k.Patients.Bytes);

    /// <summary>
    /// The cuts' patients that compare the <paramref name="stale"/> cuts on <paramref name="endpoint"/>, and which of them
    /// they serve: those kept from the study's last pass, when they hold the endpoint and serve all but at most
    /// <see cref="CutsRecomputedFromSets"/> (a cut is served while no event recorded at or before its moment arrived
    /// since they were read, as a kept point), or else patched: the patients with events since read again in place of
    /// theirs, while they are few and the protocol is the one read under; else every chart is read again, at every day of <paramref name="days"/>,
    /// for every time-to-event endpoint of the catalogue (the protocol's first), so another arm pair, endpoint or step is only compared.
    /// </summary>
    private async Task<(MaturityTimeline.CutPatients Patients, List<DateOnly> Served, bool Read)> CutPatientsAsync(IQuerySession session, Study study, string endpoint,
        IReadOnlyList<DateOnly> days, List<DateOnly> stale, long mark, CancellationToken ct)
    {
        var pass = _chartPasses.GetOrAdd(study.Id, _ => new SemaphoreSlim(1, 1));
        await pass.WaitAsync(ct);
        try
        {
            if (_cutPatients.TryGetValue(study.Id, out var kept) && kept.Patients.Endpoints.Contains(endpoint))
            {
                var changedFrom = await EarliestRecordedAboveAsync(session, kept.Mark, ct);
                var served = stale.Where(c => kept.Patients.Has(c) && (changedFrom is not { } t || t > MaturityTimeline.AsOf(c))).ToList();
                if (stale.Count - served.Count <= CutsRecomputedFromSets) return (kept.Patients, served, false);
                // Entries recorded back then (a simulated calendar, as the demo loader's, or a clock set back; imports record now):
                // the patients written since are read again, at every day, in place of theirs.
                if (kept.Patients.ReadUnder(study) && stale.Count(c => !kept.Patients.Has(c)) <= CutsRecomputedFromSets)
                {
                    var changed = await StreamsWithEventsAboveAsync(session, kept.Mark, ct);
                    if (kept.Patients.Replaced + changed.Count <= PatientsPatchedAtMost(kept.Patients.PassPatients))
                    {
                        var patched = await kept.Patients.PatchedAsync(changed, (only, add, token) => RecordedCharts.ReadAsync(session, study.Id, only, add, token), ct);
                        Interlocked.Increment(ref _maturityPatches);
                        _cutPatients[study.Id] = (patched, mark);
                        Evict();
                        return (patched, stale.Where(patched.Has).ToList(), false);
                    }
                }
            }
            // Dropped before the new ones are read, so both are never held.
            _cutPatients.TryRemove(study.Id, out _);
            // The protocol's first, then every other the catalogue defines: a question on any endpoint the API accepts is then compared, not read.
            var endpoints = study.Protocol.Endpoints.Select(EndpointCatalogue.Find).OfType<EndpointDefinition>()
                .Where(e => e.Kind == EndpointKind.TimeToEvent).Select(e => e.Code).Append(endpoint).Concat(EndpointCatalogue.TimeToEventCodes);
            // In two parts read side by side, so that reading and deriving the charts takes both cores.
            var patients = await MaturityTimeline.CutPatients.ReadAsync((part, parts, add, token) => RecordedCharts.ReadAsync(session, study.Id, part, parts, add, token),
                ChartPassParts, study, endpoints, days, ct);
            Interlocked.Increment(ref _maturityChartPasses);
            _cutPatients[study.Id] = (patients, mark);
            // Counted in the sets' budget: the least recently used sets and answers make room for them.
            Evict();
            return (patients, stale, true);
        }
        finally
        {
            pass.Release();
        }
    }

    private async Task<StudyViewScope> ScopeAsync(IQuerySession session, Study study, ScopeKey key, CancellationToken ct)
    {
        var (entry, kept) = await KeptAsync(session, study, key, ct);
        // The same scope while neither the outcomes nor the protocol changed, so answers kept beside it stay valid.
        if (kept.Scope is { } scope && scope.Study.ProtocolVersion == study.ProtocolVersion && scope.Study.Revisions.Count == study.Revisions.Count) return scope;
        scope = new StudyViewScope(study, kept.Outcomes, key.AsOf, key.DataCut);
        entry.Snapshot = kept with { Scope = scope };
        return scope;
    }

    /// <summary>The set of <paramref name="key"/> brought to the store's position, and the entry it is kept in.</summary>
    private async Task<(Entry Entry, Snapshot Kept)> KeptAsync(IQuerySession session, Study study, ScopeKey key, CancellationToken ct)
    {
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        entry.LastUsed = Interlocked.Increment(ref _clock);
        var progression = key.FromCharts ? SafeMark : CurrentRows;
        var kept = entry.Snapshot;
        var read = await ReadMarkAsync(session, progression, kept?.Mark, ct);
        if (kept is null || !Reusable(kept, read, key, study) || kept.Mark != read.Mark || (key.FromCharts && read.EventsAbove))
        {
            await entry.Refreshing.WaitAsync(ct);
            try
            {
                kept = entry.Snapshot;
                read = await ReadMarkAsync(session, progression, kept?.Mark, ct);
                var reusable = kept is not null && Reusable(kept, read, key, study) ? kept : null;
                // Brought to the store's position first (and so used last), so making room for this set drops others before it.
                var whole = reusable is null ? await WholeRecordsAsync(session, study, key, ct) : null;
                var nearer = reusable is null ? await NearerMomentAsync(session, study, key, whole, read, ct) : null;
                // A set read from scratch is about as large as the study's others: room is made first, so the old sets are not all still held while it is read.
                var expected = StudyPatientsKept(study.Id);
                // Taken from a kept set (the whole records' or another moment's), it holds little of its own.
                var taken = whole is not null || nearer is not null;
                var dropped = reusable is null ? Evict(entry, expected * (taken ? BytesPerSharedPatient : BytesPerPatient)) : 0;
                if (CompactedBeforeRead(taken, dropped)) CollectAfter(dropped);
                (kept, var derived) = nearer is { } moment
                    ? await TakenAsync(session, study, key, moment.Set, moment.Key, moment.Changed, whole ?? moment.Set, read.Mark, ct)
                    : whole is not null
                    ? await TakenAsync(session, study, key, whole, null, [], whole, read.Mark, ct)
                    : (await RefreshAsync(session, study, key, reusable, read.Mark, (int)expected, ct), reusable is null ? int.MaxValue : 0);
                entry.Snapshot = kept;
                if (key is { FromCharts: true, AsOf: null, DataCut: null }) _spans[study.Id] = new RecordingSpan(kept.FirstRecorded, kept.LastRecorded, kept.Mark);
                // Only what was derived, and the sets dropped for a set taken from a kept set, left garbage behind.
                // Such a set left little beyond what the young generations' collections took back, so a background collection
                // frees the rest without holding the answer (a blocking compacting one took 0.13–0.26 s of a new moment's 0.75 s at 100 000 patients).
                if (reusable is null && !taken) CollectAfter(Math.Min(derived, kept.Outcomes.Count));
                else if (reusable is null && derived + dropped >= PatientsCollectedAfter) GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false);
            }
            finally
            {
                entry.Refreshing.Release();
            }
            Evict();
        }
        return (entry, kept);
    }

    /// <summary>
    /// For a set at a moment or data cut, the study's set derived from its patients' whole records now (the
    /// <c>consistent=true</c> set, which the warm-up keeps) brought forward, when it is kept and the protocol in force at
    /// the moment is the one in force now; else null. Not read for the purpose: with its patients to derive on top, a
    /// first moment would cost more than reading every chart at that moment.
    /// </summary>
    private async Task<Snapshot?> WholeRecordsAsync(IQuerySession session, Study study, ScopeKey key, CancellationToken ct)
    {
        if (!key.FromCharts || key is { AsOf: null, DataCut: null }) return null;
        var wholeKey = new ScopeKey(study.Id, true, null, null);
        if (!_entries.TryGetValue(wholeKey, out var whole) || whole.Snapshot?.ProtocolVersion != study.ProtocolVersion) return null;
        if (await session.LoadAsync<Study>(study.Id, ct) is not { } current || current.ProtocolVersion != study.ProtocolVersion) return null;
        return (await KeptAsync(session, current, wholeKey, ct)).Kept;
    }

    /// <summary>
    /// For a set at a moment (<paramref name="key"/>'s), a kept set at another moment and the same cut, under the same
    /// protocol, that leaves fewer patients to derive than the whole records' set <paramref name="whole"/> (when kept),
    /// with the patients whose streams have events since its mark (derived again, as bringing it forward would); else
    /// null. Between two moments only the patients with an entry recorded between them can differ: an auditor moving the
    /// moment field, or a question after another at a nearby moment, derives those, not every patient still being written
    /// at the moment (57–84 % of the demo's at 2021–2022 moments). Not brought forward under its own lock: two sets taken
    /// from each other would wait on each other.
    /// </summary>
    private async Task<(Snapshot Set, ScopeKey Key, IReadOnlyCollection<Guid> Changed)?> NearerMomentAsync(IQuerySession session, Study study, ScopeKey key,
        Snapshot? whole, MarkRead read, CancellationToken ct)
    {
        if (key is not { FromCharts: true, AsOf: { } moment }) return null;
        var fewest = whole is null ? int.MaxValue : ToDerive(whole, null, key);
        (Snapshot Set, ScopeKey Key, Entry Entry)? nearest = null;
        foreach (var (other, entry) in _entries)
            if (other is { FromCharts: true } && other.StudyId == key.StudyId && other.DataCut == key.DataCut && other.AsOf != moment
                && (other.AsOf is not null || other.DataCut is not null) && entry.Snapshot is { } set && set.ProtocolVersion == study.ProtocolVersion
                && ToDerive(set, moment, key) is var count && count < fewest)
                (fewest, nearest) = (count, (set, other, entry));
        if (nearest is not { } chosen) return null;
        IReadOnlyCollection<Guid> changed = [];
        if (chosen.Set.Mark != read.Mark || read.EventsAbove)
        {
            if (!(await ReadMarkAsync(session, SafeMark, chosen.Set.Mark, ct)).Continues) return null;
            changed = await StreamsWithEventsAboveAsync(session, chosen.Set.Mark.Sequence, ct);
        }
        chosen.Entry.LastUsed = Interlocked.Increment(ref _clock);
        return (chosen.Set, chosen.Key, changed);
    }

    /// <summary>How many of <paramref name="source"/>'s patients a set at <paramref name="key"/> taken from it derives (<paramref name="moment"/>: the source's is another moment's set, else the whole records').</summary>
    private static int ToDerive(Snapshot source, DateTimeOffset? moment, ScopeKey key)
    {
        var count = 0;
        foreach (var patient in source.ByPatient.Values)
            if (moment is { } m ? !patient.Unchanged.Holds(m) : At(patient, key.AsOf, key.DataCut) == WholeRecordAt.FromChart) count++;
        return count;
    }

    /// <summary>
    /// The set at <paramref name="key"/>'s moment and cut from a kept set: from the whole records' set (<paramref name="sourceKey"/>
    /// null), a patient whose record the moment sees whole and the cut does not shorten keeps that outcome, one with no
    /// entry by then (or enrolled after the cut) is not in the set; from another moment's set at the same cut, a patient
    /// whose record is the same at both moments (<see cref="RecordSpan"/>) keeps that set's outcome, or absence. Only the
    /// patients between, and those with events since the source's mark (<paramref name="changed"/>), are derived from
    /// their charts — a moment or cut pays for the patients whose record was still being written then, or was written
    /// between the two moments, not for every chart. A patient derived takes the baseline values <paramref name="baselines"/>
    /// holds for the same record (the whole records' set when kept: it holds every patient enrolled since the source's moment too).
    /// Also returns how many were derived.
    /// </summary>
    private async Task<(Snapshot Kept, int Derived)> TakenAsync(IQuerySession session, Study study, ScopeKey key, Snapshot source, ScopeKey? sourceKey,
        IReadOnlyCollection<Guid> changed, Snapshot baselines, StoreMark mark, CancellationToken ct)
    {
        var byPatient = new Dictionary<Guid, KeptPatient>(source.ByPatient.Count + changed.Count);
        var wanted = changed.ToHashSet();
        var fromCharts = new List<Guid>(changed);
        // The outcomes taken that are the whole records' set's own objects, counted as that set's while it is kept (Bytes).
        var wholeOutcomes = sourceKey is not null && source.Shared > 0 && _entries.TryGetValue(key with { AsOf = null, DataCut = null }, out var wholeEntry)
            ? wholeEntry.Snapshot?.ByPatient : null;
        var (shared, sharedWithSource) = (0, 0);
        foreach (var (id, patient) in source.ByPatient)
        {
            if (wanted.Contains(id)) continue;
            KeptPatient? taken = sourceKey is null ? TakenWhole(patient, key.AsOf, key.DataCut) : patient.Unchanged.Holds(key.AsOf!.Value) ? patient : null;
            if (taken is not { } kept)
            {
                fromCharts.Add(id);
                wanted.Add(id);
                continue;
            }
            byPatient[id] = kept;
            if (kept.Outcome is null) continue;
            if (sourceKey is null || (wholeOutcomes is not null && wholeOutcomes.TryGetValue(id, out var inWhole) && ReferenceEquals(inWhole.Outcome, kept.Outcome))) shared++;
            else sharedWithSource++;
        }
        var (first, last) = (source.FirstRecorded, source.LastRecorded);
        if (fromCharts.Count > 0)
        {
            // Streamed, as a set read from scratch is: only the derived outcomes are kept, never the charts. The query
            // names the fewer of the patients to derive and those taken or left out, so none of the latter is sent
            // and read (a query naming 90 000 of 100 000 patients to read cost more than reading them all).
            var (only, except) = fromCharts.Count <= source.ByPatient.Count / 2 ? (fromCharts.ToArray(), null)
                : byPatient.Count > 0 ? ((Guid[]?)null, byPatient.Keys.ToArray())
                : (null, null);
            // Read once and derived on both cores: two parts read side by side, each scanning the study's rows against the list,
            // cost PostgreSQL 0.17 s more and the sets' threads as much again in collections (0.64 against 0.54 s in one part).
            (first, last) = await DeriveOnThreadsAsync(session, study, key, only, except, wanted, baselines, byPatient, first, last, ct);
        }
        Interlocked.Add(ref _momentPatientsDerived, fromCharts.Count);
        // Patients the source set leaves out (or never read) whom this one holds: not in its order.
        var added = new List<PatientOutcome>();
        if (sourceKey is not null)
            foreach (var id in wanted)
                if (byPatient.TryGetValue(id, out var now) && now.Outcome is { } outcome && !(source.ByPatient.TryGetValue(id, out var then) && then.Outcome is not null))
                    added.Add(outcome);
        return (InSourceOrder(mark, study, source, byPatient, added, first, last, shared) with { Source = sourceKey, SharedWithSource = sharedWithSource }, fromCharts.Count);
    }

    /// <summary>
    /// A set taken from another, in subject-code order without every patient sorted again (a sort of 100 000 outcomes by
    /// subject code took ~0.17 s): in the source set's order, the derived ones and those it leaves out (<paramref name="added"/>)
    /// merged in (<see cref="SubjectOrder.Following"/>).
    /// </summary>
    private static Snapshot InSourceOrder(StoreMark mark, Study study, Snapshot source, Dictionary<Guid, KeptPatient> byPatient, List<PatientOutcome> added,
        DateTimeOffset? first, DateTimeOffset? last, int shared)
    {
        var inSet = 0;
        foreach (var patient in byPatient.Values)
            if (patient.Outcome is not null) inSet++;
        var outcomes = SubjectOrder.Following(source.Outcomes, id => byPatient.TryGetValue(id, out var patient) ? patient.Outcome : null, inSet, added);
        return new Snapshot(mark, study.ProtocolVersion, byPatient, outcomes, null, first, last, shared);
    }

    /// <summary>
    /// Whether a kept set can be brought forward rather than read again: the store still holds the events it saw, and
    /// (derived from the charts) the protocol it was derived under is still the one in force at its moment.
    /// </summary>
    private static bool Reusable(Snapshot kept, MarkRead read, ScopeKey key, Study study) =>
        read.Continues && (!key.FromCharts || kept.ProtocolVersion == study.ProtocolVersion);

    /// <summary>
    /// The set brought to <paramref name="mark"/>: from scratch without <paramref name="kept"/>, else only the patients
    /// with events after the kept mark (a chart-derived set: also those above the new mark, not yet safe to keep).
    /// </summary>
    private async Task<Snapshot> RefreshAsync(IQuerySession session, Study study, ScopeKey key, Snapshot? kept, StoreMark mark, int expectedPatients, CancellationToken ct)
    {
        Dictionary<Guid, KeptPatient> byPatient;
        var (first, last) = (kept?.FirstRecorded, kept?.LastRecorded);
        var movedCount = 0;
        HashSet<Guid>? movedIds = null;
        if (kept is null)
        {
            // Sized for the study's other sets, so a large set is not grown (and its outgrown tables dropped) a doubling at a time.
            byPatient = new Dictionary<Guid, KeptPatient>(expectedPatients);
            if (key.FromCharts)
            {
                (first, last) = await DeriveAsync(session, study, key, byPatient, first, last, ct);
            }
            else
            {
                await foreach (var row in session.Query<PatientOutcomeRow>().Where(r => r.StudyId == study.Id).ToAsyncEnumerable(ct))
                    byPatient[row.Id] = new KeptPatient(_parts.Share(row.Outcome), row.Version);
            }
        }
        else
        {
            var changed = await StreamsWithEventsAboveAsync(session, kept.Mark.Sequence, ct);
            if (changed.Count == 0) return kept.Mark == mark ? kept : kept with { Mark = mark };
            // Only patients whose record moved on since it was read are read again (one above the mark is met on every request until the mark passes it).
            var records = key.FromCharts
                ? (await session.LoadManyAsync<PatientChart>(ct, changed)).Select(c => (c.Id, c.StudyId, c.Version, Chart: (PatientChart?)c, Row: (PatientOutcomeRow?)null))
                : (await session.LoadManyAsync<PatientOutcomeRow>(ct, changed)).Select(r => (r.Id, r.StudyId, r.Version, Chart: (PatientChart?)null, Row: (PatientOutcomeRow?)r));
            var found = records.ToDictionary(r => r.Id);
            var moved = changed.Where(id => found.TryGetValue(id, out var r)
                ? r.StudyId == study.Id ? !kept.ByPatient.TryGetValue(id, out var p) || p.Version != r.Version : kept.ByPatient.ContainsKey(id)
                : kept.ByPatient.ContainsKey(id)).ToList();
            if (moved.Count == 0) return kept with { Mark = mark };
            movedCount = moved.Count;
            movedIds = moved.ToHashSet();
            byPatient = new Dictionary<Guid, KeptPatient>(kept.ByPatient);
            foreach (var id in moved)
            {
                byPatient.Remove(id);
                if (!found.TryGetValue(id, out var record) || record.StudyId != study.Id) continue;
                if (record.Chart is { } chart) byPatient[id] = Derive(chart.Recorded().AsOf(key.AsOf, []), study, key, baselines: null, ref first, ref last, ct);
                else byPatient[id] = new KeptPatient(_parts.Share(record.Row!.Outcome), record.Row.Version);
            }
        }
        // Each patient read again holds an outcome of its own now; counting every one as if it had been shared errs towards dropping sets sooner.
        var shared = Math.Max(0, (kept?.Shared ?? 0) - movedCount);
        var sharedWithSource = Math.Max(0, (kept?.SharedWithSource ?? 0) - movedCount);
        return (kept is not null && movedCount <= PlacedOneByOne
            ? new Snapshot(mark, study.ProtocolVersion, byPatient, Placed(kept, byPatient, movedIds!), null, first, last, shared)
            : InSubjectOrder(mark, study, byPatient, first, last, shared)) with { Source = kept?.Source, SharedWithSource = sharedWithSource };
    }

    /// <summary>Patients read again up to which each is placed in the kept order by a binary search rather than every patient sorted again.</summary>
    private const int PlacedOneByOne = 256;

    private static Snapshot InSubjectOrder(StoreMark mark, Study study, Dictionary<Guid, KeptPatient> byPatient, DateTimeOffset? first, DateTimeOffset? last, int shared)
    {
        var outcomes = byPatient.Values.Select(p => p.Outcome).OfType<PatientOutcome>().Order(SubjectOrder.Outcomes).ToList();
        return new Snapshot(mark, study.ProtocolVersion, byPatient, outcomes, null, first, last, shared);
    }

    /// <summary>
    /// The kept outcomes, in subject-code order, without the patients read again and with their new outcomes placed:
    /// the order a sort of every patient gives, for a few patients' work instead of 100 000's (~0.1 s a write). Each
    /// old outcome is found by a binary search in the same order, and the kept ones between are copied as runs.
    /// </summary>
    private static List<PatientOutcome> Placed(Snapshot kept, Dictionary<Guid, KeptPatient> byPatient, HashSet<Guid> moved)
    {
        var before = kept.Outcomes;
        var cut = new List<int>(moved.Count);
        foreach (var id in moved)
            if (kept.ByPatient.TryGetValue(id, out var patient) && patient.Outcome is { } outcome)
                cut.Add(before.BinarySearch(outcome, SubjectOrder.Outcomes) is var at and >= 0 && ReferenceEquals(before[at], outcome)
                    ? at : throw new InvalidOperationException($"Patient {id}'s kept outcome is not where the kept order places it."));
        cut.Sort();
        var outcomes = new List<PatientOutcome>(before.Count + moved.Count);
        var from = 0;
        foreach (var at in cut)
        {
            outcomes.AddRange(CollectionsMarshal.AsSpan(before)[from..at]);
            from = at + 1;
        }
        outcomes.AddRange(CollectionsMarshal.AsSpan(before)[from..]);
        foreach (var id in moved)
            if (byPatient.TryGetValue(id, out var patient) && patient.Outcome is { } outcome)
            {
                var at = outcomes.BinarySearch(outcome, SubjectOrder.Outcomes);
                outcomes.Insert(at < 0 ? ~at : at, outcome);
            }
        return outcomes;
    }

    /// <summary>
    /// Parts a set read from every chart of the study is read and derived in, side by side: the whole records' set the
    /// warm-up reads took 2.0 s instead of 2.4–2.6 s at 100 000 patients, the other core no longer idle. Read once and
    /// derived on two threads instead (<see cref="DeriveOnThreadsAsync"/>), it was kept as soon, but maturity's pass that
    /// follows it at start took 3.0–3.5 s instead of 2.0–2.1 s (twenty-fifth round).
    /// </summary>
    private const int WholeStudyParts = 2;

    /// <summary>
    /// Derives every chart of the study into <paramref name="byPatient"/>, read and derived in <see cref="WholeStudyParts"/>
    /// parts side by side; returns the first and last recorded-at met, widened from those given.
    /// Streamed: only the derived outcomes are kept, never every chart at once.
    /// </summary>
    private async Task<(DateTimeOffset? First, DateTimeOffset? Last)> DeriveAsync(IQuerySession session, Study study, ScopeKey key,
        Dictionary<Guid, KeptPatient> byPatient, DateTimeOffset? first, DateTimeOffset? last, CancellationToken ct)
    {
        var parts = await Task.WhenAll(Enumerable.Range(0, WholeStudyParts).Select(part => Task.Run(async () =>
        {
            var (partFirst, partLast) = ((DateTimeOffset?)null, (DateTimeOffset?)null);
            await foreach (var chart in RecordedCharts.AtAsync(session, study.Id, key.AsOf, part, WholeStudyParts, ct))
            {
                var patient = Derive(chart, study, key, baselines: null, ref partFirst, ref partLast, ct);
                // Straight into the set, sized for it already: a list per part would be grown, and its outgrown arrays left to a full collection.
                lock (byPatient) byPatient[chart.Id] = patient;
            }
            return (First: partFirst, Last: partLast);
        }, ct)));
        return Widened(parts, first, last);
    }

    /// <summary><paramref name="first"/> and <paramref name="last"/> widened by the recorded-at spans of <paramref name="parts"/>.</summary>
    private static (DateTimeOffset? First, DateTimeOffset? Last) Widened((DateTimeOffset? First, DateTimeOffset? Last)[] parts, DateTimeOffset? first, DateTimeOffset? last)
    {
        foreach (var part in parts)
        {
            if (part.First is { } partFirst && (first is null || partFirst < first)) first = partFirst;
            if (part.Last is { } partLast && (last is null || partLast > last)) last = partLast;
        }
        return (first, last);
    }

    /// <summary>Threads a set at a moment or cut derives its patients on (the reading one among them): both cores.</summary>
    private const int DerivingThreads = 2;

    /// <summary>
    /// Derives the charts of <paramref name="wanted"/> (of those the query names by <paramref name="only"/> or
    /// <paramref name="except"/>) into <paramref name="byPatient"/>: read once (<see cref="RecordedCharts.ReadOnThreadsAsync"/>),
    /// derived on <see cref="DerivingThreads"/> threads, a patient whose record <paramref name="baselines"/> (a kept set)
    /// was derived from taking the baseline values it holds; returns the first and last recorded-at met, widened from those given.
    /// Streamed: only the derived outcomes are kept, never every chart at once.
    /// </summary>
    private async Task<(DateTimeOffset? First, DateTimeOffset? Last)> DeriveOnThreadsAsync(IQuerySession session, Study study, ScopeKey key, Guid[]? only,
        Guid[]? except, HashSet<Guid> wanted, Snapshot baselines, Dictionary<Guid, KeptPatient> byPatient, DateTimeOffset? first, DateTimeOffset? last,
        CancellationToken ct)
    {
        var spans = new (DateTimeOffset? First, DateTimeOffset? Last)[DerivingThreads];
        // A record a kept set was derived from at the same version has the baseline values that set holds, already
        // shared: not decoded and shared again (unless an entry corrects its enrolment, so its values are the enrolment's
        // at every moment). Both steps optimized at once, as RecordedCharts.ReadOnThreadsAsync's own are: a set at a moment is their first use after a start.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        bool BaselineKept(Guid id, long version) => baselines.ByPatient.TryGetValue(id, out var kept) && kept.Version == version && kept.Outcome is not null;
        await RecordedCharts.ReadOnThreadsAsync(session, study.Id, only, except, wanted.Contains, BaselineKept, key.AsOf, DerivingThreads,
            [MethodImpl(MethodImplOptions.AggressiveOptimization)] (thread, chart) =>
        {
            var patient = Derive(chart, study, key, baselines, ref spans[thread].First, ref spans[thread].Last, ct);
            // Straight into the set, sized for it already: a list per thread would be grown, and its outgrown arrays left to a full collection.
            lock (byPatient) byPatient[chart.Id] = patient;
        }, ct);
        return Widened(spans, first, last);
    }

    /// <summary>
    /// A chart at a set's moment as the set keeps its patient, every entry's recorded-at widening <paramref name="first"/>
    /// and <paramref name="last"/>; read without its baseline values, the patient takes those <paramref name="baselines"/> (a kept set) holds.
    /// The whole records' set (no moment, no cut) keeps where each record begins and ends beside it; every set, the moments its record is the same over.
    /// </summary>
    private KeptPatient Derive(ChartAsOf chart, Study study, ScopeKey key, Snapshot? baselines, ref DateTimeOffset? first, ref DateTimeOffset? last, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (first is null || chart.FirstRecorded < first) first = chart.FirstRecorded;
        if (last is null || chart.LastRecorded > last) last = chart.LastRecorded;
        // Without where the times end: sharing drops it (SharedOutcomeParts.Share).
        if (StudyViewLoader.Patient(chart.Timeline(), study, key.DataCut, ends: false) is not { } p) return new KeptPatient(null, chart.Version, Unchanged: chart.Unchanged);
        var baseline = chart.WithoutBaseline ? baselines!.ByPatient[chart.Id].Outcome!.Baseline : null;
        return new KeptPatient(_parts.Share(p.Outcome, baseline), chart.Version,
            key is { FromCharts: true, AsOf: null, DataCut: null } ? WholeRecord.Of(chart, p.Timeline) : default, chart.Unchanged);
    }

    /// <summary>Patients dropped, or read from scratch, at once from which the heap is collected then (about 16 MB of kept outcomes).</summary>
    public const int PatientsCollectedAfter = 25_000;

    /// <summary>
    /// A full compacting collection once large sets were dropped (before a set is read from scratch, so it fills their
    /// room) and once a large set or answer was read (its leftovers returned to the system at once). Left to the GC, both
    /// stay resident until a later gen2 collection, and the one that comes runs in the middle of the next requests.
    /// </summary>
    public static void CollectAfter(long patients)
    {
        if (patients < PatientsCollectedAfter) return;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>
    /// Whether the sets dropped to make room for a new set are compacted away before it is read: only for a set read from
    /// scratch, which fills their room. A set taken from a kept set (the whole records' or a moment's) leaves them to the background collection
    /// after its read: compacted first, the moment's set the third new set in a row dropped (64 283 patients) cost it
    /// ~0.3 s of 1.0 s at 100 000 patients (docs/performance.md, "The third new set's collection, twenty-seventh round").
    /// </summary>
    internal static bool CompactedBeforeRead(bool takenFromKeptSet, long dropped) => !takenFromKeptSet && dropped >= PatientsCollectedAfter;

    /// <summary>
    /// Drops the least recently used sets and answers while they, with maturity's kept cuts' patients, hold more than
    /// <see cref="MaximumBytesKept"/>; the one just used stays.
    /// </summary>
    private void Evict() => Evict(null, 0);

    /// <summary>
    /// Drops sets and answers but <paramref name="reading"/> (and the one just used) until <paramref name="room"/> more bytes fit:
    /// the least recently used kept answers first, then moments' and cuts' sets, then the studies' current and whole records'
    /// sets (<see cref="DroppedInTurn"/>); returns the patients dropped.
    /// </summary>
    private long Evict(Entry? reading, long room)
    {
        var sets = _entries.Where(s => s.Value != reading).Select(s => (s.Value.LastUsed, Set: (ScopeKey?)s.Key, Answer: (AnswerKey?)null));
        var answers = _answers.Select(a => (a.Value.LastUsed, Set: (ScopeKey?)null, Answer: (AnswerKey?)a.Key));
        var dropped = 0L;
        // Ordered again by cost, least recently used first within each (a stable order): the one just used stays whatever it is.
        var candidates = sets.Concat(answers).OrderBy(k => k.LastUsed).SkipLast(reading is null ? 1 : 0).OrderBy(k => DroppedInTurn(k.Set));
        foreach (var (_, set, answer) in candidates.ToArray())
        {
            // Summed again after each drop: dropping a whole records' set makes the sets taken from it own their outcomes.
            if (_entries.Where(s => s.Value != reading).Sum(s => Bytes(s.Key, s.Value)) + AnswerBytesKept + MaturityBytesKept + room <= MaximumBytesKept) break;
            if (set is { } key && _entries.TryRemove(key, out var entry)) dropped += entry.Snapshot?.Outcomes.Count ?? 0;
            // An answer's bytes are a few large arrays: no patients to collect after.
            else if (answer is { } kept) _answers.TryRemove(kept, out _);
        }
        return dropped;
    }

    /// <summary>
    /// Whether the set is a study's current or whole records' set: read again, either costs every patient's row or chart
    /// (1–2 s at 100 000 patients), where a moment's or cut's set is taken from the whole records' set (~0.5 s) and its
    /// answers computed from that set. Dropping the whole records' set also makes the sets taken from it own their outcomes.
    /// </summary>
    private static bool ReadAgainFromScratch(ScopeKey key) => key is { AsOf: null, DataCut: null };

    /// <summary>
    /// The turn in which a kept answer (no set), a moment's or cut's set, and a study's current or whole records' set
    /// (<see cref="ReadAgainFromScratch"/>) are dropped. An answer (an analysis dataset, 3–5 s to write again at 100 000
    /// patients) goes before a moment's set (~0.5 s): a file is downloaded once, where a moment's views are asked in
    /// turn, and the whole view list's datasets otherwise pushed out the moment's and cut's sets the plots asked next.
    /// </summary>
    private static int DroppedInTurn(ScopeKey? set) => set is not { } key ? 0 : ReadAgainFromScratch(key) ? 2 : 1;

    /// <summary>The most patients a kept set of the study holds (0 when none is kept).</summary>
    private long StudyPatientsKept(Guid studyId) =>
        _entries.Where(e => e.Key.StudyId == studyId).Select(e => (long)(e.Value.Snapshot?.Outcomes.Count ?? 0)).DefaultIfEmpty(0).Max();

    /// <summary>What a set holds: its outcomes, those it takes from a kept whole records' set or kept source set at the cost of an entry only.</summary>
    private long Bytes(ScopeKey key, Entry entry)
    {
        if (entry.Snapshot is not { } kept) return 0;
        var shared = kept.Shared > 0 && _entries.TryGetValue(key with { AsOf = null, DataCut = null }, out var whole) && whole.Snapshot is not null ? kept.Shared : 0;
        if (kept.SharedWithSource > 0 && kept.Source is { } source && _entries.TryGetValue(source, out var from) && from.Snapshot is not null) shared += kept.SharedWithSource;
        return (long)(kept.Outcomes.Count - shared) * BytesPerPatient + (long)shared * BytesPerSharedPatient;
    }

    /// <summary>
    /// The furthest of the named progressions' positions, in one query: whether the event at <paramref name="kept"/>'s sequence is
    /// still the one it recorded (not after the store was emptied or rebuilt beneath it, nor when it moved backwards),
    /// and whether any event lies above the position (committed or not yet safe to keep).
    /// </summary>
    private static async Task<MarkRead> ReadMarkAsync(IQuerySession session, string[] progressions, StoreMark? kept, CancellationToken ct)
    {
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        var rows = await session.AdvancedSql.QueryAsync<MarkRow>(
            $"select jsonb_build_object('sequence', p.seq, 'eventId', (select e.id from {schema}.mt_events e where e.seq_id = p.seq), " +
            $"'keptEventId', (select e.id from {schema}.mt_events e where e.seq_id = ?), " +
            // max(), not exists(... > seq): the planner may scan the whole table from its start looking for a later event.
            $"'lastSequence', (select max(e.seq_id) from {schema}.mt_events e)) " +
            $"from (select coalesce((select max(last_seq_id) from {schema}.mt_event_progression where name = any(?)), 0) as seq) p",
            ct, kept?.Sequence ?? 0, progressions);
        var row = rows.Single();
        var continues = kept is { } k && k.Sequence <= row.Sequence && k.EventId == row.KeptEventId;
        return new MarkRead(new StoreMark(row.Sequence, row.EventId), continues, row.LastSequence > row.Sequence);
    }

    private sealed record MarkRow(long Sequence, Guid? EventId, Guid? KeptEventId, long? LastSequence);

    private readonly record struct MarkRead(StoreMark Mark, bool Continues, bool EventsAbove);

    /// <summary>The earliest recorded-at of the events after <paramref name="sequence"/>, any stream (null when none).</summary>
    private static async Task<DateTimeOffset?> EarliestRecordedAboveAsync(IQuerySession session, long sequence, CancellationToken ct)
    {
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        return (await session.AdvancedSql.QueryAsync<EarliestRow>(
            $"select jsonb_build_object('at', min(timestamp)) from {schema}.mt_events where {EventsAbove(schema)}", ct, sequence)).Single().At;
    }

    private sealed record EarliestRow(DateTimeOffset? At);

    private static async Task<IReadOnlyList<Guid>> StreamsWithEventsAboveAsync(IQuerySession session, long sequence, CancellationToken ct) =>
        await session.AdvancedSql.QueryAsync<Guid>(StreamsWithEventsAboveSql(session.DocumentStore.Options.Events.DatabaseSchemaName), ct, sequence);

    /// <summary>The streams with events after the sequence given as its one parameter (<c>?</c>).</summary>
    public static string StreamsWithEventsAboveSql(string schema) => $"select distinct stream_id from {schema}.mt_events where {EventsAbove(schema)}";

    /// <summary>
    /// The events after the sequence given as <c>?</c>, bounded above by the newest too: without statistics on the events
    /// (after a bulk load, until autovacuum has analyzed them) an open range is taken for a third of the table and scanned
    /// whole (~0.25 s at 1.6 M events), a closed one for a small range read through the sequence's index. The same rows.
    /// </summary>
    private static string EventsAbove(string schema) => $"seq_id > ? and seq_id <= (select max(seq_id) from {schema}.mt_events)";
}
