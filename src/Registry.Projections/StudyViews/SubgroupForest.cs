using Registry.Analytics.Subgroups;
using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;

namespace Registry.Projections.StudyViews;

public sealed record SubgroupRowView(string Level, int N, int Events, double? Hr, double? HrLower, double? HrUpper, double? P, string? NotEstimableReason);

public sealed record SubgroupVariableView(string Variable, string Label, double? InteractionP, IReadOnlyList<SubgroupRowView> Levels);

public sealed record SubgroupsView(string Endpoint, string Arm, string Reference, SubgroupRowView Overall, IReadOnlyList<SubgroupVariableView> Subgroups,
    PopulationView Population, DateTimeOffset? AsOf, DateOnly? DataCut);

/// <summary>
/// The forest plot's data: the HR within each group of each subgroup variable (the analysis plan's, else every
/// groupable dictionary variable), and the treatment × subgroup interaction p.
/// </summary>
public static class SubgroupForest
{
    public static IReadOnlyList<Variable> Variables(Protocol protocol) =>
        protocol.Analysis?.Subgroups is { Count: > 0 } keys
            ? keys.Select(protocol.Variable).OfType<Variable>().Where(v => v.IsGroupable).ToList()
            : protocol.GroupableVariables.ToList();

    public static SubgroupsView Compute(IReadOnlyList<PatientOutcome> outcomes, Protocol protocol, string endpoint, ArmGroup arm, ArmGroup reference,
        DateTimeOffset? asOf, DateOnly? dataCut, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        // One pass over the study's patients: who the forest is about, and the analysed.
        var counted = new PopulationCount();
        var rows = new List<PatientOutcome>();
        foreach (var o in outcomes)
        {
            if (o.Arm is null)
            {
                counted.Add(PopulationView.NotRandomized(o));
                continue;
            }
            if (!arm.Contains(o) && !reference.Contains(o)) continue;
            var reason = SurvivalCurves.ExcludedFrom(o, endpoint);
            counted.Add(reason);
            if (reason is null) rows.Add(o);
        }
        var population = counted.View();
        var times = new double[rows.Count];
        var events = new bool[rows.Count];
        var arms = new string[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var time = rows[i].Time(endpoint)!;
            (times[i], events[i], arms[i]) = (time.Days, time.Event, rows[i].Arm!);
        }

        // The patients are checked and sorted by time once for every subgroup variable, and the overall effect fitted once.
        SubgroupSubjects? subjects = null;
        string? unfitSubjects = null;
        try
        {
            subjects = SubgroupSubjects.Of(times, events, arms, new TreatmentComparison(arm.Arms.ToList(), reference.Arms.ToList()));
        }
        catch (ArgumentException unfit)
        {
            unfitSubjects = unfit.Message;
        }

        SubgroupRowView Row(TreatmentEffect e) => new(e.Label, e.Subjects, e.Events, e.HazardRatio, e.HazardRatioLower, e.HazardRatioUpper, e.P, e.NotEstimableReason);

        SubgroupRowView? overall = null;
        var variables = new List<SubgroupVariableView>();
        foreach (var variable in Variables(protocol))
        {
            // A Cox model per level of each variable: cancellation is observed before each variable's.
            ct.ThrowIfCancellationRequested();
            var labels = VariableGroups.OrUnknown(rows, variable);
            var recorded = labels.ToHashSet();
            var levels = DataDictionary.GroupLabels(variable).Concat(MissingCodes.All.Select(MissingCodes.Label)).Distinct().Where(recorded.Contains).ToList();
            if (levels.Count == 0) continue;
            var unfitReason = unfitSubjects;
            if (subjects is not null)
            {
                try
                {
                    var result = SubgroupAnalysis.Analyze(subjects, variable.Key, labels, levels);
                    overall ??= Row(result.Overall) with { Level = "All patients" };
                    variables.Add(new SubgroupVariableView(variable.Key, variable.Label, result.Interaction?.P, result.Levels.Select(Row).ToList()));
                    continue;
                }
                catch (ArgumentException unfit)
                {
                    unfitReason = unfit.Message;
                }
            }
            variables.Add(new SubgroupVariableView(variable.Key, variable.Label, null,
                levels.Select(l => new SubgroupRowView(l, labels.Count(x => x == l), 0, null, null, null, null, unfitReason)).ToList()));
        }
        overall ??= new SubgroupRowView("All patients", rows.Count, events.Count(e => e), null, null, null, null, "No analysable patients or no events.");
        return new SubgroupsView(endpoint, arm.Label, reference.Label, overall, variables, population, asOf, dataCut);
    }
}
