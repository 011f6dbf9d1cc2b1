using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// The sets dropped to make room for a new set are compacted away before it is read only when that set is read from
/// scratch (it fills their room); a set taken from the whole records' set leaves them to the background collection after
/// its read (<see cref="StudyScopes.CompactedBeforeRead"/>). The figures are those of 100 000 patients.
/// </summary>
public sealed class SetCollectionsTests
{
    [Theory]
    // The third new moment in a row, taken from the whole records' set, drops the first moment's set (64 283 patients).
    [InlineData(true, 64_283, false)]
    // A moment read from scratch (its protocol amended since) drops a study's current set: compacted first, as before.
    [InlineData(false, 99_892, true)]
    [InlineData(false, StudyScopes.PatientsCollectedAfter, true)]
    // Too few patients dropped to be worth a full collection, whatever the set.
    [InlineData(false, StudyScopes.PatientsCollectedAfter - 1, false)]
    [InlineData(true, 0, false)]
    public void Dropped_sets_are_compacted_away_before_a_read_only_for_a_set_read_from_scratch(bool takenFromKeptSet, long dropped, bool compacted) =>
        Assert.Equal(compacted, StudyScopes.CompactedBeforeRead(takenFromKeptSet, dropped));
}
