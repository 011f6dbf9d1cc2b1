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
        var enrolled = outcomes.Where(o => arm.Contains(o) || reference.Contains(o)).ToList();
        var population = PopulationView.About(outcomes, [arm, reference], o => SurvivalCurves.ExcludedFrom(o, endpoint));
        var rows = enrolled.Where(o => SurvivalCurves.ExcludedFrom(o, endpoint) is null).Select(o => (Outcome: o, Time: o.Time(endpoint)!)).ToList();
        var comparison = new TreatmentComparison(arm.Arms.ToList(), reference.Arms.ToList());
        var times = rows.Select(r => (double)r.Time.Days).ToList();
        var events = rows.Select(r => r.Time.Event).ToList();
        var arms = rows.Select(r => r.Outcome.Arm!).ToList();

        SubgroupRowView Row(TreatmentEffect e) => new(e.Label, e.Subjects, e.Events, e.HazardRatio, e.HazardRatioLower, e.HazardRatioUpper, e.P, e.NotEstimableReason);

        SubgroupRowView? overall = null;
        var variables = new List<SubgroupVariableView>();
        foreach (var variable in Variables(protocol))
        {
            // A Cox model per level of each variable: cancellation is observed before each variable's.
            ct.ThrowIfCancellationRequested();
            var labels = rows.Select(r => HazardComparison.Group(variable, r.Outcome)).ToList();
            var levels = DataDictionary.GroupLabels(variable).Concat(MissingCodes.All.Select(MissingCodes.Label)).Distinct().Where(labels.Contains).ToList();
            if (levels.Count == 0) continue;
            try
            {
                var result = SubgroupAnalysis.Analyze(times, events, arms, comparison, variable.Key, labels, levels);
                overall ??= Row(result.Overall) with { Level = "All patients" };
                variables.Add(new SubgroupVariableView(variable.Key, variable.Label, result.Interaction?.P, result.Levels.Select(Row).ToList()));
            }
            catch (ArgumentException unfit)
            {
                variables.Add(new SubgroupVariableView(variable.Key, variable.Label, null,
                    levels.Select(l => new SubgroupRowView(l, labels.Count(x => x == l), 0, null, null, null, null, unfit.Message)).ToList()));
            }
        }
        overall ??= new SubgroupRowView("All patients", rows.Count, events.Count(e => e), null, null, null, null, "No analysable patients or no events.");
        return new SubgroupsView(endpoint, arm.Label, reference.Label, overall, variables, population, asOf, dataCut);
    }
}
