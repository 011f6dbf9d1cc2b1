using Marten;
using Microsoft.AspNetCore.Authorization;
using Registry.Api.Safety;
using Registry.Api.StudyViews;
using Registry.Domain.Outcomes;
using Wolverine.Http;

namespace Registry.Api.Baseline;

public sealed record BaselineLevelRow(string Level, IReadOnlyList<ArmCount> Arms);

public sealed record BaselineVariableRow(string Variable, string Label, IReadOnlyList<BaselineLevelRow> Levels, AcrossArmsTest AcrossArms);

public sealed record BaselineView(IReadOnlyList<string> Arms, IReadOnlyList<int> N, IReadOnlyList<BaselineVariableRow> Characteristics, DateTimeOffset? AsOf);

/// <summary>Table 1's shape: each baseline category's count and percentage per arm, with a chi-square p across arms.</summary>
public static class GettingBaselineEndpoint
{
    [WolverineGet("/api/studies/{studyId}/baseline")]
    [Authorize(Roles = StudyViewLoader.Readers)]
    public static async Task<IResult> Get(Guid studyId, string? asOf, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var (scope, refusal) = await StudyViewLoader.LoadAsync(session, studyId, asOf, null, consistent, ct);
        return scope is null ? refusal! : Results.Ok(Compute(scope));
    }

    public static BaselineView Compute(StudyViewScope scope)
    {
        var arms = scope.Study.Arms.Select(a => (a.Code, Patients: scope.Outcomes.Where(o => o.Arm == a.Code).ToList())).ToList();

        var rows = BaselineVariables.Categorical.Select(variable =>
        {
            var levels = variable.Levels!.Where(l => scope.Outcomes.Any(o => variable.Category!(o.Baseline) == l)).ToList();
            var table = new int[arms.Count, levels.Count];
            var levelRows = levels.Select((level, j) => new BaselineLevelRow(level, arms.Select((a, i) =>
            {
                var n = a.Patients.Count(o => variable.Category!(o.Baseline) == level);
                table[i, j] = n;
                return new ArmCount(a.Code, n, a.Patients.Count, a.Patients.Count == 0 ? 0 : 100.0 * n / a.Patients.Count);
            }).ToList())).ToList();
            return new BaselineVariableRow(variable.Name, variable.Label, levelRows, AcrossArms.Test(table));
        }).ToList();

        return new BaselineView(arms.Select(a => a.Code).ToList(), arms.Select(a => a.Patients.Count).ToList(), rows, scope.AsOf);
    }
}
