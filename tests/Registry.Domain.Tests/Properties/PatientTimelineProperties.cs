using FsCheck.Xunit;
using Registry.Domain.Patients;

namespace Registry.Domain.Tests.Properties;

/// <summary>
/// The fold and the rules are read by the write side, the audit replay and every projection: they must take any
/// stream the store may hold, and a stream built only from accepted decisions must satisfy every rule.
/// </summary>
[Properties(Arbitrary = [typeof(DomainArbitraries)], MaxTest = 300)]
public sealed class PatientTimelineProperties
{
    [Property]
    public void Folding_any_stream_and_checking_its_rules_never_throws(RawHistory raw)
    {
        var timeline = PatientTimeline.From(raw.Scenario.Enrolment.PatientId, raw.Events)!;
        // Every derived member a read model uses.
        _ = (timeline.Enrolment, timeline.Arm, timeline.Randomization, timeline.TreatmentStartedOn, timeline.ProgressedOn,
             timeline.DiedOn, timeline.WithdrewOn, timeline.LastContactOn, timeline.Status, timeline.EffectiveFacts.Count());
        _ = PatientRules.Violations(timeline).ToList();
        foreach (var fact in timeline.EffectiveFacts) _ = PatientRules.Describe(fact);
        foreach (var entry in timeline.Entries) _ = PatientRules.AmendmentTargetProblem(timeline, entry.Version, entry.Current);
    }

    [Property]
    public void Deciding_any_entry_against_any_stream_never_throws(RawHistory raw)
    {
        // Each event of the raw stream offered again to the stream as it stood before it: most are refused, none throws.
        var timeline = PatientTimeline.From(raw.Scenario.Enrolment.PatientId, raw.Events.Take(1))!;
        foreach (var e in raw.Events.Skip(1))
        {
            _ = PatientDecisions.Decide(timeline, [e.Data]);
            timeline = timeline.Apply(e);
        }
    }

    [Property]
    public void A_stream_of_accepted_decisions_breaks_no_rule(AcceptedHistory accepted)
    {
        Assert.Empty(PatientRules.Violations(accepted.Timeline));
        Assert.Equal(accepted.Events.Count, accepted.Timeline.Version);
    }

    [Property]
    public void A_stream_folds_to_the_same_state_whether_replayed_whole_or_applied_as_recorded(AcceptedHistory accepted)
    {
        // The write side applies each decision to its cached state; the audit replay folds the stream from the start.
        var replayed = PatientTimeline.From(accepted.Scenario.Enrolment.PatientId, accepted.Events)!;
        Assert.Equal(accepted.Timeline.EffectiveFacts, replayed.EffectiveFacts);
        Assert.Equal(accepted.Timeline.Status, replayed.Status);
    }

    [Property]
    public void Folding_a_stream_whole_gives_the_timeline_of_applying_it_event_by_event(RawHistory raw)
    {
        // From builds its entries in one list; Apply copies them per event. Any stream, corrections and voids included.
        var whole = PatientTimeline.From(raw.Scenario.Enrolment.PatientId, raw.Events)!;
        var applied = new PatientTimeline(raw.Scenario.Enrolment.PatientId, [], 0);
        foreach (var e in raw.Events) applied = applied.Apply(e);
        Assert.Equal(applied.Version, whole.Version);
        Assert.Equal(applied.Entries.Count, whole.Entries.Count);
        foreach (var (expected, actual) in applied.Entries.Zip(whole.Entries))
        {
            Assert.Equal(expected with { AmendedBy = [] }, actual with { AmendedBy = [] });
            Assert.Equal(expected.AmendedBy, actual.AmendedBy);
        }
    }

    [Property]
    public void Only_the_facts_of_entries_not_voided_are_in_force(RawHistory raw)
    {
        var t = raw.Timeline;
        Assert.Equal(t.Entries.Count(e => !e.Voided), t.EffectiveFacts.Count());
        // Amending never removes or reorders entries: the entries are the clinical events, in stream order.
        Assert.Equal(raw.Events.Where(e => e.Data is IPatientFact).Select(e => e.Version), t.Entries.Select(e => e.Version));
    }
}
