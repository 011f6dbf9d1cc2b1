using System.Text.Json;
using Marten;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Outcomes;
using Registry.Domain.Studies;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// The forest after an entry, computed with the fits kept from the forest before it, is the forest computed afresh:
/// a patient followed up longer and a patient whose baseline puts them in other groups refit what they were in.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class KeptForestTests(DemoStudyApp app)
{
    private static readonly ArmGroup Itc = new("ITC", ["ITC"]);
    private static readonly ArmGroup C = new("C", ["C"]);

    [Fact]
    public async Task A_forest_taking_the_kept_fits_is_the_forest_computed_afresh()
    {
        await using var session = app.Store.QuerySession();
        var study = (await session.LoadAsync<Study>(app.StudyId))!;
        var charts = await session.Query<PatientChart>().Where(c => c.StudyId == app.StudyId).ToListAsync();
        var outcomes = StudyViewLoader.Derive(charts, study, null, null);
        var protocol = study.Protocol;
        var (before, kept) = SubgroupForest.Compute(outcomes, protocol, "pfs", Itc, C, null, null, kept: null);

        // Nothing changed: the same answer, every fit taken.
        var (same, _) = SubgroupForest.Compute(outcomes.ToList(), protocol, "pfs", Itc, C, null, null, kept);
        Assert.Equal(Json(before), Json(same));

        // The patient censored first followed up 60 days longer (past events of their groups); another given the baseline of a patient in other groups.
        var analysed = outcomes.Select((o, i) => (o, i)).Where(p => p.o.Analysable && p.o.Time("pfs") is not null && (Itc.Contains(p.o) || C.Contains(p.o))).ToList();
        var (followed, f) = analysed.Where(p => !p.o.Time("pfs")!.Event).MinBy(p => p.o.Time("pfs")!.Days);
        var variables = SubgroupForest.Variables(protocol);
        var (moved, m) = analysed.First(p => p.i != f);
        var other = analysed.Select(p => p.o).First(o => Groups(o, variables) != Groups(moved, variables));
        var changed = outcomes.ToArray();
        changed[f] = followed with { Times = new Dictionary<string, TimeToEvent>(followed.Times) { ["pfs"] = new(followed.Time("pfs")!.Days + 60, false) } };
        changed[m] = moved with { Baseline = other.Baseline };

        var (taken, _) = SubgroupForest.Compute(changed, protocol, "pfs", Itc, C, null, null, kept);
        var fresh = SubgroupForest.Compute(changed, protocol, "pfs", Itc, C, null, null);
        Assert.Equal(Json(fresh), Json(taken));
        // The entries changed the forest: an answer with a stale fit would differ from the fresh one.
        var regrouped = variables.First(v => Group(moved, v) != Group(other, v)).Key;
        Assert.NotEqual(Json(before.Subgroups.Single(v => v.Variable == regrouped)), Json(fresh.Subgroups.Single(v => v.Variable == regrouped)));
    }

    private static string Groups(PatientOutcome outcome, IReadOnlyList<Domain.Protocols.Variable> variables) =>
        string.Join("|", variables.Select(v => Group(outcome, v)));

    private static string Group(PatientOutcome outcome, Domain.Protocols.Variable variable) => VariableGroups.OrUnknown([outcome], variable)[0];

    private static string Json(object view) => JsonSerializer.Serialize(view);
}
