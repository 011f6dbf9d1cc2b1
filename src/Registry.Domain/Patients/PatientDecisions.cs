namespace Registry.Domain.Patients;

/// <summary>The outcome of deciding whether new events may be appended: the events, or why not.</summary>
public sealed record PatientDecision(IReadOnlyList<object> Events, IReadOnlyList<string> Violations)
{
    public bool Accepted => Violations.Count == 0;

    /// <summary>The record as the events leave it (recorded-at and by left unset), so an accepted decision need not be folded again.</summary>
    public PatientTimeline? After { get; init; }
}

public static class PatientDecisions
{
    /// <summary>
    /// Applies the new events to the timeline as if recorded, then checks every rule on the result.
    /// Amendments are checked against their target first, since folding an invalid one is meaningless.
    /// </summary>
    public static PatientDecision Decide(PatientTimeline timeline, IReadOnlyList<object> events)
    {
        var state = timeline;
        foreach (var e in events)
        {
            var targetProblem = e switch
            {
                EntryCorrected c => PatientRules.AmendmentTargetProblem(state, c.EntryVersion, c.Replacement),
                EntryVoided v => PatientRules.AmendmentTargetProblem(state, v.EntryVersion, null),
                PatientEnrolled => "The patient is already enrolled.",
                _ => null
            };
            if (targetProblem is not null) return new PatientDecision(events, [targetProblem]);
            state = state.Apply(new RecordedEvent(state.Version + 1, e, DateTimeOffset.MinValue, null));
        }
        return new PatientDecision(events, PatientRules.Violations(state).ToList()) { After = state };
    }
}
