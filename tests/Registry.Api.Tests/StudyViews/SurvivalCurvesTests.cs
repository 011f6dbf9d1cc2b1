using System.Text.Json;
using Marten;
using Registry.Analytics.Survival;
using Registry.Api.Tests.Infrastructure;
using Registry.Domain.Outcomes;
using Registry.Domain.Protocols;
using Registry.Domain.Studies;
using Registry.Projections.Patients;
using Registry.Projections.StudyViews;

namespace Registry.Api.Tests.StudyViews;

/// <summary>
/// <see cref="SurvivalCurves.Compute"/> finds every group's patients in one pass over the study: each group gets the
/// curve and counts of its own patients, and the whole population counts each patient once, however many groups hold it.
/// </summary>
[Collection(DemoStudyCollection.Name)]
public sealed class SurvivalCurvesTests(DemoStudyApp app)
{
    public static TheoryData<string> Endpoints => ["pfs", "os", "dor"];

    [Theory, MemberData(nameof(Endpoints))]
    public async Task Each_group_of_one_pass_has_the_curve_and_counts_of_its_own_patients(string code)
    {
        await using var session = app.Store.QuerySession();
        var study = (await session.LoadAsync<Study>(app.StudyId))!;
        var charts = await session.Query<PatientChart>().Where(c => c.StudyId == app.StudyId).ToListAsync();
        // Every seventh patient not yet randomized, so the population also holds patients of no group.
        var outcomes = StudyViewLoader.Derive(charts, study, null, null).Select((o, i) => i % 7 == 3 ? o with { Arm = null } : o).ToList();
        var scope = new StudyViewScope(study, outcomes, null, null);
        var groups = new List<ArmGroup> { new("ITC", ["ITC"]), new("ITC+IT", ["ITC", "IT"]), new("IC+C", ["IC", "C"]), new("C", ["C"]), new("IT", ["IT"]) };
        var endpoint = EndpointCatalogue.Find(code)!;

        var view = SurvivalCurves.Compute(scope, endpoint, groups, inDays: false, [6, 12]);

        string? Excluded(PatientOutcome o) => SurvivalCurves.ExcludedFrom(o, code);
        Assert.Equal(outcomes.Count(o => o.Arm is null), view.WithoutArm);
        Assert.True(view.WithoutArm > 0);
        Assert.Equal(Json(PopulationView.About(outcomes, groups, Excluded)), Json(view.Population));
        Assert.Equal(outcomes.Count, view.Population.Enrolled);
        foreach (var (group, arm) in groups.Zip(view.Arms))
        {
            var patients = outcomes.Where(group.Contains).ToList();
            var analysed = patients.Where(o => Excluded(o) is null).Select(o => o.Time(code)!).ToList();
            Assert.Equal(group.Label, arm.Arm);
            Assert.Equal(Json(PopulationView.Of(patients, Excluded)), Json(arm.Population));
            Assert.Equal(analysed.Count, arm.N);
            Assert.Equal(analysed.Count(t => t.Event), arm.Events);
            if (analysed.Count == 0) continue;
            // Kaplan–Meier of the group's own times, in months as the view gives them.
            var curve = KaplanMeier.Estimate(new SurvivalData(analysed.Select(t => t.Days * (1 / StudyViewScope.DaysPerMonth)).ToList(), analysed.Select(t => t.Event).ToList()));
            Assert.Equal(curve.Median.Time, arm.Median);
            Assert.Equal(curve.Steps.Select(s => (s.Time, s.NRisk, s.Survival)), arm.Steps.Select(s => (s.Time, s.NRisk, s.Survival)));
        }
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
