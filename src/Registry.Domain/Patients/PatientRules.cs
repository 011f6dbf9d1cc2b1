namespace Registry.Domain.Patients;

/// <summary>
/// The clinical consistency rules a patient's facts in force must satisfy. Checked on the state that a new entry
/// would produce, so an original entry and a correction are held to the same rules.
/// </summary>
public static class PatientRules
{
    // Loops over the entries rather than queries: a bulk load asks these of every entry it records.
    public static IEnumerable<string> Violations(PatientTimeline timeline)
    {
        var entries = timeline.Entries;
        var enrolledOn = timeline.Enrolment.EnrolledOn;
        for (var i = 0; i < entries.Count; i++)
            if (entries[i] is { Voided: false, Current: var fact } && fact.ClinicalDate < enrolledOn)
                yield return $"{Describe(fact)} dated {fact.ClinicalDate:yyyy-MM-dd} is before enrolment on {enrolledOn:yyyy-MM-dd}.";

        if (timeline.TreatmentStartedOn is { } started && timeline.ProgressedOn is { } progressed && progressed < started)
            yield return $"Progression on {progressed:yyyy-MM-dd} is before treatment started on {started:yyyy-MM-dd}.";

        if (Second<PatientRandomized>(entries) is { } randomized)
            yield return $"The patient was already randomized on {randomized.RandomizedOn:yyyy-MM-dd} to {randomized.Arm}; a patient is randomized once.";

        if (Second<PatientDied>(entries) is { } death)
            yield return $"The patient is already recorded as having died on {death.DiedOn:yyyy-MM-dd}; a second death cannot be recorded.";

        var diedOn = timeline.DiedOn;
        if (diedOn is { } died)
        {
            for (var i = 0; i < entries.Count; i++)
                if (entries[i] is { Voided: false, Current: var fact } && fact is not PatientDied && fact.ClinicalDate > died)
                    yield return $"{Describe(fact)} dated {fact.ClinicalDate:yyyy-MM-dd} is after the patient's death on {died:yyyy-MM-dd}.";
        }

        for (var i = 0; i < entries.Count; i++)
            if (entries[i] is { Voided: false, Current: AdverseEventRecorded { Grade: 5 } fatal } && (diedOn is not { } on || on < fatal.OnsetOn))
                yield return $"A grade 5 (fatal) adverse event '{fatal.Term ?? "(no term)"}' with onset {fatal.OnsetOn:yyyy-MM-dd} needs a death recorded on or after its onset; send diedOn with it.";
    }

    /// <summary>The first entry in force of a kind recorded at most once, when a second one is in force too; null otherwise.</summary>
    private static T? Second<T>(IReadOnlyList<PatientEntry> entries) where T : class, IPatientFact
    {
        T? first = null;
        for (var i = 0; i < entries.Count; i++)
            if (entries[i] is { Voided: false, Current: T fact })
            {
                if (first is not null) return first;
                first = fact;
            }
        return null;
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
