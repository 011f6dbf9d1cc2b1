using Marten;
using Microsoft.AspNetCore.Authorization;
using Registry.Api.StudyViews;
using Registry.Domain.Outcomes;
using Wolverine.Http;

namespace Registry.Api.Safety;

public sealed record ArmCount(string Arm, int Patients, int Of, double Percent);

public sealed record AdverseEventRow(string Term, IReadOnlyList<ArmCount> AnyGrade, IReadOnlyList<ArmCount> GradeThreeOrMore, AcrossArmsTest AnyGradeAcrossArms, AcrossArmsTest GradeThreeOrMoreAcrossArms);

public sealed record SafetyView(IReadOnlyList<ArmCount> AnyAdverseEvent, IReadOnlyList<ArmCount> AnySeriousAdverseEvent, IReadOnlyList<AdverseEventRow> Terms,
    DateTimeOffset? AsOf, DateOnly? DataCut);

/// <summary>Table 3's shape: patients with each CTCAE term at any grade and at grade ≥ 3 (worst grade per patient), per arm, compared across arms.</summary>
public static class GettingSafetyEndpoint
{
    [WolverineGet("/api/studies/{studyId}/safety")]
    [Authorize(Roles = StudyViewLoader.Readers)]
    public static async Task<IResult> Get(Guid studyId, string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var (scope, refusal) = await StudyViewLoader.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        return scope is null ? refusal! : Results.Ok(Compute(scope));
    }

    public static SafetyView Compute(StudyViewScope scope)
    {
        var arms = scope.Study.Arms.Select(a => (a.Code, Patients: scope.Outcomes.Where(o => o.Arm == a.Code).ToList())).ToList();

        IReadOnlyList<ArmCount> Counts(Func<PatientOutcome, bool> has) => arms
            .Select(a => new ArmCount(a.Code, a.Patients.Count(has), a.Patients.Count, a.Patients.Count == 0 ? 0 : 100.0 * a.Patients.Count(has) / a.Patients.Count))
            .ToList();

        var terms = scope.Outcomes.SelectMany(o => o.AdverseEvents).Select(a => a.Term)
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
        var rows = terms.Select(term =>
        {
            bool Any(PatientOutcome o) => o.AdverseEvents.Any(a => string.Equals(a.Term, term, StringComparison.OrdinalIgnoreCase));
            bool Severe(PatientOutcome o) => o.AdverseEvents.Any(a => string.Equals(a.Term, term, StringComparison.OrdinalIgnoreCase) && a.WorstGrade >= 3);
            var any = Counts(Any);
            var severe = Counts(Severe);
            return new AdverseEventRow(term, any, severe, AcrossArms.Test(YesNo(any)), AcrossArms.Test(YesNo(severe)));
        }).ToList();

        return new SafetyView(Counts(o => o.AdverseEvents.Count > 0), Counts(o => o.AdverseEvents.Any(a => a.Serious)), rows, scope.AsOf, scope.DataCut);
    }

    private static int[,] YesNo(IReadOnlyList<ArmCount> counts)
    {
        var table = new int[counts.Count, 2];
        for (var i = 0; i < counts.Count; i++) { table[i, 0] = counts[i].Patients; table[i, 1] = counts[i].Of - counts[i].Patients; }
        return table;
    }
}
