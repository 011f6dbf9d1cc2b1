using System.Globalization;
using System.Text;
using Registry.Domain.Protocols;

namespace Registry.Projections.StudyViews;

/// <summary>
/// A study's report in Markdown, entirely from its protocol: Table 1 in the dictionary's groupings, response
/// (Table 2) and adverse events (Table 3) by arm and by the plan's pooled groups, every time-to-event endpoint's
/// medians and landmark rates, and the plan's comparisons. The same query functions the API's views call.
/// </summary>
public static class StudyReport
{
    public static string Render(StudyViewScope scope)
    {
        var p = scope.Protocol;
        var text = new StringBuilder();
        text.AppendLine($"# {p.Code}: {p.Title}");
        text.AppendLine($"Design {p.Design}; time from {p.TimeOrigin}; protocol version {scope.Study.ProtocolVersion}. Patients enrolled: {scope.Outcomes.Count}, analysable: {scope.Outcomes.Count(o => o.Analysable)}" +
                        $"{Exclusions(scope)}. {(scope.DataCut is { } cut ? $"Data cut {cut:yyyy-MM-dd}. " : "")}{(scope.AsOf is { } asOf ? $"As of {asOf:O}." : "")}");
        text.AppendLine();

        var columns = TableColumns(scope);
        Table1(text, StudyTables.Baseline(scope, columns));
        Table2(text, StudyTables.Response(scope, scope.EachArm.ToList()), "arm");
        if (columns.Count != p.Arms.Count || columns.Any(c => c.Arms.Count > 1)) Table2(text, StudyTables.Response(scope, columns), "group");
        Table3(text, StudyTables.Safety(scope, columns));
        foreach (var endpoint in p.Endpoints.Select(EndpointCatalogue.Find).OfType<EndpointDefinition>().Where(e => e.Kind == EndpointKind.TimeToEvent))
            Survival(text, scope, endpoint);
        return text.ToString();
    }

    /// <summary>Tables compare the plan's pooled groups when it names groups covering every arm (as the motivating paper's tables do), else the arms.</summary>
    public static IReadOnlyList<ArmGroup> TableColumns(StudyViewScope scope)
    {
        var pooled = scope.Protocol.Analysis?.Pooled;
        if (pooled is { Count: > 1 } && scope.Protocol.Arms.All(a => pooled.Values.Count(v => v.Contains(a.Code)) == 1))
            return pooled.Select(g => new ArmGroup(g.Key, g.Value.ToList())).ToList();
        return scope.EachArm.ToList();
    }

    private static void Table1(StringBuilder text, BaselineView view)
    {
        text.AppendLine("## Table 1 — baseline characteristics (n, %; p: Pearson chi-square; Fisher where expected counts are small)");
        text.AppendLine($"| characteristic | group | {string.Join(" | ", view.Arms.Select((a, i) => $"{a} (n={view.N[i]})"))} | p |");
        text.AppendLine($"|---|---|{string.Concat(view.Arms.Select(_ => "---|"))}---|");
        foreach (var variable in view.Characteristics)
            foreach (var (level, i) in variable.Levels.Select((l, i) => (l, i)))
                text.AppendLine($"| {(i == 0 ? variable.Label : "")} | {level.Level} | {string.Join(" | ", level.Arms.Select(c => $"{c.Patients} ({c.Percent:F1}%)"))} | {(i == 0 ? Test(variable.AcrossArms) : "")} |");
        text.AppendLine();
    }

    private static void Table2(StringBuilder text, ResponseView view, string by)
    {
        text.AppendLine($"## Table 2 — best overall response by {by} ({view.Criteria}{(view.ConfirmationRequired ? ", confirmed" : "")}); rates with Clopper–Pearson 95% CI");
        text.AppendLine($"| {by} | n | CR | PR | SD | PD | NE | ORR | confirmed ORR | DCR |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var arm in view.Arms)
            text.AppendLine($"| {arm.Arm} | {arm.N} | {arm.CR} | {arm.PR} | {arm.SD} | {arm.PD} | {arm.NE} | {Rate(arm.Orr)} | {Rate(arm.ConfirmedOrr)} | {Rate(arm.Dcr)} |");
        if (view.Arms.Count > 1) text.AppendLine($"ORR across {by}s: {Test(view.OrrAcrossArms)}; DCR: {Test(view.DcrAcrossArms)}.");
        text.AppendLine();
    }

    private static void Table3(StringBuilder text, SafetyView view)
    {
        var arms = view.AnyAdverseEvent.Select(a => a.Arm).ToList();
        text.AppendLine("## Table 3 — adverse events (patients, worst grade per term)");
        text.AppendLine($"| term | {string.Join(" | ", arms.Select(a => $"{a} any grade"))} | p | {string.Join(" | ", arms.Select(a => $"{a} grade ≥ 3"))} | p |");
        text.AppendLine($"|---|{string.Concat(arms.Select(_ => "---|"))}---|{string.Concat(arms.Select(_ => "---|"))}---|");
        foreach (var row in view.Terms)
            text.AppendLine($"| {row.Term} | {Counts(row.AnyGrade)} | {P(row.AnyGradeAcrossArms.ChiSquareP)} | {Counts(row.GradeThreeOrMore)} | {P(row.GradeThreeOrMoreAcrossArms.ChiSquareP)} |");
        text.AppendLine($"| **Total (patients)** | {Counts(view.AnyAdverseEvent)} | {P(view.AnyAdverseEventAcrossArms.ChiSquareP)} | {Counts(view.AnyGradeThreeOrMore)} | {P(view.AnyGradeThreeOrMoreAcrossArms.ChiSquareP)} |");
        text.AppendLine();
    }

    private static void Survival(StringBuilder text, StudyViewScope scope, EndpointDefinition endpoint)
    {
        var p = scope.Protocol;
        var unit = p.InDays ? "days" : "months";
        var groups = scope.EachArm.Concat(p.Analysis?.Pooled?.Select(g => new ArmGroup(g.Key, g.Value.ToList())) ?? []).ToList();
        var view = SurvivalCurves.Compute(scope, endpoint, groups, p.InDays, p.LandmarkMonths);
        // The duration of response counts from the first response, not from the study's time origin.
        text.AppendLine($"## {endpoint.Name} ({endpoint.Code.ToUpperInvariant()}) from {(endpoint.Code == "dor" ? "first response" : p.TimeOrigin)}");
        text.AppendLine($"| group | analysed | excluded | events | median ({unit}, 95% CI) | {string.Join(" | ", p.LandmarkMonths.Select(m => $"{m:0.#}-month rate"))} |");
        text.AppendLine($"|---|---|---|---|---|{string.Concat(p.LandmarkMonths.Select(_ => "---|"))}");
        foreach (var arm in view.Arms)
            text.AppendLine($"| {arm.Arm} | {arm.N} | {arm.Population.Enrolled - arm.Population.Analysed} | {arm.Events} | {Number(arm.Median)} ({Number(arm.MedianLower)}–{Number(arm.MedianUpper)}) | " +
                            $"{string.Join(" | ", arm.Landmarks.Select(l => l.Survival is { } s ? $"{100 * s:F1}% ({100 * l.Lower:F1}–{100 * l.Upper:F1})" : "NE"))} |");
        var pairs = p.Analysis?.Comparisons?.Select(c => (c.Arm, c.Reference)).ToList() ?? [];
        if (pairs.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| comparison | n | events | HR (95% CI) | Wald p | log-rank p |");
            text.AppendLine("|---|---|---|---|---|---|");
            var errors = new Dictionary<string, string[]>();
            foreach (var (a, r) in pairs)
            {
                if (ViewQuery.Group(a, p, "arm", errors) is not { } arm || ViewQuery.Group(r, p, "reference", errors) is not { } reference) continue;
                var c = HazardComparison.Compute(scope.Outcomes, endpoint.Code, arm, reference, null, [], scope.AsOf, scope.DataCut);
                text.AppendLine($"| {c.Arm} vs {c.Reference} | {c.N} | {c.Events} | {(c.Hr is { } hr ? $"{hr:F3} ({c.HrLower:F3}–{c.HrUpper:F3})" : c.NotEstimableReason)} | {P(c.P)} | {P(c.LogRankP)} |");
            }
        }
        text.AppendLine();
    }

    private static string Exclusions(StudyViewScope scope) =>
        scope.Outcomes.Where(o => !o.Analysable).GroupBy(o => o.ExcludedBecause).Select(g => $"{g.Count()} {g.Key}").ToList() is { Count: > 0 } reasons
            ? $" (excluded: {string.Join(", ", reasons)})" : "";

    private static string Counts(IEnumerable<ArmCount> counts) => string.Join(" | ", counts.Select(c => $"{c.Patients} ({c.Percent:F2}%)"));
    private static string Rate(RateView? r) => r is null ? "NE" : $"{r.Patients} ({100 * r.Rate:F2}%; {100 * r.Lower:F1}–{100 * r.Upper:F1})";
    private static string Test(AcrossArmsTest t) => t.ChiSquareP is null ? "—" : $"{P(t.ChiSquareP)}{(t.FisherP is { } f ? $" (Fisher {P(f)})" : "")}";
    private static string P(double? p) => p is null ? "—" : p < 0.001 ? "<0.001" : p.Value.ToString("F3", CultureInfo.InvariantCulture);
    private static string Number(double? x) => x?.ToString("F2", CultureInfo.InvariantCulture) ?? "NR";
}
