using JasperFx.Events.Fetching;
using Registry.Projections.Patients;

namespace Registry.Api.Tests.Patients;

/// <summary>The kept charts themselves: a copy per commit, taken out while in use, the least recently written dropped first.</summary>
public sealed class ChartsKeptForWritingTests
{
    private static AggregateCacheKey KeyOf(Guid patientId) => new(typeof(PatientChart), "registry", AggregateCacheKey.GlobalTenant, patientId);

    private static PatientChart ChartAt(Guid patientId, long version) => new() { Id = patientId, Version = version, SubjectCode = $"S-{version}" };

    [Fact]
    public void A_kept_chart_is_a_copy_handed_out_once_with_its_version()
    {
        var kept = new ChartsForWriting(capacity: 2);
        var patientId = Guid.NewGuid();
        var committed = ChartAt(patientId, 7);
        kept.Store(KeyOf(patientId), committed, 7);

        Assert.True(kept.TryTake(KeyOf(patientId), out var taken, out var version));
        Assert.Equal(7, version);
        var chart = Assert.IsType<PatientChart>(taken);
        Assert.NotSame(committed, chart);
        Assert.Equal(("S-7", 7L), (chart.SubjectCode, chart.Version));
        Assert.False(kept.TryTake(KeyOf(patientId), out _, out _));
    }

    [Fact]
    public void Past_its_capacity_the_chart_written_longest_ago_is_dropped()
    {
        var kept = new ChartsForWriting(capacity: 2);
        var (first, second, third) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        kept.Store(KeyOf(first), ChartAt(first, 1), 1);
        kept.Store(KeyOf(second), ChartAt(second, 1), 1);
        // Written again, so the second patient's chart is now the one written longest ago.
        kept.Store(KeyOf(first), ChartAt(first, 2), 2);
        kept.Store(KeyOf(third), ChartAt(third, 1), 1);

        Assert.Equal(2, kept.Count);
        Assert.False(kept.TryTake(KeyOf(second), out _, out _));
        Assert.True(kept.TryTake(KeyOf(first), out _, out var firstVersion));
        Assert.Equal(2, firstVersion);
        Assert.True(kept.TryTake(KeyOf(third), out _, out _));
    }

    [Fact]
    public void An_evicted_chart_is_not_handed_out()
    {
        var kept = new ChartsForWriting(capacity: 2);
        var patientId = Guid.NewGuid();
        kept.Store(KeyOf(patientId), ChartAt(patientId, 3), 3);
        kept.Evict(KeyOf(patientId));

        Assert.False(kept.TryTake(KeyOf(patientId), out _, out _));
        Assert.Equal(0, kept.Count);
    }
}
