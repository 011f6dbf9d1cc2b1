namespace Registry.Domain.Patients;

/// <summary>An event as the store recorded it: stream version, payload, server time and authenticated user.</summary>
public sealed record RecordedEvent(long Version, object Data, DateTimeOffset RecordedAt, string? RecordedBy);

/// <summary>One clinical entry with whatever corrections or void were recorded against it.</summary>
public sealed record PatientEntry(
    long Version,
    IPatientFact Original,
    IPatientFact Current,
    DateTimeOffset RecordedAt,
    string? RecordedBy,
    bool Voided,
    IReadOnlyList<long> AmendedBy);

public enum PatientStatus { Enrolled, OnTreatment, Progressed, Dead }

/// <summary>
/// A patient's stream folded into the facts currently in force: corrections replace, voids remove.
/// Pure, so the write side, the audit replay and the read models derive the same state from the same events.
/// </summary>
public sealed record PatientTimeline(Guid PatientId, IReadOnlyList<PatientEntry> Entries, long Version)
{
    public PatientEnrolled Enrolment => (PatientEnrolled)Entries[0].Current;

    public IEnumerable<IPatientFact> EffectiveFacts => Entries.Where(e => !e.Voided).Select(e => e.Current);

    public IEnumerable<T> Effective<T>() where T : IPatientFact => EffectiveFacts.OfType<T>();

    public PatientRandomized? Randomization => Effective<PatientRandomized>().OrderBy(r => r.RandomizedOn).FirstOrDefault();

    /// <summary>The arm the patient is analysed in: the randomized arm, else the arm assigned at enrolment.</summary>
    public string? Arm => Randomization?.Arm ?? Enrolment.Arm;

    public DateOnly? TreatmentStartedOn => Min(Effective<TreatmentStarted>().Select(t => t.StartedOn));
    /// <summary>The first progression or relapse entry, whatever its site.</summary>
    public DateOnly? ProgressedOn => Min(Effective<DiseaseProgressed>().Select(p => p.ProgressedOn)
        .Concat(Effective<DiseaseRelapsed>().Select(r => r.RelapsedOn)));
    public DateOnly? DiedOn => Min(Effective<PatientDied>().Select(d => d.DiedOn));
    public DateOnly? WithdrewOn => Min(Effective<WithdrewFromFollowUp>().Select(w => w.WithdrewOn));

    /// <summary>The latest clinical date recorded for the patient: the date they were last known to be alive (or died).</summary>
    public DateOnly LastContactOn => EffectiveFacts.Max(f => f.ClinicalDate);

    public PatientStatus Status =>
        DiedOn is not null ? PatientStatus.Dead
        : ProgressedOn is not null ? PatientStatus.Progressed
        : TreatmentStartedOn is not null ? PatientStatus.OnTreatment
        : PatientStatus.Enrolled;

    public PatientEntry? EntryAt(long version) => Entries.FirstOrDefault(e => e.Version == version);

    /// <summary>Folds a stream; null when it is empty or does not begin with an enrolment.</summary>
    public static PatientTimeline? From(Guid patientId, IEnumerable<RecordedEvent> events)
    {
        PatientTimeline? timeline = null;
        foreach (var e in events)
        {
            timeline = timeline is null
                ? e.Data is PatientEnrolled ? new PatientTimeline(patientId, [], 0).Apply(e) : null
                : timeline.Apply(e);
        }
        return timeline;
    }

    public PatientTimeline Apply(RecordedEvent e) => e.Data switch
    {
        IPatientFact fact => this with
        {
            Entries = [.. Entries, new PatientEntry(e.Version, fact, fact, e.RecordedAt, e.RecordedBy, false, [])],
            Version = e.Version
        },
        EntryCorrected c => Amend(c.EntryVersion, e.Version, entry => entry with { Current = c.Replacement }),
        EntryVoided v => Amend(v.EntryVersion, e.Version, entry => entry with { Voided = true }),
        _ => this with { Version = e.Version }
    };

    private PatientTimeline Amend(long target, long amendmentVersion, Func<PatientEntry, PatientEntry> change) => this with
    {
        Entries = Entries
            .Select(entry => entry.Version == target ? change(entry) with { AmendedBy = [.. entry.AmendedBy, amendmentVersion] } : entry)
            .ToList(),
        Version = amendmentVersion
    };

    private static DateOnly? Min(IEnumerable<DateOnly> dates) => dates.Select(d => (DateOnly?)d).Min();
}
