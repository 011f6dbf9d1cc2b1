using FsCheck;
using FsCheck.Xunit;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// Maturity's cuts' patients keep each cut's changes as varints (<see cref="MaturityTimeline.Changes"/>): any patients in
/// ascending order, each with any outcome index or none, read back as written, across its blocks and once sealed into one
/// array; gaps and indexes of every varint length (1 to 5 bytes) are generated.
/// </summary>
[Properties(MaxTest = 300)]
public sealed class CutChangesProperties
{
    [Property]
    public void A_cuts_changes_read_back_as_written(NonNegativeInt[] gaps, int[] outcomes, bool wide)
    {
        var written = new List<MaturityTimeline.AtCut>();
        var patient = -1L;
        for (var i = 0; i < gaps.Length; i++)
        {
            patient += 1 + (wide ? gaps[i].Get * 21_474_781L : gaps[i].Get);
            if (patient > int.MaxValue) break;
            var drawn = outcomes.Length == 0 ? 0L : Math.Abs((long)outcomes[i % outcomes.Length]);
            // From absent (-1) to the largest index.
            var outcome = (int)((wide ? drawn * 21_474_836L : drawn) % int.MaxValue) - 1;
            written.Add(new MaturityTimeline.AtCut((int)patient, outcome));
        }
        var changes = new MaturityTimeline.Changes();
        foreach (var change in written) changes.Add(change);

        Assert.Equal(written, Read(changes));
        changes.Seal();
        Assert.Equal(written, Read(changes));
        // At most two 5-byte varints a change, and the one array's header and the object's.
        Assert.InRange(changes.Bytes, 0, 10L * written.Count + 24 + 96);
        if (written.Count > 0) Assert.Throws<InvalidOperationException>(() => changes.Add(written[^1]));
    }

    private static List<MaturityTimeline.AtCut> Read(MaturityTimeline.Changes changes)
    {
        var read = new List<MaturityTimeline.AtCut>();
        foreach (var change in changes) read.Add(change);
        return read;
    }
}
