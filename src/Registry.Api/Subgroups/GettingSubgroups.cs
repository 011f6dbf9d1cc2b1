using Marten;
using Microsoft.AspNetCore.Authorization;
using Registry.Analytics.Subgroups;
using Registry.Api.StudyViews;
using Registry.Domain.Outcomes;
using Registry.Domain.Studies;
using Wolverine.Http;

namespace Registry.Api.Subgroups;

public sealed record SubgroupRowView(string Level, int N, int Events, double? Hr, double? HrLower, double? HrUpper, double? P, string? NotEstimableReason);

public sealed record SubgroupVariableView(string Variable, string Label, double? InteractionP, IReadOnlyList<SubgroupRowView> Levels);

public sealed record SubgroupsView(string Endpoint, string Arm, string Reference, SubgroupRowView Overall, IReadOnlyList<SubgroupVariableView> Subgroups,
    DateTimeOffset? AsOf, DateOnly? DataCut);

/// <summary>The forest plot's data: the HR within each level of each baseline characteristic, and the treatment × subgroup interaction p.</summary>
public static class SubgroupForest
{
    public static SubgroupsView Compute(IReadOnlyList<PatientOutcome> outcomes, SurvivalEndpoint endpoint, IReadOnlyList<string> arm, IReadOnlyList<string> reference,
        DateTimeOffset? asOf, DateOnly? dataCut)
    {
        var rows = outcomes
            .Where(o => arm.Contains(o.Arm) || reference.Contains(o.Arm))
            .Select(o => (Outcome: o, Time: StudyViewScope.Time(o, endpoint)))
            .Where(r => r.Time is not null)
            .ToList();
        var comparison = new TreatmentComparison(arm.ToList(), reference.ToList());
        var times = rows.Select(r => (double)r.Time!.Days).ToList();
        var events = rows.Select(r => r.Time!.Event).ToList();
        var arms = rows.Select(r => r.Outcome.Arm).ToList();

        SubgroupRowView Row(TreatmentEffect e) => new(e.Label, e.Subjects, e.Events, e.HazardRatio, e.HazardRatioLower, e.HazardRatioUpper, e.P, e.NotEstimableReason);

        SubgroupRowView? overall = null;
        var variables = new List<SubgroupVariableView>();
        foreach (var variable in BaselineVariables.Categorical)
        {
            var labels = rows.Select(r => variable.Category!(r.Outcome.Baseline)).ToList();
            var levels = variable.Levels!.Where(labels.Contains).ToList();
            if (levels.Count == 0) continue;
            try
            {
                var result = SubgroupAnalysis.Analyze(times, events, arms, comparison, variable.Name, labels, levels);
                overall ??= Row(result.Overall) with { Level = "All patients" };
                variables.Add(new SubgroupVariableView(variable.Name, variable.Label, result.Interaction?.P, result.Levels.Select(Row).ToList()));
            }
            catch (ArgumentException unfit)
            {
                variables.Add(new SubgroupVariableView(variable.Name, variable.Label, null,
                    levels.Select(l => new SubgroupRowView(l, labels.Count(x => x == l), 0, null, null, null, null, unfit.Message)).ToList()));
            }
        }
        overall ??= new SubgroupRowView("All patients", rows.Count, events.Count(e => e), null, null, null, null, "No analysable patients or no events.");
        return new SubgroupsView(endpoint.ToString().ToLowerInvariant(), string.Join("+", arm), string.Join("+", reference), overall, variables, asOf, dataCut);
    }
}

public static class GettingSubgroupsEndpoint
{
    [WolverineGet("/api/studies/{studyId}/subgroups")]
    [Authorize(Roles = StudyViewLoader.Readers)]
    public static async Task<IResult> Get(Guid studyId, string? endpoint, string? arm, string? reference, string? asOf, string? dataCut, bool? consistent,
        IQuerySession session, CancellationToken ct)
    {
        var (view, _, refusal) = await ComputeAsync(studyId, endpoint, arm, reference, asOf, dataCut, consistent, session, ct);
        return view is null ? refusal! : Results.Ok(view);
    }

    /// <summary>The view and its study, or the refusal to answer with; the forest plot draws the same view.</summary>
    public static async Task<(SubgroupsView? View, Study? Study, IResult? Refusal)> ComputeAsync(Guid studyId, string? endpoint, string? arm, string? reference,
        string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var which = StudyViewLoader.ParseEndpoint(endpoint ?? "pfs", errors);
        if (errors.Count > 0) return (null, null, Results.ValidationProblem(errors, title: "The query is not valid."));
        var (scope, refusal) = await StudyViewLoader.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        if (scope is null) return (null, null, refusal);
        var experimental = StudyViewLoader.ParseArmGroup(arm, scope.Study, "arm", errors);
        var control = StudyViewLoader.ParseArmGroup(reference, scope.Study, "reference", errors);
        if (errors.Count > 0) return (null, null, Results.ValidationProblem(errors, title: "The query is not valid."));
        return (SubgroupForest.Compute(scope.Outcomes, which!.Value, experimental!, control!, scope.AsOf, scope.DataCut), scope.Study, null);
    }
}
