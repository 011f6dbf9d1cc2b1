using System.Collections;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Domain.Tests.Properties;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.Patients;

/// <summary>
/// A chart's entries in their compact form (<see cref="CompactChartEntries"/>) decode to exactly the entries encoded: every
/// fact type, corrections and voids, nulls, long and non-ASCII strings, dictionaries and lists, any double (NaN and the
/// infinities included), any recorded-at offset; entries added later are the stored form's bytes appended, as the chart
/// extension appends them in SQL; and the pass's decoding without baseline values gives the same entries but for them.
/// </summary>
[Properties(Arbitrary = [typeof(DomainArbitraries), typeof(CompactChartEntriesProperties)], MaxTest = 300)]
public sealed class CompactChartEntriesProperties
{
    private static readonly PatientChartProjection Projection = new();

    [Property]
    public void Any_entries_decode_to_themselves(ChartEntry[] entries)
    {
        var stored = CompactChartEntries.Encode(entries);
        Assert.Equal(CompactChartEntries.Format, stored[0]);
        AssertSame(entries, CompactChartEntries.Decode(stored));
    }

    [Property]
    public void A_chart_of_any_history_decodes_to_its_entries(AcceptedHistory accepted, RawHistory raw)
    {
        foreach (var history in new History[] { accepted, raw })
        {
            var patientId = history.Scenario.Enrolment.PatientId;
            PatientChart? chart = null;
            foreach (var e in history.Events) chart = Projection.Evolve(chart, patientId, ChartWriteProperties.Stored(patientId, e));
            AssertSame(chart!.Entries, CompactChartEntries.Decode(chart.CompactEntries.Span));
        }
    }

    [Property]
    public void Entries_added_to_a_chart_are_its_stored_form_with_their_bytes_appended(ChartEntry[] before, ChartEntry[] added)
    {
        var whole = CompactChartEntries.Encode([.. before, .. added]);
        byte[] extended = [.. CompactChartEntries.Encode(before), .. CompactChartEntries.Encode(added).AsSpan(1)];
        Assert.Equal(whole, extended);
    }

    [Property]
    public void Decoded_for_the_pass_the_entries_are_the_same_but_for_their_baseline_values(ChartEntry[] entries)
    {
        var read = new List<RecordedEvent>();
        CompactChartEntries.DecodeWithoutBaseline(CompactChartEntries.Encode(entries), read);
        AssertSame(entries.Select(e => e.ToRecorded()).Select(e => e with { Data = WithoutBaseline(e.Data) }).ToList(), read);
    }

    [Property]
    public void Decoded_at_a_moment_the_entries_are_those_recorded_by_then_as_the_fold_reads_them(ChartEntry[] entries, int pick, bool withoutBaseline)
    {
        // A moment among the entries' own (ties included), or none.
        DateTimeOffset? asOf = entries.Length == 0 || pick % 4 == 0 ? null : entries[Math.Abs(pick % entries.Length)].RecordedAt.AddTicks(pick % 3 - 1);
        var before = new ChartEvent(-7, new LastKnownAlive(new DateOnly(2026, 12, 6)), DateTimeOffset.UnixEpoch, "before");
        var read = new List<ChartEvent> { before };
        var (skipped, first, last, _) = CompactChartEntries.Decode(CompactChartEntries.Encode(entries), asOf, read, null, withoutBaseline);

        // Values skipped unless an entry corrects an enrolment, whenever it was recorded.
        Assert.Equal(withoutBaseline && !entries.Any(e => e.Correction?.Replacement is PatientEnrolled), skipped);
        var expected = entries.Where(e => asOf is null || e.RecordedAt <= asOf).Select(e => e.ToRecorded())
            .Select(e => skipped ? e with { Data = WithoutBaseline(e.Data) } : e).ToList();
        Assert.Equal(before, read[0]);
        AssertSame(expected, read.Skip(1).Select(e => new RecordedEvent(e.Version, e.Data, e.RecordedAt, e.RecordedBy)).ToList());
        // The span of every entry, those after the moment included.
        Assert.Equal(entries.Length == 0 ? null : entries.Min(e => e.RecordedAt), first);
        Assert.Equal(entries.Length == 0 ? null : entries.Max(e => e.RecordedAt), last);
    }

    private static object WithoutBaseline(object data) => data switch
    {
        PatientEnrolled { Baseline: not null } enrolled => enrolled with { Baseline = BaselineValues.Empty },
        EntryCorrected { Replacement: PatientEnrolled { Baseline: not null } enrolled } corrected => corrected with { Replacement = enrolled with { Baseline = BaselineValues.Empty } },
        _ => data,
    };

    [Fact]
    public void A_stored_form_of_another_format_is_refused_not_misread()
    {
        var stored = CompactChartEntries.Encode([new ChartEntry(1, DateTimeOffset.UnixEpoch, null, new LastKnownAlive(new DateOnly(2026, 12, 6)))]);
        stored[0] = CompactChartEntries.Format + 1;
        Assert.False(CompactChartEntries.Readable(stored));
        Assert.Throws<NotSupportedException>(() => CompactChartEntries.Decode(stored));
    }

    // ── generators ──────────────────────────────────────────────────────────────────────────────────────────────

    private static readonly Gen<string?> Texts = Gen.Frequency(
        (1, Gen.Constant<string?>(null)),
        (4, Gen.Elements<string?>("", " ", "Rash", "Nausea \"é\" <3>", "漢字 🙂", "a\0b", new string('x', 20_000))),
        (3, ArbMap.Default.GeneratorFor<string>().Select(s => (string?)s)));

    private static readonly Gen<string> NonNullTexts = Texts.Select(t => t ?? "");

    private static readonly Gen<DateOnly> Dates = Gen.Frequency(
        (8, Gen.Choose(0, 20_000).Select(d => new DateOnly(1990, 1, 1).AddDays(d))),
        (1, Gen.Elements(DateOnly.MinValue, DateOnly.MaxValue)));

    private static readonly Gen<double?> Numbers = Gen.Frequency(
        (2, Gen.Constant<double?>(null)),
        (4, ArbMap.Default.GeneratorFor<double>().Select(d => (double?)d)),
        (2, Gen.Elements<double?>(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, 41.5)));

    private static readonly Gen<int> Ints = Gen.Frequency((4, Gen.Choose(-3, 10)), (1, Gen.Elements(int.MinValue, int.MaxValue)));

    private static Gen<T> Enum<T>() where T : struct, System.Enum =>
        Gen.Frequency((6, Gen.Elements(System.Enum.GetValues<T>())), (1, Gen.Elements(-1, 99, int.MaxValue).Select(v => (T)(object)v)));

    private static readonly Gen<BaselineValue> BaselineValueGen =
        from number in Numbers
        from text in Texts
        from flag in Gen.Elements<bool?>(null, false, true)
        from missing in Gen.Elements<string?>(null, null, MissingCodes.Unknown, "refused", "")
        select new BaselineValue(number, text, flag, missing);

    private static readonly Gen<BaselineValues?> Baselines = Gen.Frequency(
        (1, Gen.Constant<BaselineValues?>(null)),
        (6, from keys in NonNullTexts.ListOf().Select(k => k.Distinct().ToList())
            from values in BaselineValueGen.ListOf(keys.Count)
            select (BaselineValues?)new BaselineValues(keys.Zip(values, (k, v) => new KeyValuePair<string, BaselineValue>(k, v)))));

    private static readonly Gen<IPatientFact> Facts = Gen.OneOf(
        from patient in ArbMap.Default.GeneratorFor<Guid>()
        from study in ArbMap.Default.GeneratorFor<Guid>()
        from arm in Texts
        from site in NonNullTexts
        from code in NonNullTexts
        from day in Dates
        from baseline in Baselines
        select (IPatientFact)new PatientEnrolled(patient, study, arm, site, code, day, baseline!),
        from day in Dates
        from arm in NonNullTexts
        from strata in Gen.Frequency(
            (1, Gen.Constant<IReadOnlyDictionary<string, string>?>(null)),
            (3, (from k in NonNullTexts from v in NonNullTexts select (k, v)).ListOf()
                .Select(p => (IReadOnlyDictionary<string, string>?)p.DistinctBy(x => x.k).ToDictionary(x => x.k, x => x.v))))
        select (IPatientFact)new PatientRandomized(day, arm, strata),
        from day in Dates
        from agents in Gen.Frequency((1, Gen.Constant<IReadOnlyList<string>?>(null)), (3, NonNullTexts.ListOf().Select(a => (IReadOnlyList<string>?)a.ToList())))
        from line in Gen.Frequency((1, Gen.Constant<int?>(null)), (3, Ints.Select(i => (int?)i)))
        select (IPatientFact)new TreatmentStarted(day, agents, line),
        from day in Dates
        from sum in Numbers
        from nonTarget in Enum<NonTargetStatus>()
        from newLesions in ArbMap.Default.GeneratorFor<bool>()
        from response in Enum<TimepointResponse>()
        select (IPatientFact)new ImagingAssessed(day, sum, nonTarget, newLesions, response),
        from term in NonNullTexts
        from grade in Ints
        from day in Dates
        from serious in ArbMap.Default.GeneratorFor<bool>()
        from attribution in Enum<Attribution>()
        select (IPatientFact)new AdverseEventRecorded(term, grade, day, serious, attribution),
        from day in Dates
        from basis in Enum<ProgressionBasis>()
        from site in Gen.Frequency((1, Gen.Constant<FailureSite?>(null)), (3, Enum<FailureSite>().Select(s => (FailureSite?)s)))
        select (IPatientFact)new DiseaseProgressed(day, basis, site),
        from day in Dates
        from type in Enum<FailureSite>()
        select (IPatientFact)new DiseaseRelapsed(day, type),
        from day in Dates
        from cause in Texts
        select (IPatientFact)new PatientDied(day, cause),
        Dates.Select(day => (IPatientFact)new LastKnownAlive(day)),
        from day in Dates
        from reason in NonNullTexts
        select (IPatientFact)new WithdrewFromFollowUp(day, reason));

    private static readonly Gen<ChartEntry> Entries =
        from version in Gen.Frequency((6, Gen.Choose(1, 500).Select(v => (long)v)), (1, Gen.Elements(0L, -1L, long.MaxValue, long.MinValue)))
        from ticks in Gen.Choose(0, int.MaxValue).Select(t => new DateTime(2015, 1, 1).Ticks + 7_919L * t)
        from offset in Gen.Elements(0, 0, 60, -300, 330, 840, -840)
        from recordedBy in Texts
        from shape in Gen.Frequency((8, Gen.Constant(1)), (2, Gen.Constant(2)), (2, Gen.Constant(4)), (1, Gen.Choose(0, 7)))
        from fact in Facts
        from replacement in Gen.Frequency((6, Facts), (1, Gen.Constant<IPatientFact>(null!)))
        from reason in NonNullTexts
        from entryVersion in Gen.Choose(-1, 500)
        select new ChartEntry(version, new DateTimeOffset(ticks, TimeSpan.FromMinutes(offset)), recordedBy,
            (shape & 1) != 0 ? fact : null,
            (shape & 2) != 0 ? new EntryCorrected(entryVersion, replacement, reason) : null,
            (shape & 4) != 0 ? new EntryVoided(entryVersion, reason) : null);

    public static Arbitrary<ChartEntry[]> EntryLists() => Arb.From(Entries.ArrayOf());

    public static Arbitrary<ChartEntry> OneEntry() => Arb.From(Entries);

    // ── exact comparison ────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>
    /// Field for field: records compare dictionaries and lists by reference, so these are compared as sequences; doubles by
    /// their bits (NaN equals itself), recorded-at times by their clock and offset, not only the instant; strata by key.
    /// </summary>
    internal static void AssertSame(object? expected, object? actual, string path = "entries")
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual}");
                return;
            case string s:
                Assert.True(actual is string a && string.Equals(s, a, StringComparison.Ordinal), $"{path}: expected \"{Cut(s)}\", got {actual}");
                return;
            case double d:
                Assert.True(actual is double a2 && BitConverter.DoubleToInt64Bits(d) == BitConverter.DoubleToInt64Bits(a2), $"{path}: expected {d}, got {actual}");
                return;
            case DateTimeOffset t:
                Assert.True(actual is DateTimeOffset a3 && t.Ticks == a3.Ticks && t.Offset == a3.Offset, $"{path}: expected {t:O}, got {actual:O}");
                return;
            case Guid or DateOnly or bool or int or long or System.Enum:
                Assert.True(expected.Equals(actual), $"{path}: expected {expected}, got {actual}");
                return;
        }
        Assert.True(actual is not null, $"{path}: expected {expected}, got null");
        var type = expected.GetType();
        if (expected is IReadOnlyDictionary<string, string> strata)
        {
            // A dictionary's order is not its meaning: jsonb gives a chart's read back in its own key order.
            var other = Assert.IsAssignableFrom<IReadOnlyDictionary<string, string>>(actual);
            AssertSame(strata.OrderBy(p => p.Key, StringComparer.Ordinal).ToList(), other.OrderBy(p => p.Key, StringComparer.Ordinal).ToList(), path);
            return;
        }
        if (expected is IEnumerable sequence)
        {
            var (left, right) = (sequence.Cast<object?>().ToList(), ((IEnumerable)actual!).Cast<object?>().ToList());
            Assert.True(left.Count == right.Count, $"{path}: {left.Count} items expected, {right.Count} read");
            for (var i = 0; i < left.Count; i++) AssertSame(left[i], right[i], $"{path}[{i}]");
            return;
        }
        Assert.Equal(type, actual!.GetType());
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))
        {
            AssertSame(type.GetProperty("Key")!.GetValue(expected), type.GetProperty("Key")!.GetValue(actual), $"{path}.Key");
            AssertSame(type.GetProperty("Value")!.GetValue(expected), type.GetProperty("Value")!.GetValue(actual), $"{path}.Value");
            return;
        }
        foreach (var property in type.GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract"))
            AssertSame(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
    }

    private static string Cut(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
