using FsCheck;
using FsCheck.Fluent;
using Registry.Analytics.Comparisons;
using Registry.Analytics.Cox;
using Registry.Analytics.Survival;

namespace Registry.Analytics.Tests.Comparisons;

/// <summary>Two groups' patients: whole days, events, side and stratum (all 0 when unstratified), as a comparison counts them.</summary>
public sealed record TwoGroupData(int[] Day, bool[] Event, bool[] Experimental, int[] Stratum, bool Stratified)
{
    public TwoGroupCounts Counts()
    {
        var counts = new TwoGroupCounts();
        for (var i = 0; i < Day.Length; i++) counts.Add(Day[i], Experimental[i], Event[i], Stratum[i]);
        return counts;
    }

    /// <summary>The same patients as <see cref="LogRank.Test"/> takes them, experimental then reference.</summary>
    public LogRankResult GeneralLogRank() => LogRank.Test([Group("E", true), Group("R", false)]);

    /// <summary>The same patients as <see cref="CoxRegression.Fit"/> takes them: a group column, reference R.</summary>
    public CoxModel GeneralCox()
    {
        var design = new CoxDesign().AddGroup("arm", Experimental.Select(e => e ? "E" : "R").ToList(), "R", ["R", "E"]);
        return CoxRegression.Fit(design, Day.Select(d => (double)d).ToList(), Event, Stratified ? Labels(Enumerable.Range(0, Day.Length)) : null,
            new CoxOptions { Ties = CoxTies.Efron });
    }

    private SurvivalGroup Group(string label, bool side)
    {
        var rows = Enumerable.Range(0, Day.Length).Where(i => Experimental[i] == side).ToList();
        return new SurvivalGroup(label, new SurvivalData(rows.Select(i => (double)Day[i]).ToList(), rows.Select(i => Event[i]).ToList()),
            Stratified ? Labels(rows) : null);
    }

    private List<string> Labels(IEnumerable<int> rows) => rows.Select(i => $"s{Stratum[i]}").ToList();

    public override string ToString() =>
        $"{(Stratified ? "stratified " : "")}[{string.Join(" ", Enumerable.Range(0, Day.Length).Select(i => $"{(Experimental[i] ? "E" : "R")}{Day[i]}{(Event[i] ? "" : "+")}{(Stratified ? $"/s{Stratum[i]}" : "")}"))}]";
}

/// <summary>
/// Generated two-group data: tiny to a few hundred patients, days from 0 only to thousands (heavy ties to none), no
/// events, all events, events on one side only, one side without patients, and up to three strata.
/// </summary>
public static class TwoGroupArbitraries
{
    public static Arbitrary<TwoGroupData> Data() => Arb.From(
        from n in Gen.Elements(1, 2, 3, 5, 8, 20, 60, 300)
        from latestDay in Gen.Elements(0, 1, 3, 12, 90, 3000)
        from eventPercent in Gen.Elements(0, 5, 40, 80, 100)
        from eventsOn in Gen.Elements(0, 1, 2, 2, 2) // 0: reference only, 1: experimental only, 2: both
        from experimentalPercent in Gen.Elements(0, 10, 50, 50, 90, 100)
        from strata in Gen.Elements(1, 1, 2, 3)
        from rows in Gen.ArrayOf(Row(latestDay, eventPercent, eventsOn, experimentalPercent, strata), n)
        select new TwoGroupData(rows.Select(r => r.Day).ToArray(), rows.Select(r => r.Event).ToArray(),
            rows.Select(r => r.Experimental).ToArray(), rows.Select(r => r.Stratum).ToArray(), strata > 1));

    private static Gen<(int Day, bool Event, bool Experimental, int Stratum)> Row(int latestDay, int eventPercent, int eventsOn, int experimentalPercent, int strata) =>
        from day in Gen.Choose(0, latestDay)
        from experimental in Gen.Choose(1, 100).Select(x => x <= experimentalPercent)
        from eventDraw in Gen.Choose(1, 100)
        from stratum in Gen.Choose(0, strata - 1)
        select (day, eventDraw <= eventPercent && (eventsOn == 2 || (eventsOn == 1) == experimental), experimental, stratum);
}
