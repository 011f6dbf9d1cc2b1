using System.Text.RegularExpressions;
using Registry.Analytics.Comparisons;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Projections.Patients;

namespace Registry.Projections.StudyViews;

public sealed record MaturityPoint(DateOnly DataCut, int N, int Events, double? Hr, double? HrLower, double? HrUpper, double? P, double? LogRankP, string? NotEstimableReason);

public sealed record MaturityView(string Endpoint, string Arm, string Reference, string Every, IReadOnlyList<MaturityPoint> Cuts);

/// <summary>
/// The comparison recomputed at successive data cuts, each as the registry knew it at the end of that day
/// (asOf = cut, under the protocol then in force) with follow-up ending at the cut, so investigators see the estimate settle.
/// </summary>
public static partial class MaturityTimeline
{
    /// <summary>At most this many cuts per request: a finer step than the study's span allows is refused, not computed.</summary>
    public const int MaximumCuts = 120;

    public static IReadOnlyList<MaturityPoint> Compute(IReadOnlyList<PatientChart> charts, Study study, string endpoint,
        ArmGroup arm, ArmGroup reference, (int Months, int Days) step, CancellationToken ct = default) =>
        Compute(charts, study, endpoint, arm, reference, Cuts(charts, step).ToList(), ct).Select(p => p.Point).OfType<MaturityPoint>().ToList();

    /// <summary>
    /// The comparison at each of <paramref name="cuts"/>, each derived from the charts as the registry knew them then;
    /// cuts before the study was registered have no point. One pass over the charts, which may be streamed: each
    /// patient's arm, exclusion and time at each cut are all that is kept.
    /// </summary>
    public static IReadOnlyList<(DateOnly Cut, MaturityPoint? Point)> Compute(IEnumerable<PatientChart> charts, Study study, string endpoint,
        ArmGroup arm, ArmGroup reference, IReadOnlyList<DateOnly> cuts, CancellationToken ct = default)
    {
        var patients = new CutPatients(study, [endpoint], cuts);
        foreach (var chart in charts)
        {
            ct.ThrowIfCancellationRequested();
            patients.Add(chart);
        }
        return patients.Points(endpoint, arm, reference, cuts, ct);
    }

    /// <summary>
    /// Each cut's patients, as much of each as a comparison reads, for each of several endpoints, in ~3 bytes a patient
    /// and endpoint (<see cref="Changes"/>): the patient, and their arm, exclusion and time as an index into those held once, written at a cut only where
    /// it differs from the patient at the cut before — a patient is written at the cuts where their record changed, not
    /// at every cut (a study at 100 000 patients and 85 cuts held ≈ 100 MB, one per patient and cut). Read once from
    /// every chart, it answers any arm pair of its endpoints at any of its cuts with the comparisons alone; read-only
    /// once read, so questions may compare from it side by side.
    /// </summary>
    public sealed class CutPatients
    {
        private readonly string[] _endpoints;
        private readonly Study?[] _studies;
        // Per endpoint, per cut: the patients whose arm, exclusion or time at that endpoint changed there.
        private readonly Changes[][] _changes;
        private readonly List<Guid> _patientIds = [];
        private readonly Table<string> _texts = new();
        private readonly Table<TimeToEvent> _times = new();
        // Each distinct arm, exclusion and time a patient has at a cut, held once (tens of thousands, against millions of changes).
        private readonly List<(short Arm, short Excluded, int Time)> _outcomes = [];
        private readonly Dictionary<(short Arm, short Excluded, int Time), int> _outcomeIndexes = [];
        private readonly Dictionary<DateOnly, int> _cutIndexes;
        private readonly DateOnly[] _cuts;
        // The first cut the study was registered at, and after each cut the next under another protocol (the cuts' count when none).
        private readonly int _firstRegistered;
        private readonly int[] _nextProtocol;
        // The study as read: its revisions decide each cut's protocol.
        private readonly Study _study;
        // Patched cuts' patients (PatchedAsync): the layers a cut is counted from, the pass over every chart first, then
        // the patients read again at each patch, this one's last, each with the patients a later layer replaces (by the
        // index read at); and every patient read again since the pass. Null for the pass itself.
        private readonly (CutPatients Patients, bool[]? Skipped)[]? _layers;
        private readonly HashSet<Guid>? _replaced;

        public CutPatients(Study study, IEnumerable<string> endpoints, IReadOnlyList<DateOnly> cuts)
        {
            _study = study;
            _endpoints = endpoints.Distinct().ToArray();
            Cuts = cuts;
            _cuts = cuts.ToArray();
            for (var i = 1; i < _cuts.Length; i++)
                if (_cuts[i] <= _cuts[i - 1]) throw new ArgumentException("The cuts must ascend.", nameof(cuts));
            _studies = cuts.Select(c => study.AsOf(AsOf(c))).ToArray();
            _changes = _endpoints.Select(_ => cuts.Select(_ => new Changes()).ToArray()).ToArray();
            _cutIndexes = cuts.Select((c, i) => (c, i)).ToDictionary(c => c.c, c => c.i);
            _firstRegistered = Array.FindIndex(_studies, s => s is not null) is var first and >= 0 ? first : _cuts.Length;
            _nextProtocol = new int[_cuts.Length];
            for (var i = _cuts.Length - 1; i >= 0; i--)
                _nextProtocol[i] = i + 1 == _cuts.Length ? _cuts.Length
                    : ReferenceEquals(_studies[i + 1]?.Protocol, _studies[i]?.Protocol) ? _nextProtocol[i + 1] : i + 1;
        }

        /// <summary>
        /// Cuts' patients patching <paramref name="patched"/> (its cuts, endpoints and protocols) with the patients of
        /// <paramref name="read"/>, none read yet: its layers, each without those patients, then these. With
        /// <paramref name="fromPass"/>, the pass's alone, every patient replaced since read again in one layer.
        /// </summary>
        private CutPatients(CutPatients patched, HashSet<Guid> read, HashSet<Guid> replaced, bool fromPass) : this(patched)
        {
            _replaced = replaced;
            var layers = fromPass ? patched.Layers[..1] : patched.Layers;
            _layers = [.. layers.Select(l => (l.Patients, Skipping(l.Patients, l.Skipped, read))), (this, null)];
        }

        /// <summary>Cuts' patients at <paramref name="like"/>'s cuts, for its endpoints, under its protocols, none read yet.</summary>
        private CutPatients(CutPatients like)
        {
            (_study, _endpoints, Cuts, _cuts, _studies, _cutIndexes, _firstRegistered, _nextProtocol) =
                (like._study, like._endpoints, like.Cuts, like._cuts, like._studies, like._cutIndexes, like._firstRegistered, like._nextProtocol);
            _changes = _endpoints.Select(_ => _cuts.Select(_ => new Changes()).ToArray()).ToArray();
        }

        /// <summary>The patients of <paramref name="layer"/> skipped: those <paramref name="skipped"/> says and those of <paramref name="read"/> (the same array when none is).</summary>
        private static bool[]? Skipping(CutPatients layer, bool[]? skipped, HashSet<Guid> read)
        {
            var skipping = skipped;
            for (var patient = 0; patient < layer._patientIds.Count; patient++)
                if (skipping?[patient] != true && read.Contains(layer._patientIds[patient]))
                {
                    skipping ??= new bool[layer._patientIds.Count];
                    if (ReferenceEquals(skipping, skipped)) skipping = (bool[])skipped.Clone();
                    skipping[patient] = true;
                }
            return skipping;
        }

        /// <summary>Patients read again from which a patch reads them in two parts side by side.</summary>
        private const int PatchedInPartsFrom = 256;

        /// <summary>Patches kept as layers before every patient replaced is read again in one (each layer costs each cut's comparison a pass over its patients).</summary>
        private const int LayersAtMost = 8;

        /// <summary>
        /// These cuts' patients with those of <paramref name="changed"/> read again: each layer already counted (the
        /// pass over every chart, the patients of earlier patches) without them, and them as <paramref name="read"/> hands
        /// them now (their ids, then each one's entries to add; one not of the study any more is simply not handed).
        /// What a new pass gives at every cut, since a cut's comparison counts its patients per day in any order, for the
        /// work of the patients read. After <see cref="LayersAtMost"/> patches, every patient replaced since the pass is
        /// read again into one layer. These stay as they are: questions may still be comparing from them.
        /// </summary>
        public async Task<CutPatients> PatchedAsync(IEnumerable<Guid> changed, Func<Guid[], Action<Guid, RecordedEvent[]>, CancellationToken, Task> read,
            CancellationToken ct)
        {
            var replaced = new HashSet<Guid>(_replaced ?? []);
            var again = changed.ToHashSet();
            replaced.UnionWith(again);
            var fromPass = Layers.Length > LayersAtMost;
            if (fromPass) again = replaced;
            var patched = new CutPatients(this, again, replaced, fromPass);
            if (again.Count < PatchedInPartsFrom) await read([.. again], patched.Add, ct);
            else
            {
                // In two parts read side by side (as a pass is), into cuts' patients of their own appended after.
                var parts = again.Chunk((again.Count + 1) / 2).Select(ids => (Ids: ids, Read: new CutPatients(this))).ToArray();
                await Task.WhenAll(parts.Select(part => Task.Run(() => read(part.Ids, part.Read.Add, ct), ct)));
                foreach (var part in parts) patched.Append(part.Read);
            }
            return patched.Sealed();
        }

        /// <summary>Each cut's changes as one array of its length, once every patient is read: read-only from here on.</summary>
        private CutPatients Sealed()
        {
            foreach (var endpoint in _changes)
                foreach (var cut in endpoint) cut.Seal();
            return this;
        }

        /// <summary>How many patients were read again since the pass over every chart (0 for the pass itself).</summary>
        public int Replaced => _replaced?.Count ?? 0;

        /// <summary>How many patients the pass over every chart read.</summary>
        public int PassPatients => Layers[0].Patients._patientIds.Count;

        /// <summary>Whether the cuts' protocols are <paramref name="study"/>'s: read under the same revisions.</summary>
        public bool ReadUnder(Study study) =>
            study.Id == _study.Id && study.Revisions.Count == _study.Revisions.Count && study.ProtocolVersion == _study.ProtocolVersion;

        /// <summary>The patients' layers a cut is counted from: the pass, then those read again at each patch, each less the patients a later one replaces.</summary>
        private (CutPatients Patients, bool[]? Skipped)[] Layers => _layers ?? [(this, null)];

        /// <summary>
        /// Every day from <paramref name="first"/>'s month to <paramref name="last"/>: the cuts of any step over that span
        /// are among them (<see cref="Cuts(DateOnly, DateOnly, ValueTuple{int, int})"/>), so patients read at these answer every step.
        /// </summary>
        public static IReadOnlyList<DateOnly> EveryDay(DateOnly first, DateOnly last)
        {
            var from = new DateOnly(first.Year, first.Month, 1);
            return Enumerable.Range(0, Math.Max(0, last.DayNumber - from.DayNumber + 1)).Select(from.AddDays).ToArray();
        }

        /// <summary>The first cut whose moment sees an entry recorded at <paramref name="recordedAt"/> (the cuts' count when none).</summary>
        private int FirstSeeing(DateTimeOffset recordedAt)
        {
            // Recorded at midnight is seen by the cut of the day before, whose moment is that midnight.
            var day = DateOnly.FromDateTime(recordedAt.UtcDateTime.AddTicks(-1));
            var at = Array.BinarySearch(_cuts, day);
            return at < 0 ? ~at : at;
        }

        /// <summary>
        /// Read from every chart, in <paramref name="parts"/> parts read side by side, each on a thread of its own and into
        /// cuts' patients of its own: <paramref name="readPart"/> reads one part (its index, the count) and hands each
        /// patient's entries to <see cref="Add(Guid, RecordedEvent[])"/> as it reads them, so only the cuts' patients are
        /// kept. The parts are then appended in order, as if one pass had read them one after the other.
        /// </summary>
        public static async Task<CutPatients> ReadAsync(Func<int, int, Action<Guid, RecordedEvent[]>, CancellationToken, Task> readPart, int parts,
            Study study, IEnumerable<string> endpoints, IReadOnlyList<DateOnly> cuts, CancellationToken ct)
        {
            var endpointList = endpoints.ToList();
            var read = Enumerable.Range(0, parts).Select(_ => new CutPatients(study, endpointList, cuts)).ToArray();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            async Task Read(int part)
            {
                try
                {
                    await readPart(part, parts, read[part].Add, stop.Token);
                }
                catch
                {
                    // One part failing stops the others, which would read for nothing.
                    await stop.CancelAsync();
                    throw;
                }
            }
            await Task.WhenAll(Enumerable.Range(0, parts).Select(part => Task.Run(() => Read(part), CancellationToken.None)));
            for (var part = 1; part < parts; part++)
            {
                read[0].Append(read[part]);
                read[part] = null!;
            }
            return read[0].Sealed();
        }

        public IReadOnlyList<DateOnly> Cuts { get; }

        public IReadOnlyList<string> Endpoints => _endpoints;

        /// <summary>Whether <paramref name="cut"/> is one of the cuts read.</summary>
        public bool Has(DateOnly cut) => _cutIndexes.ContainsKey(cut);

        /// <summary>What the cuts' patients hold: their changes, the patients' ids and the tables (a few thousand distinct times).</summary>
        public long Bytes => _layers is null ? OwnBytes : _layers.Sum(l => l.Patients.OwnBytes + (l.Skipped?.Length ?? 0)) + _replaced!.Count * 20L;

        private long OwnBytes => _changes.Sum(e => e.Sum(c => c.Bytes)) + _patientIds.Count * 20L + (_texts.Count + _times.Count) * 64L + _outcomes.Count * 40L;

        private int OutcomeIndex((short Arm, short Excluded, int Time) outcome)
        {
            if (_outcomeIndexes.TryGetValue(outcome, out var index)) return index;
            _outcomes.Add(outcome);
            return _outcomeIndexes[outcome] = _outcomes.Count - 1;
        }

        /// <summary><see cref="Add(Guid, RecordedEvent[])"/> of the chart's entries.</summary>
        public void Add(PatientChart chart) => Add(chart.Id, chart.Entries.Select(e => e.ToRecorded()).ToArray());

        /// <summary>
        /// The patient at each cut, for every endpoint, from their entries as the fold reads them. A cut that sees the
        /// same entries, under the same protocol, as the cut before, with every clinical date on or before both, derives
        /// the same outcome (the data cut then drops no fact and ends no follow-up), so such cuts are stepped over: a
        /// patient is visited at the cuts where their record, the protocol or a cut's shortening of the record changes,
        /// so cuts at every day cost a patient about as much as cuts at every month.
        /// </summary>
        public void Add(Guid patientId, RecordedEvent[] entries)
        {
            var index = -1;
            // Entries recorded in stream order (every chart the registry writes) make each cut's record the one before's
            // plus the entries since, applied rather than refolded.
            var inRecordedOrder = true;
            for (var e = 1; e < entries.Length; e++) inRecordedOrder &= entries[e - 1].RecordedAt <= entries[e].RecordedAt;
            PatientTimeline? timeline = null;
            var recorded = -1;
            var latest = DateOnly.MinValue;
            (DateOnly Cut, Protocol Protocol)? previous = null;
            // The patient as at the previous cut derived, and as last written, per endpoint.
            var at = new AtCut?[_endpoints.Length];
            var written = new AtCut?[_endpoints.Length];
            void Write(int cut)
            {
                for (var e = 0; e < at.Length; e++)
                {
                    if (Nullable.Equals(at[e], written[e])) continue;
                    _changes[e][cut].Add(at[e] ?? new AtCut(index, AtCut.Absent));
                    written[e] = at[e];
                }
            }
            for (var i = _firstRegistered; i < _cuts.Length; i = Next(i))
            {
                var then = _studies[i]!;
                var cut = _cuts[i];
                var asOf = AsOf(cut);
                // The entries recorded by one moment include those recorded by an earlier one: the same count is the same entries.
                // In recorded order they are a prefix, found from the last cut's (the cuts' moments ascend).
                var seen = 0;
                if (inRecordedOrder)
                    for (seen = Math.Max(recorded, 0); seen < entries.Length && entries[seen].RecordedAt <= asOf; seen++) { }
                else
                    foreach (var entry in entries)
                        if (entry.RecordedAt <= asOf) seen++;
                if (seen != recorded)
                {
                    timeline = inRecordedOrder && timeline is not null ? Extended(timeline, entries, recorded, seen) : PatientTimeline.From(patientId, RecordedBy(entries, asOf));
                    (recorded, previous) = (seen, null);
                    latest = timeline is null ? DateOnly.MinValue : Latest(timeline);
                }
                if (previous is { } p && ReferenceEquals(p.Protocol, then.Protocol) && latest <= p.Cut && latest <= cut) continue;
                Array.Clear(at);
                // As StudyViewLoader.Patient derives it: a patient enrolled after the data cut was not in the study at that cut.
                if (timeline is not null && timeline.Enrolment.EnrolledOn <= cut)
                {
                    var outcome = OutcomeDerivation.DeriveFor(_endpoints, timeline, then.Protocol, cut);
                    if (index < 0)
                    {
                        index = _patientIds.Count;
                        _patientIds.Add(outcome.PatientId);
                    }
                    var (armIndex, excluded) = (checked((short)_texts.Index(outcome.Arm)), checked((short)_texts.Index(outcome.ExcludedBecause)));
                    for (var e = 0; e < at.Length; e++)
                    {
                        // The time held without the entry it ends at, made only when it is a time not held yet.
                        var time = outcome.Time(_endpoints[e]) is { } t ? _times.Index(t, static t => new TimeToEvent(t.Days, t.Event)) : _times.Index(null);
                        at[e] = new AtCut(index, OutcomeIndex((armIndex, excluded, time)));
                    }
                }
                Write(i);
                previous = (cut, then.Protocol);
            }

            // The next cut that may derive otherwise than cut i: each later one while the record has a date after it (each
            // shortens it differently), else the first to see another entry or under another protocol.
            int Next(int i)
            {
                if (latest > _cuts[i]) return i + 1;
                var next = _nextProtocol[i];
                if (inRecordedOrder)
                {
                    if (recorded < entries.Length) next = Math.Min(next, FirstSeeing(entries[recorded].RecordedAt));
                }
                else
                {
                    var asOf = AsOf(_cuts[i]);
                    foreach (var entry in entries)
                        if (entry.RecordedAt > asOf) next = Math.Min(next, FirstSeeing(entry.RecordedAt));
                }
                return Math.Max(next, i + 1);
            }
        }

        /// <summary>
        /// Each patient in <paramref name="cut"/> (one of <see cref="Cuts"/>), in the order they were read, as the cut's comparisons on
        /// <paramref name="endpoint"/> read them: their arm, why they are left out (null: they are not), their time.
        /// </summary>
        public IReadOnlyList<(Guid PatientId, string? Arm, string? ExcludedBecause, TimeToEvent? Time)> At(string endpoint, DateOnly cut)
        {
            var e = Array.IndexOf(_endpoints, endpoint);
            if (e < 0) throw new ArgumentException($"{endpoint} was not read.", nameof(endpoint));
            var patients = new List<(Guid, string?, string?, TimeToEvent?)>();
            foreach (var (layer, skipped) in Layers)
            {
                var current = new AtCut?[layer._patientIds.Count];
                for (var c = 0; c <= _cutIndexes[cut]; c++)
                    foreach (var change in layer._changes[e][c]) current[change.Patient] = change;
                for (var patient = 0; patient < current.Length; patient++)
                    if (current[patient] is { InCut: true } p && skipped?[patient] != true)
                    {
                        var (arm, excluded, time) = layer._outcomes[p.Outcome];
                        patients.Add((layer._patientIds[patient], layer._texts[arm], layer._texts[excluded], layer._times[time]));
                    }
            }
            return patients;
        }

        /// <summary>
        /// <paramref name="part"/>'s patients added after these, as if its charts had been read after these ones: its
        /// patients' places offset by these, its arms, exclusions and times held in these tables.
        /// </summary>
        private void Append(CutPatients part)
        {
            if (part._layers is not null) throw new InvalidOperationException("Only parts read on their own are appended.");
            var offset = _patientIds.Count;
            _patientIds.AddRange(part._patientIds);
            var outcomes = new int[part._outcomes.Count];
            for (var o = 0; o < outcomes.Length; o++)
            {
                var (arm, excluded, time) = part._outcomes[o];
                outcomes[o] = OutcomeIndex((checked((short)_texts.Index(part._texts[arm])), checked((short)_texts.Index(part._texts[excluded])), _times.Index(part._times[time])));
            }
            for (var e = 0; e < _changes.Length; e++)
                for (var cut = 0; cut < Cuts.Count; cut++)
                    foreach (var change in part._changes[e][cut])
                        _changes[e][cut].Add(new AtCut(change.Patient + offset, change.InCut ? outcomes[change.Outcome] : AtCut.Absent));
        }

        /// <summary>
        /// What a cut's comparison reads of one layer of cuts' patients on one endpoint: each distinct arm, exclusion and time
        /// as on which side it is analysed (none: -1), its day and event; the patients skipped (replaced by another layer).
        /// </summary>
        private sealed class Counted
        {
            private readonly Changes[] _changes;
            private readonly bool[]? _skipped;
            private readonly int _patients;
            private readonly sbyte[] _side;
            private readonly int[] _day;
            private readonly bool[] _hadEvent;

            public Counted(CutPatients patients, bool[]? skipped, int endpoint, ArmGroup arm, ArmGroup reference)
            {
                (_changes, _skipped, _patients) = (patients._changes[endpoint], skipped, patients._patientIds.Count);
                var outcomes = patients._outcomes;
                (_side, _day, _hadEvent) = (new sbyte[outcomes.Count], new int[outcomes.Count], new bool[outcomes.Count]);
                for (var o = 0; o < outcomes.Count; o++)
                {
                    var (armIndex, excluded, time) = outcomes[o];
                    _side[o] = -1;
                    if (patients._texts[armIndex] is not { } patientArm || patients._texts[excluded] is not null || patients._times[time] is not { } t) continue;
                    if (arm.Contains(patientArm)) _side[o] = 1;
                    else if (reference.Contains(patientArm)) _side[o] = 0;
                    (_day[o], _hadEvent[o]) = (t.Days, t.Event);
                }
            }

            /// <summary>No patient in a cut yet: the array <see cref="BringForward"/> writes each patient's outcome into.</summary>
            public int[] Patients()
            {
                var current = new int[_patients];
                Array.Fill(current, AtCut.Absent);
                return current;
            }

            /// <summary>The changes of the cuts from <paramref name="brought"/> to <paramref name="cut"/> applied (a skipped patient stays absent); returns the next cut to bring.</summary>
            public int BringForward(int[] current, int brought, int cut)
            {
                for (; brought <= cut; brought++)
                    foreach (var change in _changes[brought])
                        if (_skipped is null || !_skipped[change.Patient]) current[change.Patient] = change.Outcome;
                return brought;
            }

            public void Count(int[] current, TwoGroupCounts counts)
            {
                foreach (var outcome in current)
                    if (outcome != AtCut.Absent && _side[outcome] >= 0) counts.Add(_day[outcome], _side[outcome] == 1, _hadEvent[outcome]);
            }
        }

        /// <summary><paramref name="timeline"/>, the record of the first <paramref name="from"/> entries, with the entries up to <paramref name="to"/> applied.</summary>
        private static PatientTimeline Extended(PatientTimeline timeline, RecordedEvent[] entries, int from, int to)
        {
            for (var e = from; e < to; e++) timeline = timeline.Apply(entries[e]);
            return timeline;
        }

        private static IEnumerable<RecordedEvent> RecordedBy(RecordedEvent[] entries, DateTimeOffset asOf)
        {
            foreach (var entry in entries)
                if (entry.RecordedAt <= asOf) yield return entry;
        }

        /// <summary>The latest clinical date of the record in force, enrolment included.</summary>
        private static DateOnly Latest(PatientTimeline timeline)
        {
            var latest = timeline.Enrolment.EnrolledOn;
            for (var e = 0; e < timeline.Entries.Count; e++)
                if (timeline.Entries[e] is { Voided: false, Current.ClinicalDate: var date } && date > latest) latest = date;
            return latest;
        }

        /// <summary>
        /// The comparison on <paramref name="endpoint"/> (one of <see cref="Endpoints"/>) at each of <paramref name="asked"/>
        /// (of <see cref="Cuts"/>), in the cuts' order; a cut before the study was registered has no point. The cuts are
        /// independent once each one's patients are brought forward: every other asked cut is compared on another thread,
        /// each thread bringing its own copy of the patients forward (a few writes a patient).
        /// </summary>
        public IReadOnlyList<(DateOnly Cut, MaturityPoint? Point)> Points(string endpoint, ArmGroup arm, ArmGroup reference, IEnumerable<DateOnly> asked,
            CancellationToken ct)
        {
            var e = Array.IndexOf(_endpoints, endpoint) is var found and >= 0 ? found : throw new ArgumentException($"{endpoint} was not read.", nameof(endpoint));
            var indexes = asked.Select(c => _cutIndexes[c]).Distinct().Order().ToArray();
            var points = indexes.Select(i => (Cut: Cuts[i], Point: (MaturityPoint?)null)).ToArray();
            var compared = indexes.Select((cut, at) => (cut, at)).Where(c => _studies[c.cut] is not null).ToArray();
            var layers = Layers.Select(l => new Counted(l.Patients, l.Skipped, e, arm, reference)).ToArray();

            void Compare(int half)
            {
                // Each patient as at the cut being compared, by the index they were read at, per layer.
                var current = layers.Select(l => l.Patients()).ToArray();
                // A cut's analysed patients are counts per day and side: the comparison needs nothing else, in any order.
                var counts = new TwoGroupCounts();
                var brought = new int[layers.Length];
                for (var k = half; k < compared.Length; k += 2)
                {
                    var (cut, at) = compared[k];
                    counts.Clear();
                    for (var l = 0; l < layers.Length; l++)
                    {
                        brought[l] = layers[l].BringForward(current[l], brought[l], cut);
                        layers[l].Count(current[l], counts);
                    }
                    points[at] = (Cuts[cut], Point(counts, Cuts[cut], arm, reference, ct));
                }
            }
            if (compared.Length < 2) Compare(0);
            else
            {
                var other = Task.Run(() => Compare(1), ct);
                try
                {
                    Compare(0);
                }
                finally
                {
                    // Its failure (a cancellation) is seen, and it no longer writes into the points once this returns.
                    ((IAsyncResult)other).AsyncWaitHandle.WaitOne();
                }
                other.GetAwaiter().GetResult();
            }
            return points;
        }
    }

    /// <summary>A patient at a cut: their arm, exclusion and time, as an index into the distinct ones (coded in <see cref="Changes"/>).</summary>
    internal readonly record struct AtCut(int Patient, int Outcome)
    {
        /// <summary>The patient is not in the cut (not yet enrolled then), written where they were in the cut before.</summary>
        public const int Absent = -1;

        public bool InCut => Outcome != Absent;
    }

    /// <summary>
    /// A cut's changes on one endpoint, in the order the patients were read, in bytes: each patient as the gap from the
    /// one before (they ascend: each part is read in order, and parts are appended after) and their outcome's index plus
    /// one (0: absent), each a varint (~3 bytes a change, against 8 as two ints). Grown a block at a time, so a cut's
    /// changes are never copied into an array twice the size; <see cref="Seal"/> makes them one array of their length.
    /// </summary>
    internal sealed class Changes
    {
        private const int FirstLength = 64;
        private const int BlockLength = 16384;
        // A change takes at most two varints of 5 bytes: a block with less room left is full.
        private const int LongestChange = 10;
        private readonly List<byte[]> _blocks = [];
        // The bytes written in each block.
        private readonly List<int> _written = [];
        private int _lastPatient = -1;

        /// <summary>The blocks, and what a cut's changes cost beyond them (this object, its lists and the arrays' headers).</summary>
        public long Bytes => _blocks.Sum(b => (long)b.Length + 24) + 96;

        public void Add(AtCut change)
        {
            if (change.Patient <= _lastPatient) throw new InvalidOperationException("A cut's changes are written in the order the patients were read.");
            if (_blocks.Count == 0 || _written[^1] + LongestChange > _blocks[^1].Length)
            {
                _blocks.Add(new byte[_blocks.Count == 0 ? FirstLength : Math.Min(BlockLength, 2 * _blocks[^1].Length)]);
                _written.Add(0);
            }
            var block = _blocks[^1];
            var at = _written[^1];
            at += Varint.Write(block.AsSpan(at), (uint)(change.Patient - _lastPatient - 1));
            at += Varint.Write(block.AsSpan(at), (uint)(change.Outcome + 1));
            _written[^1] = at;
            _lastPatient = change.Patient;
        }

        /// <summary>The changes as one array of their length, once every one is written (a cut's changes are read-only once read).</summary>
        public void Seal()
        {
            var length = _written.Sum();
            if (_blocks.Count == 1 && length == _blocks[0].Length || length == 0 && _blocks.Count == 0) return;
            var all = new byte[length];
            var at = 0;
            for (var b = 0; b < _blocks.Count; b++)
            {
                Array.Copy(_blocks[b], 0, all, at, _written[b]);
                at += _written[b];
            }
            _blocks.Clear();
            _written.Clear();
            _blocks.Add(all);
            _written.Add(length);
        }

        /// <summary>The one reader of a cut's changes (a struct, so reading them allocates nothing).</summary>
        public Reader GetEnumerator() => new(this);

        public struct Reader(Changes changes)
        {
            private int _block;
            private int _at;
            private int _patient = -1;

            public AtCut Current { get; private set; }

            public bool MoveNext()
            {
                while (_block < changes._blocks.Count && _at == changes._written[_block]) (_block, _at) = (_block + 1, 0);
                if (_block == changes._blocks.Count) return false;
                var block = changes._blocks[_block];
                _patient += (int)Varint.Read(block, ref _at) + 1;
                Current = new AtCut(_patient, (int)Varint.Read(block, ref _at) - 1);
                return true;
            }
        }
    }

    /// <summary>Distinct values held once, each named by its place (a study's arms, exclusions and times are few); null is a value too.</summary>
    private sealed class Table<T> where T : class
    {
        private readonly List<T?> _values = [];
        private readonly Dictionary<T, int> _indexes = [];
        private int? _null;

        public int Index(T? value)
        {
            if (value is null) return _null ??= Add(null);
            return _indexes.TryGetValue(value, out var index) ? index : _indexes[value] = Add(value);
        }

        /// <summary>The place of a value equal to <paramref name="value"/>; when there is none, <paramref name="held"/> of it is held.</summary>
        public int Index(T value, Func<T, T> held) => _indexes.TryGetValue(value, out var index) ? index : Index(held(value));

        private int Add(T? value)
        {
            _values.Add(value);
            return _values.Count - 1;
        }

        public T? this[int index] => _values[index];

        public int Count => _values.Count;
    }

    /// <summary>The comparison at one cut, from the outcomes derived at it.</summary>
    public static MaturityPoint Point(IReadOnlyList<PatientOutcome> outcomes, DateOnly cut, string endpoint, ArmGroup arm, ArmGroup reference, CancellationToken ct = default)
    {
        var c = HazardComparison.Compute(outcomes, endpoint, arm, reference, null, [], ct: ct);
        return new MaturityPoint(cut, c.N, c.Events, c.Hr, c.HrLower, c.HrUpper, c.P, c.LogRankP, c.NotEstimableReason);
    }

    /// <summary>The comparison at one cut, from its analysed patients counted per day: what <see cref="HazardComparison.Compute"/> of its outcomes gives.</summary>
    public static MaturityPoint Point(TwoGroupCounts counts, DateOnly cut, ArmGroup arm, ArmGroup reference, CancellationToken ct = default)
    {
        var (model, logRankP, reason) = HazardComparison.Unadjusted(counts, arm, reference, ct);
        var term = model?.Terms[0];
        return new MaturityPoint(cut, counts.Subjects, counts.Events, term?.HazardRatio, term?.HazardRatioLower, term?.HazardRatioUpper, term?.P, logRankP,
            reason ?? term?.NotEstimableReason);
    }

    /// <summary>The moment a cut is read at: the end of its day (UTC).</summary>
    public static DateTimeOffset AsOf(DateOnly cut) => new(cut.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>How many cuts a step makes over the charts' recording span; checked before any work is done.</summary>
    public static int CountCuts(IReadOnlyList<PatientChart> charts, (int Months, int Days) step) => Cuts(charts, step).Take(MaximumCuts + 1).Count();

    /// <summary>Cuts from the first recorded entry's month to the last, at the given step.</summary>
    private static IEnumerable<DateOnly> Cuts(IReadOnlyList<PatientChart> charts, (int Months, int Days) step)
    {
        var recorded = charts.SelectMany(c => c.Entries).Select(e => DateOnly.FromDateTime(e.RecordedAt.UtcDateTime)).ToList();
        return recorded.Count == 0 ? [] : Cuts(recorded.Min(), recorded.Max(), step);
    }

    /// <summary>Cuts from <paramref name="first"/>'s month to <paramref name="last"/>, at the given step.</summary>
    public static IEnumerable<DateOnly> Cuts(DateOnly first, DateOnly last, (int Months, int Days) step)
    {
        for (var cut = new DateOnly(first.Year, first.Month, 1).AddMonths(step.Months).AddDays(step.Days); ; cut = cut.AddMonths(step.Months).AddDays(step.Days))
        {
            if (cut >= last) { yield return last; yield break; }
            yield return cut;
        }
    }

    /// <summary>A step such as 2w, 1m, 3m or 1y (at least a week).</summary>
    public static (int Months, int Days)? Step(string every, Dictionary<string, string[]> errors)
    {
        var match = StepPattern().Match(every);
        if (match.Success && int.Parse(match.Groups[1].Value) is var n and > 0)
            return match.Groups[2].Value switch { "w" => (0, 7 * n), "m" => (n, 0), _ => (12 * n, 0) };
        errors["every"] = [$"every must look like 2w, 1m, 3m or 1y, not '{every}'."];
        return null;
    }

    [GeneratedRegex("^([0-9]{1,2})([wmy])$")]
    private static partial Regex StepPattern();
}
