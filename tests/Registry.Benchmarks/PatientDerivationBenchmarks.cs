using BenchmarkDotNet.Attributes;
using Registry.Demo;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

namespace Registry.Benchmarks;

/// <summary>
/// One patient of a set at a new moment, step by step, as <c>StudyScopes</c> derives each one the whole records' set
/// cannot vouch for: the compact chart decoded up to the moment (the baseline: what reading alone costs), folded into
/// the record then, its outcome derived without ends, and that outcome's parts shared. The motivating study's 226
/// simulated patients at 2021-06-01 (the moment the 100 000-patient runs ask, the same generator), each benchmark per patient.
/// </summary>
[MemoryDiagnoser]
public class PatientDerivationBenchmarks
{
    private static readonly DateTimeOffset Moment = new(2021, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private byte[][] _charts = null!;
    private BaselineValues[] _baselines = null!;
    private Protocol _protocol = null!;
    private readonly List<ChartEvent> _entries = [];
    private readonly DecodedTexts _texts = new();
    private readonly SharedOutcomeParts _parts = new();

    /// <summary>The simulated study's patients as the store keeps their charts (entry n is stream version n).</summary>
    public static byte[][] Charts(SimulatedStudy study) => study.Entries
        .GroupBy(e => e.Patient)
        .Select(patient => CompactChartEntries.Encode(patient.Select((e, i) => new ChartEntry(i + 1, e.RecordedAt, $"coordinator-{e.Site}",
            e.Fact as IPatientFact, e.Fact is SimulatedCorrection c ? new EntryCorrected(c.EntryNumber, c.Replacement, c.Reason) : null)).ToList()))
        .ToArray();

    [GlobalSetup]
    public void Simulate()
    {
        var study = MotivatingStudy.Generate();
        _protocol = study.Protocol;
        _charts = Charts(study);
        _baselines = Baselines(_charts, _protocol, _parts);
    }

    /// <summary>How many patients each invocation reads: every figure is per patient.</summary>
    public const int Patients = 226;

    [Benchmark(Baseline = true, OperationsPerInvoke = Patients, Description = "decoded to the moment")]
    public int Decoded()
    {
        var read = 0;
        foreach (var chart in _charts) read += Decode(chart).Events.Count;
        return read;
    }

    [Benchmark(OperationsPerInvoke = Patients, Description = "+ folded")]
    public int Folded()
    {
        var read = 0;
        foreach (var chart in _charts) read += Decode(chart).Timeline()?.Entries.Count ?? 0;
        return read;
    }

    [Benchmark(OperationsPerInvoke = Patients, Description = "+ derived")]
    public int Derived()
    {
        var read = 0;
        foreach (var chart in _charts)
            if (Decode(chart).Timeline() is { } timeline) read += OutcomeDerivation.DeriveWithoutEnds(timeline, _protocol, null).Times.Count;
        return read;
    }

    [Benchmark(OperationsPerInvoke = Patients, Description = "+ shared (a set's patient)")]
    public int Shared()
    {
        var read = 0;
        for (var i = 0; i < _charts.Length; i++)
            if (Decode(_charts[i]).Timeline() is { } timeline)
                read += _parts.Share(OutcomeDerivation.DeriveWithoutEnds(timeline, _protocol, null), _baselines[i]).Times.Count;
        return read;
    }

    private ChartAsOf Decode(byte[] chart) => Decode(chart, Moment, _entries, _texts);

    /// <summary>A chart decoded up to <paramref name="moment"/> as a set at a moment reads it, into the reading thread's <paramref name="entries"/>.</summary>
    public static ChartAsOf Decode(byte[] chart, DateTimeOffset moment, List<ChartEvent> entries, DecodedTexts texts)
    {
        entries.Clear();
        // The whole records' set holds each patient's values, shared already, so a set at a moment decodes charts without them.
        var (withoutBaseline, first, last, unchanged) = CompactChartEntries.Decode(chart, moment, entries, texts, withoutBaseline: true);
        return new ChartAsOf(Guid.Empty, 0, entries, withoutBaseline, first, last, unchanged);
    }

    /// <summary>Each patient's baseline values as the whole records' set holds them, shared.</summary>
    public static BaselineValues[] Baselines(byte[][] charts, Protocol protocol, SharedOutcomeParts parts) => charts
        .Select(c => parts.Share(OutcomeDerivation.DeriveWithoutEnds(PatientTimeline.From(Guid.Empty, CompactChartEntries.Decode(c))!, protocol, null)).Baseline)
        .ToArray();
}
