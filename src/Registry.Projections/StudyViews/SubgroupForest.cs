using Registry.Analytics.Subgroups;
using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;

namespace Registry.Projections.StudyViews;

public sealed record SubgroupRowView(string Level, int N, int Events, double? Hr, double? HrLower, double? HrUpper, double? P, string? NotEstimableReason);

public sealed record SubgroupVariableView(string Variable, string Label, double? InteractionP, IReadOnlyList<SubgroupRowView> Levels);

public sealed record SubgroupsView(string Endpoint, string Arm, string Reference, SubgroupRowView Overall, IReadOnlyList<SubgroupVariableView> Subgroups,
    PopulationView Population, DateTimeOffset? AsOf, DateOnly? DataCut);

/// <summary>
/// A forest's fits with the subjects they were fitted from, kept for the same forest at a later position (after an
/// entry): the next computation takes every fit whose inputs are exactly the same, so its answer is a fresh one's.
/// </summary>
public sealed class KeptForest
{
    internal KeptForest(SubgroupSubjects? subjects, IReadOnlyDictionary<string, KeptSubgroupAnalysis> variables) =>
        (Subjects, Variables) = (subjects, variables);

    internal SubgroupSubjects? Subjects { get; }

    /// <summary>Each variable's analysis, by the variable's key.</summary>
    internal IReadOnlyDictionary<string, KeptSubgroupAnalysis> Variables { get; }
}

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
        DateTimeOffset? asOf, DateOnly? dataCut, CancellationToken ct = default) =>
        Compute(outcomes, protocol, endpoint, arm, reference, asOf, dataCut, kept: null, ct).View;

    /// <summary>
    /// The forest, taking from <paramref name="kept"/> (this forest computed at an earlier position) every fit whose
    /// subjects' data are exactly the same (<see cref="SubgroupAnalysis.Analyze(SubgroupSubjects, string, IReadOnlyList{string}, IReadOnlyList{string}?, KeptSubgroupAnalysis?)"/>),
    /// and what to keep for the next.
    /// </summary>
    public static (SubgroupsView View, KeptForest Kept) Compute(IReadOnlyList<PatientOutcome> outcomes, Protocol protocol, string endpoint, ArmGroup arm,
        ArmGroup reference, DateTimeOffset? asOf, DateOnly? dataCut, KeptForest? kept, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        // One pass over the study's patients: who the forest is about, and the analysed.
        var counted = new PopulationCount();
        var rows = new List<PatientOutcome>();
        var rowTimes = new List<TimeToEvent>();
        foreach (var o in outcomes)
        {
            if (o.Arm is null)
            {
                counted.Add(PopulationView.NotRandomized(o));
                continue;
            }
            if (!arm.Contains(o) && !reference.Contains(o)) continue;
            var time = o.Time(endpoint);
            var reason = SurvivalCurves.ExcludedFrom(o, endpoint, time);
            counted.Add(reason);
            if (reason is not null) continue;
            rows.Add(o);
            rowTimes.Add(time!);
        }
        var population = counted.View();
        var times = new double[rows.Count];
        var events = new bool[rows.Count];
        var arms = new string[rows.Count];
        for (var i = 0; i < rows.Count; i++) (times[i], events[i], arms[i]) = (rowTimes[i].Days, rowTimes[i].Event, rows[i].Arm!);

        // The patients are checked and sorted by time once for every subgroup variable, and the overall effect fitted once,
        // while each patient's groups are found: neither needs the other.
        SubgroupSubjects? subjects = null;
        string? unfitSubjects = null;
        var subgroupVariables = Variables(protocol);
        string[][] groups = [];
        Parallel.Invoke(new ParallelOptions { CancellationToken = ct },
            () =>
            {
                try
                {
                    subjects = SubgroupSubjects.Of(times, events, arms, new TreatmentComparison(arm.Arms.ToList(), reference.Arms.ToList()), kept: kept?.Subjects);
                    if (subgroupVariables.Count > 0) _ = subjects.Overall;
                }
                catch (ArgumentException unfit)
                {
                    unfitSubjects = unfit.Message;
                }
            },
            () => groups = VariableGroups.OrUnknown(rows, subgroupVariables));

        SubgroupRowView Row(TreatmentEffect e) => new(e.Label, e.Subjects, e.Events, e.HazardRatio, e.HazardRatioLower, e.HazardRatioUpper, e.P, e.NotEstimableReason);

        // Each variable's Cox models (one per level, and the two of the interaction test) are its own: the variables are
        // fitted on every core. Cancellation is observed before each variable's.
        var answers = new (List<string> Levels, KeptSubgroupAnalysis? Result, string? Unfit)[subgroupVariables.Count];
        Parallel.For(0, subgroupVariables.Count, new ParallelOptions { CancellationToken = ct }, v =>
        {
            var (variable, labels) = (subgroupVariables[v], groups[v]);
            var recorded = Recorded(labels);
            var levels = DataDictionary.GroupLabels(variable).Concat(MissingCodes.All.Select(MissingCodes.Label)).Distinct().Where(recorded.Contains).ToList();
            if (levels.Count == 0 || subjects is null)
            {
                answers[v] = (levels, null, unfitSubjects);
                return;
            }
            try
            {
                answers[v] = (levels, SubgroupAnalysis.Analyze(subjects, variable.Key, labels, levels, kept?.Variables.GetValueOrDefault(variable.Key)), null);
            }
            catch (ArgumentException unfit)
            {
                answers[v] = (levels, null, unfit.Message);
            }
        });

        SubgroupRowView? overall = null;
        var variables = new List<SubgroupVariableView>();
        for (var v = 0; v < subgroupVariables.Count; v++)
        {
            var (variable, (levels, analysis, unfit)) = (subgroupVariables[v], answers[v]);
            if (levels.Count == 0) continue;
            var result = analysis?.Result;
            if (result is not null)
            {
                overall ??= Row(result.Overall) with { Level = "All patients" };
                variables.Add(new SubgroupVariableView(variable.Key, variable.Label, result.Interaction?.P, result.Levels.Select(Row).ToList()));
            }
            else variables.Add(new SubgroupVariableView(variable.Key, variable.Label, null,
                levels.Select(l => new SubgroupRowView(l, groups[v].Count(x => x == l), 0, null, null, null, null, unfit)).ToList()));
        }
        overall ??= new SubgroupRowView("All patients", rows.Count, events.Count(e => e), null, null, null, null, "No analysable patients or no events.");
        var view = new SubgroupsView(endpoint, arm.Label, reference.Label, overall, variables, population, asOf, dataCut);
        var fitted = new Dictionary<string, KeptSubgroupAnalysis>();
        for (var v = 0; v < subgroupVariables.Count; v++)
            if (answers[v].Result is { } analysis) fitted[subgroupVariables[v].Key] = analysis;
        return (view, new KeptForest(subjects, fitted));
    }

    /// <summary>The labels present; equal labels are mostly the same string, so each run of one is hashed once.</summary>
    private static HashSet<string> Recorded(string[] labels)
    {
        var recorded = new HashSet<string>();
        string? last = null;
        foreach (var label in labels)
        {
            if (ReferenceEquals(label, last)) continue;
            recorded.Add(label);
            last = label;
        }
        return recorded;
    }
}
