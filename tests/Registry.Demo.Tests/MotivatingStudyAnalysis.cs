using Registry.Analytics.Cox;
using Registry.Analytics.Survival;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Protocols;

namespace Registry.Demo.Tests;

/// <summary>
/// A simulated study read the way the registry reads it: each patient's entries folded into a timeline (entry number
/// = stream version, a simulated correction = <see cref="EntryCorrected"/>), outcomes derived at the data cut, and
/// the published analyses (Kaplan–Meier medians, Cox with Efron ties) run on the derived times.
/// </summary>
public sealed class MotivatingStudyAnalysis
{
        public SimulatedStudy Study { get; }
    public Protocol Protocol => Study.Protocol;
    public IReadOnlyList<PatientTimeline> Timelines { get; }
    public IReadOnlyList<PatientOutcome> Outcomes { get; }

    public MotivatingStudyAnalysis(SimulatedStudy study)
    {
        Study = study;
        Timelines = DemoFolding.Timelines(study);
        Outcomes = Timelines.Select(t => OutcomeDerivation.Derive(t, study.Protocol, study.DataCut)).ToList();
    }

    /// <summary>The arms of an arm code or pooled group of the protocol.</summary>
    public IReadOnlyList<string> ArmsOf(string group) =>
        Protocol.Analysis?.Pooled?.GetValueOrDefault(group) ?? [group];

    public IReadOnlyList<PatientOutcome> In(string group) => Outcomes.Where(o => ArmsOf(group).Contains(o.Arm!)).ToList();

    public KaplanMeierCurve Curve(string endpoint, string group)
    {
        var times = In(group).Select(o => o.Time(endpoint)!).ToList();
        return KaplanMeier.Estimate(new SurvivalData(times.Select(t => t.Days / DemoFolding.DaysPerMonth).ToList(), times.Select(t => t.Event).ToList()));
    }

    public double? MedianMonths(string endpoint, string group) => Curve(endpoint, group).Median.Time;

    /// <summary>Cox hazard ratio of <paramref name="arm"/> against <paramref name="reference"/> (Efron ties), as the comparisons view fits it.</summary>
    public CoxTerm HazardRatio(string endpoint, string arm, string reference)
    {
        var rows = In(arm).Select(o => (Outcome: o, InArm: true)).Concat(In(reference).Select(o => (Outcome: o, InArm: false))).ToList();
        var design = new CoxDesign().AddGroup("arm", rows.Select(r => r.InArm ? arm : reference).ToList(), reference, [reference, arm]);
        var model = CoxRegression.Fit(design,
            rows.Select(r => (double)r.Outcome.Time(endpoint)!.Days).ToList(),
            rows.Select(r => r.Outcome.Time(endpoint)!.Event).ToList(),
            options: new CoxOptions { Ties = CoxTies.Efron });
        return model.Terms[0];
    }

    /// <summary>Median follow-up by reverse Kaplan–Meier on OS: the end of follow-up is the "event", a death censors it.</summary>
    public double? MedianFollowUpMonths()
    {
        var times = Outcomes.Select(o => o.Time("os")!).ToList();
        return KaplanMeier.Estimate(new SurvivalData(times.Select(t => t.Days / DemoFolding.DaysPerMonth).ToList(), times.Select(t => !t.Event).ToList())).Median.Time;
    }
}
