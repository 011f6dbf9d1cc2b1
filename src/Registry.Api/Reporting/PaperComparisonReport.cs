using System.Globalization;
using System.Text;
using Registry.Api.Baseline;
using Registry.Api.Comparisons;
using Registry.Api.DemoStudy;
using Registry.Api.Response;
using Registry.Api.Safety;
using Registry.Api.StudyViews;
using Registry.Api.Survival;

namespace Registry.Api.Reporting;

/// <summary>
/// The paper's tables with the registry's figures beside the published ones, and how close each is. Figures the
/// paper's text gives (PFS medians, ORR, DCR, the direction of significant HRs, OS ITC vs C ≈ 1/3) are compared;
/// Table 1 and Table 3 show the registry's counts beside the simulator's assumed rates (marked as such).
/// </summary>
public static class PaperComparisonReport
{
    public static string Render(StudyViewScope scope)
    {
        var text = new StringBuilder();
        var arms = scope.Study.Arms.Select(a => a.Code).ToList();
        text.AppendLine($"# {scope.Study.Code}: {scope.Study.Title}");
        text.AppendLine($"Patients: {scope.Outcomes.Count}. {(scope.DataCut is { } cut ? $"Data cut {cut:yyyy-MM-dd}. " : "")}{(scope.AsOf is { } asOf ? $"As of {asOf:O}. " : "")}");
        text.AppendLine("Published: Sci Rep 2024, \"Combination strategy exploration for prior treated recurrent or metastatic nasopharyngeal carcinoma in the era of immunotherapy\".");
        text.AppendLine();

        Table1(text, GettingBaselineEndpoint.Compute(scope));
        Table2(text, GettingResponseEndpoint.Compute(scope));
        Table3(text, GettingSafetyEndpoint.Compute(scope), arms);
        Survival(text, scope);
        return text.ToString();
    }

    private static void Table1(StringBuilder text, BaselineView view)
    {
        text.AppendLine("## Table 1 — baseline characteristics (n, % per arm; p: Pearson chi-square across arms)");
        text.AppendLine($"| characteristic | level | {string.Join(" | ", view.Arms.Select((a, i) => $"{a} (n={view.N[i]})"))} | p |");
        text.AppendLine($"|---|---|{string.Concat(view.Arms.Select(_ => "---|"))}---|");
        foreach (var variable in view.Characteristics)
            foreach (var (level, i) in variable.Levels.Select((l, i) => (l, i)))
                text.AppendLine($"| {(i == 0 ? variable.Label : "")} | {level.Level} | {string.Join(" | ", level.Arms.Select(c => $"{c.Patients} ({c.Percent:F1}%)"))} | {(i == 0 ? P(variable.AcrossArms.ChiSquareP) : "")} |");
        text.AppendLine("Published Table 1 proportions were not available offline; the simulator draws from assumed proportions per pooled group (src/Registry.Api/DemoStudy/PublishedStudy.cs).");
        text.AppendLine();
    }

    private static void Table2(StringBuilder text, ResponseView view)
    {
        text.AppendLine("## Table 2 — best overall response (RECIST 1.1); ORR and DCR with Clopper–Pearson 95% CI");
        text.AppendLine("| arm | n | CR | PR | SD | PD | NE | ORR registry | ORR published | Δ | DCR registry | DCR published | Δ |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var arm in view.Arms)
        {
            var published = PublishedStudy.Arms.FirstOrDefault(a => a.Code == arm.Arm);
            text.AppendLine($"| {arm.Arm} | {arm.N} | {arm.CR} | {arm.PR} | {arm.SD} | {arm.PD} | {arm.NE} | {Rate(arm.Orr)} | {Percent(published?.ObjectiveResponseRate)} | {Points(arm.Orr?.Rate, published?.ObjectiveResponseRate)} | {Rate(arm.Dcr)} | {Percent(published?.DiseaseControlRate)} | {Points(arm.Dcr?.Rate, published?.DiseaseControlRate)} |");
        }
        text.AppendLine($"ORR across arms: chi-square p {P(view.OrrAcrossArms.ChiSquareP)}, Fisher p {P(view.OrrAcrossArms.FisherP)}; DCR across arms: chi-square p {P(view.DcrAcrossArms.ChiSquareP)}, Fisher p {P(view.DcrAcrossArms.FisherP)}.");
        text.AppendLine();
    }

    private static void Table3(StringBuilder text, SafetyView view, IReadOnlyList<string> arms)
    {
        text.AppendLine("## Table 3 — adverse events (patients with the term; any grade / grade ≥ 3)");
        text.AppendLine($"| term | {string.Join(" | ", arms)} | assumed any-grade rate (where the regimen causes it) | p (any grade) |");
        text.AppendLine($"|---|{string.Concat(arms.Select(_ => "---|"))}---|---|");
        text.AppendLine($"| any adverse event | {string.Join(" | ", view.AnyAdverseEvent.Select(c => $"{c.Patients} ({c.Percent:F1}%)"))} | | |");
        text.AppendLine($"| any serious adverse event | {string.Join(" | ", view.AnySeriousAdverseEvent.Select(c => $"{c.Patients} ({c.Percent:F1}%)"))} | | |");
        foreach (var row in view.Terms)
        {
            var assumed = PublishedStudy.AdverseEvents.FirstOrDefault(r => string.Equals(r.Term, row.Term, StringComparison.OrdinalIgnoreCase));
            var cells = row.AnyGrade.Zip(row.GradeThreeOrMore, (any, severe) => $"{any.Patients} ({any.Percent:F0}%) / {severe.Patients} ({severe.Percent:F0}%)");
            text.AppendLine($"| {row.Term} | {string.Join(" | ", cells)} | {(assumed is null ? "" : $"{assumed.AnyGrade:P0} ({assumed.Component})")} | {P(row.AnyGradeAcrossArms.ChiSquareP)} |");
        }
        text.AppendLine("Published Table 3 rates were not available offline; the simulator draws from the assumed rates shown.");
        text.AppendLine();
    }

    private static void Survival(StringBuilder text, StudyViewScope scope)
    {
        text.AppendLine("## Survival — medians (months, 95% CI) and hazard ratios (Cox, Efron ties; Wald 95% CI)");
        text.AppendLine("| arm | PFS median registry | PFS median published | difference | OS median registry |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var arm in scope.Study.Arms)
        {
            var patients = scope.Outcomes.Where(o => o.Arm == arm.Code).ToList();
            var pfs = SurvivalCurves.ForArm(arm.Code, patients, SurvivalEndpoint.Pfs, inDays: false);
            var os = SurvivalCurves.ForArm(arm.Code, patients, SurvivalEndpoint.Os, inDays: false);
            var published = PublishedStudy.Arms.FirstOrDefault(a => a.Code == arm.Code)?.MedianPfsMonths;
            var difference = pfs.Median is { } m && published is { } p ? (m / p - 1) : (double?)null;
            text.AppendLine($"| {arm.Code} | {Median(pfs)} | {Number(published)} | {(difference is { } d ? $"{d:+0.0%;-0.0%} ({(Math.Abs(d) <= 0.25 ? "within" : "outside")} ±25%)" : "n/a")} | {Median(os)} |");
        }
        text.AppendLine($"OS published: C median {PublishedStudy.ChemotherapyMedianOsMonths} months.");
        text.AppendLine();
        text.AppendLine("| endpoint | comparison | HR registry (95% CI) | p | log-rank p | published | direction reproduced |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var published in PublishedStudy.Comparisons)
        {
            var endpoint = published.Endpoint == "os" ? SurvivalEndpoint.Os : SurvivalEndpoint.Pfs;
            var c = HazardComparison.Compute(scope.Outcomes, endpoint, published.Arm.Split('+'), published.Reference.Split('+'), null, []);
            var claim = published.HazardRatio is { } hr ? $"HR ≈ {hr:F2}, significant" : published.Significant ? "significant benefit (HR < 1)" : "not significant";
            var reproduced = !published.Significant ? (c.P is { } p && p >= 0.05 ? "yes (not significant)" : "differs (registry significant)")
                : c.Hr is { } h && h < 1 ? (c.P < 0.05 ? "yes, significant" : "yes (direction), not significant") : "no";
            text.AppendLine($"| {published.Endpoint.ToUpperInvariant()} | {c.Arm} vs {c.Reference} | {Number(c.Hr)} ({Number(c.HrLower)}–{Number(c.HrUpper)}) | {P(c.P)} | {P(c.LogRankP)} | {claim} | {reproduced} |");
        }
    }

    private static string Median(ArmSurvivalView arm) => arm.Median is null ? "not reached" : $"{Number(arm.Median)} ({Number(arm.MedianLower)}–{Number(arm.MedianUpper)})";
    private static string Rate(RateView? rate) => rate is null ? "n/a" : $"{rate.Rate:P1} ({rate.Lower:P1}–{rate.Upper:P1})";
    private static string Percent(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "n/a";
    private static string Points(double? registry, double? published) => registry is { } r && published is { } p ? $"{(r - p) * 100:+0.0;-0.0} pts" : "";
    private static string Number(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "NR";
    private static string P(double? p) => p is null ? "n/a" : p < 0.001 ? "<0.001" : p.Value.ToString("0.000", CultureInfo.InvariantCulture);
}
