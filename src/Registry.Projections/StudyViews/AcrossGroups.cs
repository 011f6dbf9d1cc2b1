using Registry.Analytics.Tables;

namespace Registry.Projections.StudyViews;

/// <summary>A count table compared across groups: Pearson chi-square without continuity correction (as SPSS reports) and, where expected counts are small, Fisher's exact test.</summary>
public sealed record AcrossArmsTest(double? ChiSquare, int? Df, double? ChiSquareP, double? FisherP, string? Note);

public static class AcrossGroups
{
    // Fisher's r×c network algorithm can take seconds on dense tables; a view must answer promptly.
    private static readonly TimeSpan FisherBudget = TimeSpan.FromSeconds(2);

    // Exact tests belong to small expected counts; beyond this many patients the chi-square is the appropriate test.
    private const int FisherMaximumPatients = 1000;

    /// <summary>Rows are groups, columns the categories counted.</summary>
    public static AcrossArmsTest Test(int[,] counts, CancellationToken ct = default)
    {
        // Tables test one row after another (a safety table, one per term): each observes cancellation.
        ct.ThrowIfCancellationRequested();
        var pearson = counts.GetLength(0) >= 2 && counts.GetLength(1) >= 2 ? PearsonChiSquare.Test(counts) : null;
        if (pearson?.Test is null) return new AcrossArmsTest(null, null, null, null, "Not testable: fewer than two groups or two categories have patients.");
        if (pearson.CellsExpectedBelowFive == 0)
            return new AcrossArmsTest(pearson.Test.ChiSquare, pearson.Test.DegreesOfFreedom, pearson.Test.P, null, null);

        var total = 0;
        foreach (var n in counts) total += n;
        var note = $"{pearson.CellsExpectedBelowFive} cell(s) expect fewer than 5 patients; prefer Fisher's exact p.";
        if (total > FisherMaximumPatients)
            return new AcrossArmsTest(pearson.Test.ChiSquare, pearson.Test.DegreesOfFreedom, pearson.Test.P, null,
                $"{pearson.CellsExpectedBelowFive} cell(s) expect fewer than 5 patients; with {total} patients the chi-square p is the test (Fisher's exact test is not computed).");
        double? fisher = null;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(FisherBudget);
        try
        {
            fisher = FisherExact.Test(counts, budget.Token).P;
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            ct.ThrowIfCancellationRequested();
            note = $"Fisher's exact test not computed ({(e is OperationCanceledException ? "over the time budget" : e.Message)}); use the chi-square p.";
        }
        return new AcrossArmsTest(pearson.Test.ChiSquare, pearson.Test.DegreesOfFreedom, pearson.Test.P, fisher, note);
    }

    /// <summary>A yes/no table per group from (patients with, of) counts.</summary>
    public static int[,] YesNo(IReadOnlyList<(int Yes, int Of)> counts)
    {
        var table = new int[counts.Count, 2];
        for (var i = 0; i < counts.Count; i++) { table[i, 0] = counts[i].Yes; table[i, 1] = counts[i].Of - counts[i].Yes; }
        return table;
    }
}
