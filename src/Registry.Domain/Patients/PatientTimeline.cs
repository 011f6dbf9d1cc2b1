namespace Registry.Domain.Patients;

/// <summary>An event of a patient's stream as a fold reads it: stream version, payload, server time and authenticated user.</summary>
public interface IRecordedEvent
{
    long Version { get; }
    object Data { get; }
    DateTimeOffset RecordedAt { get; }
    string? RecordedBy { get; }
}

/// <summary>An event as the store recorded it: stream version, payload, server time and authenticated user.</summary>
public sealed record RecordedEvent(long Version, object Data, DateTimeOffset RecordedAt, string? RecordedBy) : IRecordedEvent;

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

    public DateOnly? TreatmentStartedOn => Earliest<TreatmentStarted>(static t => t.StartedOn);
    /// <summary>The first progression or relapse entry, whatever its site.</summary>
    public DateOnly? ProgressedOn => Earlier(Earliest<DiseaseProgressed>(static p => p.ProgressedOn), Earliest<DiseaseRelapsed>(static r => r.RelapsedOn));
    public DateOnly? DiedOn => Earliest<PatientDied>(static d => d.DiedOn);
    public DateOnly? WithdrewOn => Earliest<WithdrewFromFollowUp>(static w => w.WithdrewOn);

    /// <summary>The latest clinical date recorded for the patient: the date they were last known to be alive (or died).</summary>
    public DateOnly LastContactOn => EffectiveFacts.Max(f => f.ClinicalDate);

    public PatientStatus Status =>
        DiedOn is not null ? PatientStatus.Dead
        : ProgressedOn is not null ? PatientStatus.Progressed
        : TreatmentStartedOn is not null ? PatientStatus.OnTreatment
        : PatientStatus.Enrolled;

    public PatientEntry? EntryAt(long version) => Entries.FirstOrDefault(e => e.Version == version);

    /// <summary>
    /// Folds a stream; null when it is empty or does not begin with an enrolment. The same timeline as
    /// <see cref="Apply"/> event by event, built in one list: the charts refold on every status change and a rebuild
    /// folds every patient, where a copy of the entries per event added up.
    /// </summary>
    public static PatientTimeline? From<TEvent>(Guid patientId, IEnumerable<TEvent> events) where TEvent : IRecordedEvent
    {
        List<PatientEntry>? entries = null;
        long version = 0;
        foreach (var e in events)
        {
            if (entries is null)
            {
                if (e.Data is not PatientEnrolled) continue;
                // Sized once where the events are counted (a chart's), not grown a doubling at a time for every patient of a set.
                entries = new List<PatientEntry>(events.TryGetNonEnumeratedCount(out var count) ? count : 4);
            }
            switch (e.Data)
            {
                case IPatientFact fact:
                    entries.Add(new PatientEntry(e.Version, fact, fact, e.RecordedAt, e.RecordedBy, false, []));
                    break;
                case EntryCorrected c:
                    Amend(entries, c.EntryVersion, e.Version, c);
                    break;
                case EntryVoided v:
                    Amend(entries, v.EntryVersion, e.Version, null);
                    break;
            }
            version = e.Version;
        }
        return entries is null ? null : new PatientTimeline(patientId, entries, version);
    }

    /// <summary>
    /// The target entry corrected by <paramref name="correction"/>, or voided when it is null. The correction itself, not
    /// a delegate: a lambda capturing it cost a closure for every event folded, amendment or not.
    /// </summary>
    private static void Amend(List<PatientEntry> entries, long target, long amendmentVersion, EntryCorrected? correction)
    {
        for (var i = 0; i < entries.Count; i++)
            if (entries[i].Version == target)
                entries[i] = (correction is not null ? entries[i] with { Current = correction.Replacement } : entries[i] with { Voided = true })
                    with { AmendedBy = [.. entries[i].AmendedBy, amendmentVersion] };
    }

    public PatientTimeline Apply(RecordedEvent e) => e.Data switch
    {
        IPatientFact fact => this with
        {
            Entries = GrowingList<PatientEntry>.Append(Entries, new PatientEntry(e.Version, fact, fact, e.RecordedAt, e.RecordedBy, false, [])),
            Version = e.Version
        },
        EntryCorrected c => Amend(c.EntryVersion, e.Version, c),
        EntryVoided v => Amend(v.EntryVersion, e.Version, null),
        _ => this with { Version = e.Version }
    };

    /// <summary>A copy of the entries with the target amended; a loop: a maturity pass applies every correction at every cut.</summary>
    private PatientTimeline Amend(long target, long amendmentVersion, EntryCorrected? correction)
    {
        var entries = new List<PatientEntry>(Entries.Count);
        for (var i = 0; i < Entries.Count; i++) entries.Add(Entries[i]);
        Amend(entries, target, amendmentVersion, correction);
        return this with { Entries = entries, Version = amendmentVersion };
    }

    /// <summary>The earliest date of the entries in force of one kind; a loop, not a query: every write asks the rules several of these.</summary>
    private DateOnly? Earliest<T>(Func<T, DateOnly> date) where T : IPatientFact
    {
        DateOnly? earliest = null;
        for (var i = 0; i < Entries.Count; i++)
            if (Entries[i] is { Voided: false, Current: T fact } && (earliest is null || date(fact) < earliest)) earliest = date(fact);
        return earliest;
    }

    private static DateOnly? Earlier(DateOnly? a, DateOnly? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
