using BenchmarkDotNet.Attributes;
using Registry.Demo;
using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

namespace Registry.Benchmarks;

/// <summary>
/// <see cref="PatientDerivationBenchmarks"/>' steps over the 100 000-patient study the scale runs load (<c>seed --scale 442</c>:
/// the same generator, 99 892 patients), each patient's outcome kept in one set as <c>StudyScopes</c> keeps a set at a
/// moment, on one thread, without PostgreSQL, HTTP or the view: what deriving a set costs in a heap that holds the set,
/// to set beside the ~1.1 s of API CPU the registry's first set at 2021-06-01 takes (docs/performance.md, "A patient
/// derived at a moment, alone").
/// </summary>
[MemoryDiagnoser]
public class MomentSetBenchmarks
{
    public const int Patients = 226 * 442;

    private static readonly DateTimeOffset Moment = new(2021, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private byte[][] _charts = null!;
    private Guid[] _ids = null!;
    private BaselineValues[] _baselines = null!;
    private Protocol _protocol = null!;
    private readonly List<ChartEvent> _entries = [];
    private readonly DecodedTexts _texts = new();
    private readonly SharedOutcomeParts _parts = new();

    [GlobalSetup]
    public void Simulate()
    {
        var study = MotivatingStudy.Generate(scale: 442);
        _protocol = study.Protocol;
        _charts = PatientDerivationBenchmarks.Charts(study);
        if (_charts.Length != Patients) throw new InvalidOperationException($"{_charts.Length} patients simulated, not {Patients}.");
        _ids = _charts.Select((_, i) => new Guid(i + 1, 0, 0, new byte[8])).ToArray();
        _baselines = PatientDerivationBenchmarks.Baselines(_charts, _protocol, _parts);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Patients, Description = "decoded to the moment")]
    public int Decoded()
    {
        var read = 0;
        foreach (var chart in _charts) read += PatientDerivationBenchmarks.Decode(chart, Moment, _entries, _texts).Events.Count;
        return read;
    }

    [Benchmark(OperationsPerInvoke = Patients, Description = "+ folded, derived, shared and kept")]
    public Dictionary<Guid, PatientOutcome> Kept()
    {
        var set = new Dictionary<Guid, PatientOutcome>(_charts.Length);
        for (var i = 0; i < _charts.Length; i++)
            if (PatientDerivationBenchmarks.Decode(_charts[i], Moment, _entries, _texts).Timeline() is { } timeline)
                set[_ids[i]] = _parts.Share(OutcomeDerivation.DeriveWithoutEnds(timeline, _protocol, null), _baselines[i]);
        return set;
    }
}
