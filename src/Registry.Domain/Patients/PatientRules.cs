namespace Registry.Domain.Patients;

/// <summary>
/// The clinical consistency rules a patient's facts in force must satisfy. Checked on the state that a new entry
/// would produce, so an original entry and a correction are held to the same rules.
/// </summary>
public static class PatientRules
{
    public static IEnumerable<string> Violations(PatientTimeline timeline)
    {
        var enrolledOn = timeline.Enrolment.EnrolledOn;
        foreach (var fact in timeline.EffectiveFacts.Where(f => f.ClinicalDate < enrolledOn))
            yield return $"{Describe(fact)} dated {fact.ClinicalDate:yyyy-MM-dd} is before enrolment on {enrolledOn:yyyy-MM-dd}.";

        if (timeline.TreatmentStartedOn is { } started && timeline.ProgressedOn is { } progressed && progressed < started)
            yield return $"Progression on {progressed:yyyy-MM-dd} is before treatment started on {started:yyyy-MM-dd}.";

        var randomizations = timeline.Effective<PatientRandomized>().ToList();
        if (randomizations.Count > 1)
            yield return $"The patient was already randomized on {randomizations[0].RandomizedOn:yyyy-MM-dd} to {randomizations[0].Arm}; a patient is randomized once.";

        var deaths = timeline.Effective<PatientDied>().ToList();
        if (deaths.Count > 1)
            yield return $"The patient is already recorded as having died on {deaths[0].DiedOn:yyyy-MM-dd}; a second death cannot be recorded.";

        if (timeline.DiedOn is { } died)
        {
            foreach (var fact in timeline.EffectiveFacts.Where(f => f is not PatientDied && f.ClinicalDate > died))
                yield return $"{Describe(fact)} dated {fact.ClinicalDate:yyyy-MM-dd} is after the patient's death on {died:yyyy-MM-dd}.";
        }

        foreach (var fatal in timeline.Effective<AdverseEventRecorded>().Where(a => a.Grade == 5))
        {
            if (timeline.DiedOn is not { } diedOn || diedOn < fatal.OnsetOn)
                yield return $"A grade 5 (fatal) adverse event '{fatal.Term ?? "(no term)"}' with onset {fatal.OnsetOn:yyyy-MM-dd} needs a death recorded on or after its onset; send diedOn with it.";
        }
    }

    /// <summary>Why an amendment cannot target this entry, or null when it can.</summary>
    public static string? AmendmentTargetProblem(PatientTimeline timeline, long entryVersion, IPatientFact? replacement)
    {
        var entry = timeline.EntryAt(entryVersion);
        if (entry is null)
            return $"Entry version {entryVersion} is not a clinical entry of this patient (corrections and voids are not themselves corrected).";
        if (entry.Voided)
            return $"Entry version {entryVersion} is already voided.";
        if (replacement is null)
            return entry.Original is PatientEnrolled ? "The enrolment cannot be voided; correct it instead." : null;
        if (replacement.GetType() != entry.Original.GetType())
            return $"Entry version {entryVersion} records a {Describe(entry.Original)}; a correction must replace it with the same kind of entry, not with a {Describe(replacement)}.";
        if (replacement is PatientEnrolled e && entry.Current is PatientEnrolled current &&
            (e.StudyId != current.StudyId || e.SubjectCode != current.SubjectCode || e.PatientId != current.PatientId))
            return "A correction of the enrolment cannot change the study or the subject code.";
        return null;
    }

    public static string Describe(IPatientFact fact) => fact switch
    {
        PatientEnrolled => "enrolment",
        PatientRandomized => "randomization",
        DiseaseRelapsed => "relapse",
        TreatmentStarted => "treatment start",
        ImagingAssessed => "imaging assessment",
        AdverseEventRecorded a => $"adverse event '{a.Term ?? "(no term)"}'",
        DiseaseProgressed => "progression",
        PatientDied => "death",
        LastKnownAlive => "last-known-alive follow-up",
        WithdrewFromFollowUp => "withdrawal from follow-up",
        _ => fact.GetType().Name
    };
}
