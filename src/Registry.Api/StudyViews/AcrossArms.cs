using Registry.Analytics.Tables;

namespace Registry.Api.StudyViews;

/// <summary>A comparison of a count table across arms: Pearson chi-square without continuity correction (as SPSS reports) and Fisher's exact test.</summary>
public sealed record AcrossArmsTest(double? ChiSquare, int? Df, double? ChiSquareP, double? FisherP, string? Note);

public static class AcrossArms
{
    // Fisher's r×c network algorithm can take seconds on dense tables; a view must answer promptly.
    private static readonly TimeSpan FisherBudget = TimeSpan.FromSeconds(2);

    /// <summary>Rows are arms, columns the categories counted.</summary>
    public static AcrossArmsTest Test(int[,] counts)
    {
        var pearson = counts.GetLength(0) >= 2 && counts.GetLength(1) >= 2 ? PearsonChiSquare.Test(counts) : null;
        if (pearson?.Test is null) return new AcrossArmsTest(null, null, null, null, "Not testable: fewer than two arms or two categories have patients.");
        double? fisher = null;
        string? note = pearson.CellsExpectedBelowFive > 0 ? $"{pearson.CellsExpectedBelowFive} cell(s) expect fewer than 5 patients; prefer Fisher's exact p." : null;
        using var budget = new CancellationTokenSource(FisherBudget);
        try
        {
            fisher = FisherExact.Test(counts, budget.Token).P;
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            note = $"Fisher's exact test not computed ({(e is OperationCanceledException ? "over the time budget" : e.Message)}); use the chi-square p.";
        }
        return new AcrossArmsTest(pearson.Test.ChiSquare, pearson.Test.DegreesOfFreedom, pearson.Test.P, fisher, note);
    }
}
