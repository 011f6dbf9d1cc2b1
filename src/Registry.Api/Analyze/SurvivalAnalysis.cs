using System.Globalization;
using Registry.Analytics.Cox;
using Registry.Analytics.Survival;

namespace Registry.Api.Analyze;

/// <summary>
/// Runs the analyses of an <see cref="AnalysisPlan"/> on a read table, with the same models R would fit:
/// <c>survfit(Surv(time, event) ~ group)</c>, <c>survdiff</c> (+ <c>strata(s)</c>), <c>coxph(~ group)</c>,
/// <c>coxph(~ group + strata(s))</c> and <c>coxph(~ group + c1 + c2)</c>.
/// </summary>
public static class SurvivalAnalysis
{
    /// <param name="warn">Receives the Cox fit's plain-language warnings (non-convergence, infinite coefficients).</param>
    public static AnalysisReport Run(FollowUpTable table, AnalysisPlan plan, Action<string> warn)
    {
        var levels = SortedLevels(table.Groups);
        if (levels.Length < 2)
            throw new AnalysisInputException(
                $"column \"{plan.Group}\": every patient is in group \"{levels[0]}\"; the log-rank test and the Cox model need at least two groups.");
        var reference = plan.Reference ?? levels[0];
        if (!levels.Contains(reference))
            throw new AnalysisInputException(
                $"--reference \"{reference}\" is not a level of column \"{plan.Group}\"; its levels are {string.Join(", ", levels.Select(l => $"\"{l}\""))}.");

        var groups = SplitByGroup(table, levels);
        var curveOptions = new KaplanMeierOptions { IntervalType = plan.ConfidenceType };
        var km = groups.Select(g => GroupCurve.From(g.Label, KaplanMeier.Estimate(g.Data, curveOptions))).ToArray();

        var groupOnly = new CoxDesign().AddGroup(plan.Group, table.Groups, reference, levels);
        return new AnalysisReport(
            km,
            LogRankReport.From(LogRank.Test(groups.Select(g => g with { Strata = null }).ToArray())),
            table.Strata is null ? null : LogRankReport.From(LogRank.Test(groups)),
            Cox("cox", groupOnly, table, strata: null, plan, warn),
            table.Strata is null ? null : Cox("stratifiedCox", groupOnly, table, table.Strata, plan, warn),
            table.Covariates.Count == 0 ? null : Cox("multivariableCox", WithCovariates(plan, table, reference, levels), table, strata: null, plan, warn));
    }

    /// <summary>Numbers in numeric order, as R orders the levels of a numeric column; text in ordinal (C locale) order.</summary>
    internal static string[] SortedLevels(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct(StringComparer.Ordinal).ToArray();
        var numeric = distinct.All(l => double.TryParse(l, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        return numeric
            ? distinct.OrderBy(l => double.Parse(l, NumberStyles.Float, CultureInfo.InvariantCulture)).ThenBy(l => l, StringComparer.Ordinal).ToArray()
            : distinct.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>One <see cref="SurvivalGroup"/> per level, in level order, carrying its patients' strata when there are any.</summary>
    private static SurvivalGroup[] SplitByGroup(FollowUpTable table, string[] levels)
    {
        var rowsOf = levels.ToDictionary(l => l, _ => new List<int>(), StringComparer.Ordinal);
        for (var i = 0; i < table.Groups.Length; i++) rowsOf[table.Groups[i]].Add(i);
        return levels.Select(level =>
        {
            var rows = rowsOf[level];
            var data = new SurvivalData(rows.Select(i => table.Times[i]).ToArray(), rows.Select(i => table.Events[i]).ToArray());
            return new SurvivalGroup(level, data, table.Strata is null ? null : rows.Select(i => table.Strata[i]).ToArray());
        }).ToArray();
    }

    private static CoxDesign WithCovariates(AnalysisPlan plan, FollowUpTable table, string reference, string[] levels)
    {
        var design = new CoxDesign().AddGroup(plan.Group, table.Groups, reference, levels);
        foreach (var (name, values) in table.Covariates) design.AddCovariate(name, values);
        return design;
    }

    private static CoxReport Cox(string block, CoxDesign design, FollowUpTable table, string[]? strata, AnalysisPlan plan, Action<string> warn)
    {
        if (!table.Events.Contains(true))
        {
            warn($"{block}: no patient had an event, so no hazard ratio can be estimated.");
            return CoxReport.WithoutEvents(plan.Ties, design.ColumnNames);
        }
        var model = CoxRegression.Fit(design, table.Times, table.Events, strata, new CoxOptions { Ties = plan.Ties });
        foreach (var warning in model.Warnings) warn($"{block}: {warning}");
        foreach (var term in model.Terms.Where(t => !t.Estimable)) warn($"{block}: {term.Name} is not estimable: {term.NotEstimableReason}.");
        return CoxReport.From(model);
    }
}
