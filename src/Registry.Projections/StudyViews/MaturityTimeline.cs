using System.Text.RegularExpressions;
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
        var atCuts = new AtCuts(study, endpoint, cuts);
        foreach (var chart in charts)
        {
            ct.ThrowIfCancellationRequested();
            atCuts.Add(chart);
        }
        return atCuts.Points(arm, reference, ct);
    }

    /// <inheritdoc cref="Compute(IEnumerable{PatientChart}, Study, string, ArmGroup, ArmGroup, IReadOnlyList{DateOnly}, CancellationToken)"/>
    public static async Task<IReadOnlyList<(DateOnly Cut, MaturityPoint? Point)>> ComputeAsync(IAsyncEnumerable<PatientChart> charts, Study study, string endpoint,
        ArmGroup arm, ArmGroup reference, IReadOnlyList<DateOnly> cuts, CancellationToken ct = default)
    {
        var atCuts = new AtCuts(study, endpoint, cuts);
        await foreach (var chart in charts.WithCancellation(ct))
        {
            ct.ThrowIfCancellationRequested();
            atCuts.Add(chart);
        }
        return atCuts.Points(arm, reference, ct);
    }

    /// <summary>
    /// Each cut's patients, as much of each as the comparison reads, in 12 bytes a patient: the patient, arm, exclusion
    /// and time as indexes into tables held once, written at a cut only where it differs from the patient at the cut
    /// before — a patient is written at the cuts where their record changed, not at every cut (a study at 100 000
    /// patients and 85 cuts held ≈ 100 MB, one per patient and cut).
    /// </summary>
    private sealed class AtCuts(Study study, string endpoint, IReadOnlyList<DateOnly> cuts)
    {
        private readonly Study?[] _studies = cuts.Select(c => study.AsOf(AsOf(c))).ToArray();
        private readonly Blocks<AtCut>[] _changes = cuts.Select(_ => new Blocks<AtCut>()).ToArray();
        private readonly List<Guid> _patientIds = [];
        private readonly Table<string> _texts = new();
        private readonly Table<TimeToEvent> _times = new();

        private readonly record struct AtCut(int Patient, short Arm, short Excluded, int Time)
        {
            /// <summary>The patient is not in the cut (not yet enrolled then), written where they were in the cut before.</summary>
            public const int Absent = -1;

            public bool InCut => Time != Absent;
        }

        /// <summary>
        /// The patient at each cut. A cut that sees the same entries, under the same protocol, as the cut before, with
        /// every clinical date on or before both, derives the same outcome (the data cut then drops no fact and ends no
        /// follow-up), so the earlier cut's is taken: a patient is derived at the cuts where their record changed, not at all 70.
        /// </summary>
        public void Add(PatientChart chart)
        {
            var index = -1;
            // Each entry as the fold reads it, made once for every cut. Entries recorded in stream order (every chart the
            // registry writes) make each cut's record the one before's plus the entries since, applied rather than refolded.
            var entries = new RecordedEvent[chart.Entries.Count];
            var inRecordedOrder = true;
            for (var e = 0; e < entries.Length; e++)
            {
                entries[e] = chart.Entries[e].ToRecorded();
                inRecordedOrder &= e == 0 || entries[e - 1].RecordedAt <= entries[e].RecordedAt;
            }
            PatientTimeline? timeline = null;
            var recorded = -1;
            var latest = DateOnly.MinValue;
            (DateOnly Cut, Protocol Protocol, AtCut? At)? previous = null;
            AtCut? written = null;
            void Write(int cut, AtCut? at)
            {
                if (Nullable.Equals(at, written)) return;
                _changes[cut].Add(at ?? new AtCut(index, 0, 0, AtCut.Absent));
                written = at;
            }
            for (var i = 0; i < cuts.Count; i++)
            {
                if (_studies[i] is not { } then) continue;
                var asOf = AsOf(cuts[i]);
                // The entries recorded by one moment include those recorded by an earlier one: the same count is the same entries.
                var seen = 0;
                foreach (var entry in entries)
                    if (entry.RecordedAt <= asOf) seen++;
                if (seen != recorded)
                {
                    timeline = inRecordedOrder && timeline is not null ? Extended(timeline, entries, recorded, seen) : PatientTimeline.From(chart.Id, RecordedBy(entries, asOf));
                    (recorded, previous) = (seen, null);
                    latest = timeline is null ? DateOnly.MinValue : Latest(timeline);
                }
                if (previous is { } p && ReferenceEquals(p.Protocol, then.Protocol) && latest <= p.Cut && latest <= cuts[i])
                {
                    Write(i, p.At);
                    continue;
                }
                AtCut? at = null;
                // As StudyViewLoader.Patient derives it: a patient enrolled after the data cut was not in the study at that cut.
                if (timeline is not null && timeline.Enrolment.EnrolledOn <= cuts[i])
                {
                    var outcome = OutcomeDerivation.DeriveFor(endpoint, timeline, then.Protocol, cuts[i]);
                    if (index < 0)
                    {
                        index = _patientIds.Count;
                        _patientIds.Add(outcome.PatientId);
                    }
                    var time = outcome.Time(endpoint) is { } t ? new TimeToEvent(t.Days, t.Event) : null;
                    at = new AtCut(index, checked((short)_texts.Index(outcome.Arm)), checked((short)_texts.Index(outcome.ExcludedBecause)), _times.Index(time));
                }
                Write(i, at);
                previous = (cuts[i], then.Protocol, at);
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

        public IReadOnlyList<(DateOnly Cut, MaturityPoint? Point)> Points(ArmGroup arm, ArmGroup reference, CancellationToken ct)
        {
            // One dictionary per distinct time, shared by every patient and cut with it: each cut's outcomes outlive a few collections while compared.
            var times = Enumerable.Range(0, _times.Count).Select(i => _times[i] is { } t ? new Dictionary<string, TimeToEvent> { [endpoint] = t } : Empty).ToArray();
            // Each patient as at the cut being compared, brought forward cut by cut; in the order the charts were read, as each cut's patients were added.
            var current = new AtCut[_patientIds.Count];
            Array.Fill(current, new AtCut(0, 0, 0, AtCut.Absent));
            var points = new List<(DateOnly Cut, MaturityPoint? Point)>(cuts.Count);
            for (var i = 0; i < cuts.Count; i++)
            {
                foreach (var change in _changes[i]) current[change.Patient] = change;
                points.Add((cuts[i], _studies[i] is null ? null : Point(current.Where(p => p.InCut).Select(p => new PatientOutcome(_patientIds[p.Patient], _texts[p.Arm], "",
                    BaselineValues.Empty, null, _texts[p.Excluded], times[p.Time], BestOverallResponse.NE, false, [])).ToList(), cuts[i], endpoint, arm, reference, ct)));
            }
            return points;
        }

        private static readonly IReadOnlyDictionary<string, TimeToEvent> Empty = new Dictionary<string, TimeToEvent>();
    }

    /// <summary>
    /// A list grown a block at a time: a cut's 100 000 patients are never copied into an array twice the size, leaving
    /// the outgrown one for the GC (with 70 cuts, about as much garbage as the patients themselves).
    /// </summary>
    private sealed class Blocks<T> : IEnumerable<T> where T : struct
    {
        private const int BlockLength = 4096;
        private readonly List<T[]> _blocks = [];
        private int _count;

        public void Add(T item)
        {
            if (_count % BlockLength == 0) _blocks.Add(new T[BlockLength]);
            _blocks[^1][_count++ % BlockLength] = item;
        }

        public IEnumerator<T> GetEnumerator()
        {
            for (var i = 0; i < _count; i++) yield return _blocks[i / BlockLength][i % BlockLength];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
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
