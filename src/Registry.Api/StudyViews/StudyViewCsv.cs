using System.Globalization;
using Registry.Audit;
using Registry.Projections.StudyViews;

namespace Registry.Api.StudyViews;

/// <summary>
/// The investigator views as CSV tables, one row per row of the dashboard's table: numbers as the view has them
/// (rates as proportions, times in the view's unit), an empty cell where a number is not estimable and a note column
/// saying why. Written through <see cref="SpreadsheetSafeCsv"/>, so no label can run as a spreadsheet formula.
/// </summary>
public static class StudyViewCsv
{
    public static async Task SurvivalAsync(SurvivalView view, Stream body, CancellationToken ct)
    {
        await using var csv = SpreadsheetSafeCsv.Create(body);
        var landmarks = view.Arms.FirstOrDefault()?.Landmarks.Select(l => l.Months).ToList() ?? [];
        var atRisk = view.Arms.SelectMany(a => a.AtRisk).Select(r => r.Time).Distinct().Order().ToList();
        csv.Header([
            "endpoint", "unit", "group", "n", "events", "median", "medianLower", "medianUpper",
            .. landmarks.SelectMany(m => new[] { $"survival{Months(m)}m", $"lower{Months(m)}m", $"upper{Months(m)}m" }),
            .. atRisk.Select(t => $"atRisk{Months(t)}"),
            "note",
        ]);
        foreach (var arm in view.Arms)
        {
            csv.Text(view.Endpoint);
            csv.Text(view.Unit);
            csv.Text(arm.Arm);
            csv.Number(arm.N);
            csv.Number(arm.Events);
            csv.Number(arm.Median);
            csv.Number(arm.MedianLower);
            csv.Number(arm.MedianUpper);
            foreach (var months in landmarks)
            {
                var landmark = arm.Landmarks.First(l => l.Months == months);
                csv.Number(landmark.Survival);
                csv.Number(landmark.Lower);
                csv.Number(landmark.Upper);
            }
            foreach (var time in atRisk)
                csv.Number(arm.AtRisk.FirstOrDefault(r => r.Time == time)?.N ?? 0);
            csv.Text(Notes([
                ("median", NotEstimable.Median(arm)), ("median lower", NotEstimable.MedianLower(arm)), ("median upper", NotEstimable.MedianUpper(arm)),
                .. arm.Landmarks.Select(l => ($"{Months(l.Months)}-month survival", NotEstimable.LandmarkInterval(arm, l))),
            ]));
            await csv.EndRowAsync(ct);
        }
    }

    public static async Task ComparisonsAsync(PlannedComparisonsView view, Stream body, CancellationToken ct)
    {
        await using var csv = SpreadsheetSafeCsv.Create(body);
        csv.Header("endpoint", "arm", "reference", "n", "events", "hr", "hrLower", "hrUpper", "p", "logRankP", "strata", "adjustedFor", "note");
        foreach (var c in view.Comparisons)
        {
            csv.Text(c.Endpoint);
            csv.Text(c.Arm);
            csv.Text(c.Reference);
            csv.Number(c.N);
            csv.Number(c.Events);
            csv.Number(c.Hr);
            csv.Number(c.HrLower);
            csv.Number(c.HrUpper);
            csv.Number(c.P);
            csv.Number(c.LogRankP);
            csv.Text(c.Strata ?? "");
            csv.Text(string.Join(" ", c.AdjustedFor));
            csv.Text(Notes(("hazard ratio", NotEstimable.HazardRatio(c)), ("log-rank", c.Hr is null ? null : NotEstimable.LogRank(c))));
            await csv.EndRowAsync(ct);
        }
    }

    public static async Task SubgroupsAsync(SubgroupsView view, Stream body, CancellationToken ct)
    {
        await using var csv = SpreadsheetSafeCsv.Create(body);
        csv.Header("endpoint", "arm", "reference", "variable", "label", "level", "n", "events", "hr", "hrLower", "hrUpper", "p", "interactionP", "note");
        async Task Row(string variable, string label, SubgroupRowView row, double? interaction, string? interactionNote)
        {
            csv.Text(view.Endpoint);
            csv.Text(view.Arm);
            csv.Text(view.Reference);
            csv.Text(variable);
            csv.Text(label);
            csv.Text(row.Level);
            csv.Number(row.N);
            csv.Number(row.Events);
            csv.Number(row.Hr);
            csv.Number(row.HrLower);
            csv.Number(row.HrUpper);
            csv.Number(row.P);
            csv.Number(interaction);
            csv.Text(Notes(("hazard ratio", NotEstimable.HazardRatio(row)), ("interaction", interactionNote)));
            await csv.EndRowAsync(ct);
        }
        await Row("", "All patients", view.Overall, null, null);
        foreach (var variable in view.Subgroups)
            foreach (var level in variable.Levels)
                await Row(variable.Variable, variable.Label, level, variable.InteractionP, NotEstimable.Interaction(variable));
    }

    public static async Task BaselineAsync(BaselineView view, Stream body, CancellationToken ct)
    {
        await using var csv = SpreadsheetSafeCsv.Create(body);
        csv.Header(["variable", "label", "level", .. view.Arms.SelectMany(a => new[] { $"{a} n", $"{a} %" }), "chiSquare", "df", "p", "fisherP", "note"]);
        foreach (var variable in view.Characteristics)
            foreach (var level in variable.Levels)
            {
                csv.Text(variable.Variable);
                csv.Text(variable.Label);
                csv.Text(level.Level);
                foreach (var count in level.Arms)
                {
                    csv.Number(count.Patients);
                    csv.Number(count.Percent);
                }
                Test(csv, variable.AcrossArms);
                await csv.EndRowAsync(ct);
            }
    }

    public static async Task ResponseAsync(ResponseView view, Stream body, CancellationToken ct)
    {
        await using var csv = SpreadsheetSafeCsv.Create(body);
        csv.Header("group", "n", "CR", "PR", "SD", "PD", "NE",
            "orrPatients", "orr", "orrLower", "orrUpper", "confirmedOrrPatients", "confirmedOrr", "confirmedOrrLower", "confirmedOrrUpper",
            "dcrPatients", "dcr", "dcrLower", "dcrUpper", "orrAcrossGroupsP", "orrAcrossGroupsFisherP", "dcrAcrossGroupsP", "dcrAcrossGroupsFisherP", "note");
        foreach (var arm in view.Arms)
        {
            csv.Text(arm.Arm);
            foreach (var n in new[] { arm.N, arm.CR, arm.PR, arm.SD, arm.PD, arm.NE }) csv.Number(n);
            foreach (var rate in new[] { arm.Orr, arm.ConfirmedOrr, arm.Dcr })
            {
                csv.Number(rate?.Patients);
                csv.Number(rate?.Rate);
                csv.Number(rate?.Lower);
                csv.Number(rate?.Upper);
            }
            csv.Number(view.OrrAcrossArms.ChiSquareP);
            csv.Number(view.OrrAcrossArms.FisherP);
            csv.Number(view.DcrAcrossArms.ChiSquareP);
            csv.Number(view.DcrAcrossArms.FisherP);
            csv.Text(Notes(("rates", NotEstimable.Rate(arm.Orr)), ("ORR across groups", view.OrrAcrossArms.Note), ("DCR across groups", view.DcrAcrossArms.Note)));
            await csv.EndRowAsync(ct);
        }
    }

    /// <summary>Each term, then the totals: any adverse event (any grade and grade ≥ 3) and any serious one (not graded: its grade ≥ 3 cells are empty).</summary>
    public static async Task SafetyAsync(SafetyView view, Stream body, CancellationToken ct)
    {
        await using var csv = SpreadsheetSafeCsv.Create(body);
        var groups = view.AnyAdverseEvent.Select(a => a.Arm).ToList();
        csv.Header([
            "term", .. groups.SelectMany(g => new[] { $"{g} any grade n", $"{g} any grade %" }), "anyGradeP", "anyGradeFisherP",
            .. groups.SelectMany(g => new[] { $"{g} grade>=3 n", $"{g} grade>=3 %" }), "gradeThreeOrMoreP", "gradeThreeOrMoreFisherP", "note",
        ]);
        async Task Row(string term, IReadOnlyList<ArmCount> any, AcrossArmsTest anyTest, IReadOnlyList<ArmCount>? severe, AcrossArmsTest? severeTest)
        {
            csv.Text(term);
            Counts(csv, any);
            csv.Number(anyTest.ChiSquareP);
            csv.Number(anyTest.FisherP);
            if (severe is not null) Counts(csv, severe);
            else foreach (var _ in groups) { csv.Text(""); csv.Text(""); }
            csv.Number(severeTest?.ChiSquareP);
            csv.Number(severeTest?.FisherP);
            csv.Text(Notes(("any grade", NotEstimable.Across(anyTest) ?? anyTest.Note), ("grade >= 3", severeTest is null ? "not graded" : NotEstimable.Across(severeTest) ?? severeTest.Note)));
            await csv.EndRowAsync(ct);
        }
        foreach (var term in view.Terms) await Row(term.Term, term.AnyGrade, term.AnyGradeAcrossArms, term.GradeThreeOrMore, term.GradeThreeOrMoreAcrossArms);
        await Row("Any adverse event", view.AnyAdverseEvent, view.AnyAdverseEventAcrossArms, view.AnyGradeThreeOrMore, view.AnyGradeThreeOrMoreAcrossArms);
        await Row("Any serious adverse event", view.AnySeriousAdverseEvent, view.AnySeriousAdverseEventAcrossArms, null, null);
    }

    public static async Task MaturityAsync(MaturityView view, Stream body, CancellationToken ct)
    {
        await using var csv = SpreadsheetSafeCsv.Create(body);
        csv.Header("endpoint", "arm", "reference", "dataCut", "n", "events", "hr", "hrLower", "hrUpper", "p", "logRankP", "note");
        foreach (var cut in view.Cuts)
        {
            csv.Text(view.Endpoint);
            csv.Text(view.Arm);
            csv.Text(view.Reference);
            csv.Text(cut.DataCut.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            csv.Number(cut.N);
            csv.Number(cut.Events);
            csv.Number(cut.Hr);
            csv.Number(cut.HrLower);
            csv.Number(cut.HrUpper);
            csv.Number(cut.P);
            csv.Number(cut.LogRankP);
            csv.Text(Notes(("hazard ratio", NotEstimable.HazardRatio(cut))));
            await csv.EndRowAsync(ct);
        }
    }

    private static void Counts(SpreadsheetSafeCsv csv, IReadOnlyList<ArmCount> counts)
    {
        foreach (var count in counts)
        {
            csv.Number(count.Patients);
            csv.Number(count.Percent);
        }
    }

    private static void Test(SpreadsheetSafeCsv csv, AcrossArmsTest test)
    {
        csv.Number(test.ChiSquare);
        csv.Number(test.Df);
        csv.Number(test.ChiSquareP);
        csv.Number(test.FisherP);
        csv.Text(test.Note ?? "");
    }

    /// <summary>"what: why" for each number left empty, joined; empty when every number is there.</summary>
    private static string Notes(params IEnumerable<(string What, string? Why)> notes) =>
        string.Join("; ", notes.Where(n => n.Why is not null).Select(n => $"{n.What}: {n.Why}"));

    private static string Months(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
