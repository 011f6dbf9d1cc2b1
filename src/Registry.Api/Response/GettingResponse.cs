using Marten;
using Microsoft.AspNetCore.Authorization;
using Registry.Analytics.Tables;
using Registry.Api.StudyViews;
using Registry.Domain.Outcomes;
using Wolverine.Http;

namespace Registry.Api.Response;

public sealed record RateView(int Patients, int Of, double Rate, double Lower, double Upper);

/// <summary>ORR and DCR are null for an arm with no patients: a rate of nothing is not estimable.</summary>
public sealed record ArmResponseView(string Arm, int N, int CR, int PR, int SD, int PD, int NE, RateView? Orr, RateView? Dcr);

public sealed record ResponseView(IReadOnlyList<ArmResponseView> Arms, AcrossArmsTest OrrAcrossArms, AcrossArmsTest DcrAcrossArms, DateTimeOffset? AsOf, DateOnly? DataCut);

/// <summary>Table 2's shape: best overall response per arm, ORR and DCR with Clopper–Pearson 95% CIs, compared across arms.</summary>
public static class GettingResponseEndpoint
{
    [WolverineGet("/api/studies/{studyId}/response")]
    [Authorize(Roles = StudyViewLoader.Readers)]
    public static async Task<IResult> Get(Guid studyId, string? asOf, string? dataCut, bool? consistent, IQuerySession session, CancellationToken ct)
    {
        var (scope, refusal) = await StudyViewLoader.LoadAsync(session, studyId, asOf, dataCut, consistent, ct);
        if (scope is null) return refusal!;
        return Results.Ok(Compute(scope));
    }

    public static ResponseView Compute(StudyViewScope scope)
    {
        var arms = scope.Study.Arms.Select(a => ForArm(a.Code, scope.Outcomes.Where(o => o.Arm == a.Code).ToList())).ToList();
        return new ResponseView(arms,
            AcrossArms.Test(Table(arms, a => a.Orr?.Patients ?? 0)),
            AcrossArms.Test(Table(arms, a => a.Dcr?.Patients ?? 0)),
            scope.AsOf, scope.DataCut);
    }

    public static ArmResponseView ForArm(string arm, IReadOnlyList<PatientOutcome> patients)
    {
        int Count(params BestOverallResponse[] responses) => patients.Count(p => responses.Contains(p.BestOverallResponse));
        RateView? Rate(int x) => patients.Count == 0 ? null
            : ClopperPearson.Interval(x, patients.Count) is var ci ? new RateView(x, patients.Count, ci.Proportion, ci.Lower, ci.Upper) : null;
        return new ArmResponseView(arm, patients.Count,
            Count(BestOverallResponse.CR), Count(BestOverallResponse.PR), Count(BestOverallResponse.SD), Count(BestOverallResponse.PD), Count(BestOverallResponse.NE),
            Rate(Count(BestOverallResponse.CR, BestOverallResponse.PR)),
            Rate(Count(BestOverallResponse.CR, BestOverallResponse.PR, BestOverallResponse.SD)));
    }

    private static int[,] Table(IReadOnlyList<ArmResponseView> arms, Func<ArmResponseView, int> yes)
    {
        var table = new int[arms.Count, 2];
        for (var i = 0; i < arms.Count; i++) { table[i, 0] = yes(arms[i]); table[i, 1] = arms[i].N - yes(arms[i]); }
        return table;
    }
}
