using System.Buffers.Binary;
using System.Text;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;

using Registry.Projections.StudyViews;

namespace Registry.Projections.Patients;

/// <summary>
/// A chart's entries in a compact binary form, stored beside the chart's JSON (<see cref="PatientChart.CompactEntries"/>)
/// so a pass over every chart of a study (maturity's) reads them without JSON. Exact: <see cref="Decode"/> gives back
/// every field of every entry, baseline values included. A leading format byte, then the entries one after another, each
/// self-delimiting, so the entries added to a chart are its stored form's bytes after the format byte, appended (the
/// write path extends a stored chart that way in SQL). Integers are 7-bit varints (zigzag where they may be negative),
/// strings UTF-8 after their length plus one (0 is null), doubles their 8 bytes.
/// </summary>
public static class CompactChartEntries
{
    /// <summary>The first byte of every stored form; a later layout takes another, and rows of this one are read by their JSON.</summary>
    public const byte Format = 1;

    /// <summary>The chart table's column the form is stored in (Marten's name for <see cref="PatientChart.CompactEntries"/>).</summary>
    public const string Column = "compact_entries";

    // Which of an entry's fact, correction and void are set.
    private const byte HasFact = 1, HasCorrection = 2, HasVoid = 4;

    // A fact's kind; the numbers are stored, so they never change.
    private enum Kind : byte
    {
        None = 0, Enrolled = 1, Randomized = 2, TreatmentStarted = 3, Imaging = 4, AdverseEvent = 5,
        Progressed = 6, Relapsed = 7, Died = 8, LastKnownAlive = 9, Withdrew = 10,
    }

    /// <summary>The stored form of <paramref name="entries"/>: the format byte, then each entry.</summary>
    public static byte[] Encode(IReadOnlyList<ChartEntry> entries)
    {
        var writer = new Writer(64 + 48 * entries.Count);
        writer.Byte(Format);
        foreach (var entry in entries) writer.Entry(entry);
        return writer.ToArray();
    }

    /// <summary>Every entry of a stored form, exactly as encoded; its texts taken from <paramref name="texts"/> where they recur there.</summary>
    public static List<ChartEntry> Decode(ReadOnlySpan<byte> stored, DecodedTexts? texts = null)
    {
        var entries = new List<ChartEntry>();
        var reader = new Reader(stored, withBaseline: true, texts);
        while (!reader.End) entries.Add(reader.Entry());
        return entries;
    }

    /// <summary>
    /// The entries of a stored form recorded by <paramref name="asOf"/> (every entry when null) as the fold reads them,
    /// appended to <paramref name="into"/>: no <see cref="ChartEntry"/> made of each, and an entry recorded after the moment
    /// passed over without its fact or texts made (a set at a new moment allocated ~1.2 KB a patient in entries it then
    /// folded, and the facts of entries it then dropped). <paramref name="withoutBaseline"/>: with every enrolment's
    /// baseline values skipped (<see cref="BaselineValues.Empty"/>), unless an entry corrects an enrolment (whose values a
    /// correction may change; one recorded after the moment too), when every entry is decoded whole: for a set that holds
    /// the patient's values already (decoding them was a fifth of what a patient derived at a new moment allocated).
    /// Returns whether the values were skipped, the first and last recorded-at of every entry, those passed over included,
    /// and the moments over which the record read is the same (<see cref="RecordSpan"/>).
    /// </summary>
    public static (bool WithoutBaseline, DateTimeOffset? First, DateTimeOffset? Last, RecordSpan Unchanged) Decode(ReadOnlySpan<byte> stored, DateTimeOffset? asOf,
        List<ChartEvent> into, DecodedTexts? texts, bool withoutBaseline)
    {
        var start = into.Count;
        var (first, last) = ((DateTimeOffset?)null, (DateTimeOffset?)null);
        var unchanged = RecordSpan.Always;
        var reader = new Reader(stored, withBaseline: !withoutBaseline, texts);
        while (!reader.End)
        {
            var recorded = reader.Event(asOf, out var read, out var recordedAt, out var correctsEnrolment);
            if (withoutBaseline && correctsEnrolment)
            {
                into.RemoveRange(start, into.Count - start);
                return Decode(stored, asOf, into, texts, withoutBaseline: false);
            }
            if (first is null || recordedAt < first) first = recordedAt;
            if (last is null || recordedAt > last) last = recordedAt;
            unchanged = unchanged.With(recordedAt, asOf);
            if (recorded) into.Add(read);
        }
        return (withoutBaseline, first, last, unchanged);
    }

    /// <summary>
    /// The entries of a stored form as the fold reads them, for a pass that never reads baseline values (maturity's: arms,
    /// exclusions and times): each enrolment's <see cref="PatientEnrolled.Baseline"/> is <see cref="BaselineValues.Empty"/>,
    /// so these must not reach a view that reads baseline values. Appends to <paramref name="into"/>.
    /// </summary>
    public static void DecodeWithoutBaseline(ReadOnlySpan<byte> stored, List<RecordedEvent> into, DecodedTexts? texts = null)
    {
        var reader = new Reader(stored, withBaseline: false, texts);
        while (!reader.End) into.Add(reader.Entry().ToRecorded());
    }

    /// <summary>Whether <paramref name="stored"/> is in this layout (a null or older row is read from the chart's JSON).</summary>
    public static bool Readable(ReadOnlySpan<byte> stored) => stored.Length > 0 && stored[0] == Format;

    private sealed class Writer(int capacity)
    {
        private byte[] _bytes = new byte[capacity];
        private int _length;

        public byte[] ToArray() => _bytes.AsSpan(0, _length).ToArray();

        private Span<byte> Take(int count)
        {
            if (_length + count > _bytes.Length) Array.Resize(ref _bytes, Math.Max(2 * _bytes.Length, _length + count));
            var span = _bytes.AsSpan(_length, count);
            _length += count;
            return span;
        }

        public void Byte(byte value) => Take(1)[0] = value;

        public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

        public void Unsigned(ulong value)
        {
            if (_length + Varint.Longest > _bytes.Length) Array.Resize(ref _bytes, Math.Max(2 * _bytes.Length, _length + Varint.Longest));
            _length += Varint.Write(_bytes.AsSpan(_length), value);
        }

        public void Signed(long value) => Unsigned((ulong)((value << 1) ^ (value >> 63)));

        public void Date(DateOnly value) => Signed(value.DayNumber);

        public void Double(double? value)
        {
            Bool(value.HasValue);
            if (value is { } v) BinaryPrimitives.WriteDoubleLittleEndian(Take(8), v);
        }

        public void Int(int? value)
        {
            Bool(value.HasValue);
            if (value is { } v) Signed(v);
        }

        public void Bool(bool? value) => Byte(value switch { null => 0, false => 1, true => 2 });

        public void Text(string? value)
        {
            if (value is null)
            {
                Byte(0);
                return;
            }
            var length = Encoding.UTF8.GetByteCount(value);
            Unsigned((ulong)length + 1);
            Encoding.UTF8.GetBytes(value, Take(length));
        }

        public void Id(Guid value) => value.TryWriteBytes(Take(16));

        public void Entry(ChartEntry entry)
        {
            Byte((byte)((entry.Fact is null ? 0 : HasFact) | (entry.Correction is null ? 0 : HasCorrection) | (entry.Void is null ? 0 : HasVoid)));
            Signed(entry.Version);
            Signed(entry.RecordedAt.Ticks);
            Signed((long)entry.RecordedAt.Offset.TotalMinutes);
            Text(entry.RecordedBy);
            if (entry.Fact is { } fact) Fact(fact);
            if (entry.Correction is { } correction)
            {
                Signed(correction.EntryVersion);
                Fact(correction.Replacement);
                Text(correction.Reason);
            }
            if (entry.Void is { } voided)
            {
                Signed(voided.EntryVersion);
                Text(voided.Reason);
            }
        }

        private void Fact(IPatientFact? fact)
        {
            switch (fact)
            {
                case null:
                    Byte((byte)Kind.None);
                    break;
                case PatientEnrolled e:
                    Byte((byte)Kind.Enrolled);
                    Id(e.PatientId);
                    Id(e.StudyId);
                    Text(e.Arm);
                    Text(e.Site);
                    Text(e.SubjectCode);
                    Date(e.EnrolledOn);
                    Baseline(e.Baseline);
                    break;
                case PatientRandomized r:
                    Byte((byte)Kind.Randomized);
                    Date(r.RandomizedOn);
                    Text(r.Arm);
                    Unsigned(r.Strata is null ? 0 : (ulong)r.Strata.Count + 1);
                    foreach (var (key, value) in r.Strata ?? new Dictionary<string, string>())
                    {
                        Text(key);
                        Text(value);
                    }
                    break;
                case TreatmentStarted t:
                    Byte((byte)Kind.TreatmentStarted);
                    Date(t.StartedOn);
                    Unsigned(t.Agents is null ? 0 : (ulong)t.Agents.Count + 1);
                    foreach (var agent in t.Agents ?? []) Text(agent);
                    Int(t.Line);
                    break;
                case ImagingAssessed i:
                    Byte((byte)Kind.Imaging);
                    Date(i.AssessedOn);
                    Double(i.TargetLesionSumMm);
                    Signed((long)i.NonTargetStatus);
                    Bool(i.NewLesions);
                    Signed((long)i.Response);
                    break;
                case AdverseEventRecorded a:
                    Byte((byte)Kind.AdverseEvent);
                    Text(a.Term);
                    Signed(a.Grade);
                    Date(a.OnsetOn);
                    Bool(a.Serious);
                    Signed((long)a.Attribution);
                    break;
                case DiseaseProgressed p:
                    Byte((byte)Kind.Progressed);
                    Date(p.ProgressedOn);
                    Signed((long)p.Basis);
                    Site(p.Site);
                    break;
                case DiseaseRelapsed r:
                    Byte((byte)Kind.Relapsed);
                    Date(r.RelapsedOn);
                    Signed((long)r.Type);
                    break;
                case PatientDied d:
                    Byte((byte)Kind.Died);
                    Date(d.DiedOn);
                    Text(d.Cause);
                    break;
                case LastKnownAlive l:
                    Byte((byte)Kind.LastKnownAlive);
                    Date(l.LastKnownAliveOn);
                    break;
                case WithdrewFromFollowUp w:
                    Byte((byte)Kind.Withdrew);
                    Date(w.WithdrewOn);
                    Text(w.Reason);
                    break;
                default:
                    throw new NotSupportedException($"A {fact.GetType().Name} has no compact form: add it to {nameof(CompactChartEntries)}.");
            }
        }

        private void Site(FailureSite? site)
        {
            Bool(site.HasValue);
            if (site is { } s) Signed((long)s);
        }

        /// <summary>The values after their length in bytes, so a pass that never reads them passes over them.</summary>
        private void Baseline(BaselineValues? baseline)
        {
            if (baseline is null)
            {
                Byte(0);
                return;
            }
            var start = _length;
            Signed(baseline.Count);
            foreach (var (key, value) in baseline)
            {
                Text(key);
                Bool(value is not null);
                if (value is null) continue;
                Double(value.Number);
                Text(value.Text);
                Bool(value.Flag);
                Text(value.Missing);
            }
            // The length goes before the values: moved up by as many bytes as it takes.
            var values = _bytes.AsSpan(start, _length - start).ToArray();
            _length = start;
            Unsigned((ulong)values.Length + 1);
            values.CopyTo(Take(values.Length));
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> stored, bool withBaseline, DecodedTexts? texts)
    {
        private readonly ReadOnlySpan<byte> _bytes = stored[0] == Format
            ? stored[1..]
            : throw new NotSupportedException($"A compact chart of format {stored[0]} is not read by this build (format {Format}).");
        private int _at;

        public readonly bool End => _at >= _bytes.Length;

        private byte Byte() => _bytes[_at++];

        private bool Bool() => Byte() != 0;

        private ulong Unsigned() => Varint.Read(_bytes, ref _at);

        private long Signed()
        {
            var value = Unsigned();
            return (long)(value >> 1) ^ -(long)(value & 1);
        }

        private int Int32() => checked((int)Signed());

        private DateOnly Date() => DateOnly.FromDayNumber(Int32());

        private double? Double()
        {
            if (!Bool()) return null;
            var value = BinaryPrimitives.ReadDoubleLittleEndian(_bytes.Slice(_at, 8));
            _at += 8;
            return value;
        }

        private int? NullableInt() => Bool() ? Int32() : null;

        private bool? NullableBool() => Byte() switch { 0 => null, 1 => false, _ => true };

        private string? Text()
        {
            var length = (int)Unsigned();
            if (length == 0) return null;
            var bytes = _bytes.Slice(_at, length - 1);
            var text = texts is not null ? texts.Of(bytes) : Encoding.UTF8.GetString(bytes);
            _at += length - 1;
            return text;
        }

        private Guid Id()
        {
            var id = new Guid(_bytes.Slice(_at, 16));
            _at += 16;
            return id;
        }

        /// <summary>
        /// The next entry as the fold reads it (<paramref name="read"/>), or false when it was recorded after
        /// <paramref name="asOf"/>: then its bytes are passed over and nothing is made of them. Either way its recorded-at,
        /// and whether it corrects an enrolment.
        /// </summary>
        public bool Event(DateTimeOffset? asOf, out ChartEvent read, out DateTimeOffset recordedAt, out bool correctsEnrolment)
        {
            var has = Byte();
            var version = Signed();
            var ticks = Signed();
            recordedAt = new DateTimeOffset(ticks, TimeSpan.FromMinutes(Signed()));
            if (recordedAt > asOf)
            {
                read = default;
                PassText();
                if ((has & HasFact) != 0) PassFact();
                correctsEnrolment = false;
                if ((has & HasCorrection) != 0)
                {
                    Signed();
                    correctsEnrolment = PassFact() == Kind.Enrolled;
                    PassText();
                }
                if ((has & HasVoid) != 0)
                {
                    Signed();
                    PassText();
                }
                return false;
            }
            var recordedBy = Text();
            var fact = (has & HasFact) != 0 ? Fact() : null;
            var correction = (has & HasCorrection) != 0 ? new EntryCorrected(Signed(), Fact()!, Text()!) : null;
            var voided = (has & HasVoid) != 0 ? new EntryVoided(Signed(), Text()!) : null;
            correctsEnrolment = correction?.Replacement is PatientEnrolled;
            // The data the fold reads, as ChartEntry gives it.
            read = new ChartEvent(version, (object?)fact ?? (object?)correction ?? voided!, recordedAt, recordedBy);
            return true;
        }

        private void PassText()
        {
            var length = (int)Unsigned();
            if (length > 0) _at += length - 1;
        }

        private void PassTexts()
        {
            var count = (int)Unsigned();
            for (var i = 1; i < count; i++) PassText();
        }

        /// <summary>A fact's bytes passed over as <see cref="Fact"/> reads them; returns its kind.</summary>
        private Kind PassFact()
        {
            var kind = (Kind)Byte();
            switch (kind)
            {
                case Kind.None:
                    break;
                case Kind.Enrolled:
                    _at += 32;
                    PassText();
                    PassText();
                    PassText();
                    Unsigned();
                    PassText(); // The baseline values after their length, as a text's bytes are.
                    break;
                case Kind.Randomized:
                    Unsigned();
                    PassText();
                    var strata = (int)Unsigned();
                    for (var i = 1; i < strata; i++)
                    {
                        PassText();
                        PassText();
                    }
                    break;
                case Kind.TreatmentStarted:
                    Unsigned();
                    PassTexts();
                    if (Bool()) Unsigned();
                    break;
                case Kind.Imaging:
                    Unsigned();
                    if (Bool()) _at += 8;
                    Unsigned();
                    Byte();
                    Unsigned();
                    break;
                case Kind.AdverseEvent:
                    PassText();
                    Unsigned();
                    Unsigned();
                    Byte();
                    Unsigned();
                    break;
                case Kind.Progressed:
                    Unsigned();
                    Unsigned();
                    if (Bool()) Unsigned();
                    break;
                case Kind.Relapsed:
                    Unsigned();
                    Unsigned();
                    break;
                case Kind.Died or Kind.Withdrew:
                    Unsigned();
                    PassText();
                    break;
                case Kind.LastKnownAlive:
                    Unsigned();
                    break;
                default:
                    throw new NotSupportedException($"A compact chart holds a fact of unknown kind {(byte)kind}.");
            }
            return kind;
        }

        public ChartEntry Entry()
        {
            var has = Byte();
            var version = Signed();
            var ticks = Signed();
            var offset = TimeSpan.FromMinutes(Signed());
            var recordedAt = new DateTimeOffset(ticks, offset);
            var recordedBy = Text();
            var fact = (has & HasFact) != 0 ? Fact() : null;
            var correction = (has & HasCorrection) != 0 ? new EntryCorrected(Signed(), Fact()!, Text()!) : null;
            var voided = (has & HasVoid) != 0 ? new EntryVoided(Signed(), Text()!) : null;
            return new ChartEntry(version, recordedAt, recordedBy, fact, correction, voided);
        }

        private IPatientFact? Fact() => (Kind)Byte() switch
        {
            Kind.None => null,
            Kind.Enrolled => new PatientEnrolled(Id(), Id(), Text(), Text()!, Text()!, Date(), Baseline()!),
            Kind.Randomized => new PatientRandomized(Date(), Text()!, Strata()),
            Kind.TreatmentStarted => new TreatmentStarted(Date(), Agents(), NullableInt()),
            Kind.Imaging => new ImagingAssessed(Date(), Double(), (NonTargetStatus)Int32(), Bool(), (TimepointResponse)Int32()),
            Kind.AdverseEvent => new AdverseEventRecorded(Text()!, Int32(), Date(), Bool(), (Attribution)Int32()),
            Kind.Progressed => new DiseaseProgressed(Date(), (ProgressionBasis)Int32(), Bool() ? (FailureSite)Int32() : null),
            Kind.Relapsed => new DiseaseRelapsed(Date(), (FailureSite)Int32()),
            Kind.Died => new PatientDied(Date(), Text()),
            Kind.LastKnownAlive => new LastKnownAlive(Date()),
            Kind.Withdrew => new WithdrewFromFollowUp(Date(), Text()!),
            var kind => throw new NotSupportedException($"A compact chart holds a fact of unknown kind {(byte)kind}."),
        };

        private Dictionary<string, string>? Strata()
        {
            var count = (int)Unsigned();
            if (count == 0) return null;
            var strata = new Dictionary<string, string>(count - 1);
            for (var i = 1; i < count; i++) strata.Add(Text()!, Text()!);
            return strata;
        }

        private string[]? Agents()
        {
            var count = (int)Unsigned();
            if (count == 0) return null;
            var agents = new string[count - 1];
            for (var i = 0; i < agents.Length; i++) agents[i] = Text()!;
            return agents;
        }

        private BaselineValues? Baseline()
        {
            var length = (int)Unsigned();
            if (length == 0) return null;
            if (!withBaseline)
            {
                _at += length - 1;
                return BaselineValues.Empty;
            }
            var count = Int32();
            var values = new KeyValuePair<string, BaselineValue>[count];
            for (var i = 0; i < count; i++)
                values[i] = new(Text()!, Bool() ? new BaselineValue(Double(), Text(), NullableBool(), Text()) : null!);
            return new BaselineValues(values);
        }
    }
}

/// <summary>
/// The texts decoded from a study's charts, each made once while it recurs (who recorded, baseline keys and categories,
/// terms, sites): a table of the last text in each slot by its bytes' hash. A read of every chart made a string of every
/// text of every entry. One per reader: not for use from two threads.
/// </summary>
public sealed class DecodedTexts
{
    private const int Slots = 1024;

    /// <summary>Longer texts (free-text reasons) rarely recur and are made each time.</summary>
    private const int LongestKept = 64;

    private readonly (byte[]? Bytes, string Text)[] _slots = new (byte[]?, string)[Slots];

    /// <summary>The text of the UTF-8 <paramref name="bytes"/>: the one made before when the slot still holds it.</summary>
    public string Of(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > LongestKept) return Encoding.UTF8.GetString(bytes);
        var hash = new HashCode();
        hash.AddBytes(bytes);
        ref var slot = ref _slots[(uint)hash.ToHashCode() % Slots];
        if (slot.Bytes is { } kept && bytes.SequenceEqual(kept)) return slot.Text;
        slot = (bytes.ToArray(), Encoding.UTF8.GetString(bytes));
        return slot.Text;
    }
}
