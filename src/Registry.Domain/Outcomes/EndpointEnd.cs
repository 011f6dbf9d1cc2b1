using System.Reflection;
using System.Text.Json.Serialization;
using Registry.Domain.Patients;

namespace Registry.Domain.Outcomes;

/// <summary>Why a time ended without its event; the numbers are the ADaM ADTTE CNSR codes (0 is an event).</summary>
public enum Censoring
{
    LastTumourAssessment = 1,
    NoTumourAssessment = 2,
    LastKnownAlive = 3,
    DataCut = 4,
    DeathWithoutFailure = 5,
}

/// <summary>The entry a date was read from: its kind (as a correction names it), the field, and its stream version.</summary>
public sealed record EntrySource(string Kind, string Field, long Version)
{
    private static readonly IReadOnlyDictionary<Type, string> Kinds = typeof(IPatientFact)
        .GetCustomAttributes<JsonDerivedTypeAttribute>().ToDictionary(a => a.DerivedType, a => (string)a.TypeDiscriminator!);

    public static EntrySource Of(IPatientFact fact, long version) => new(Kinds[fact.GetType()], DateField(fact), version);

    private static string DateField(IPatientFact fact) => fact switch
    {
        PatientEnrolled => "enrolledOn",
        PatientRandomized => "randomizedOn",
        TreatmentStarted => "startedOn",
        ImagingAssessed => "assessedOn",
        AdverseEventRecorded => "onsetOn",
        DiseaseProgressed => "progressedOn",
        DiseaseRelapsed => "relapsedOn",
        PatientDied => "diedOn",
        LastKnownAlive => "lastKnownAliveOn",
        WithdrewFromFollowUp => "withdrewOn",
        _ => throw new ArgumentOutOfRangeException(nameof(fact), fact.GetType().Name, "Not a clinical entry."),
    };
}

/// <summary>
/// Where a time to an event ends: the date it counts from, the date it ends on, what ended it — the event
/// (<see cref="Censoring"/> null) or why it was censored — and the entry that date was read from (none for a data cut).
/// </summary>
public sealed record EndpointEnd(DateOnly From, DateOnly On, string Description, Censoring? Censoring, EntrySource? Source)
{
    public bool Event => Censoring is null;

    /// <summary>How an event is named in an analysis dataset (EVNTDESC).</summary>
    public static string DescribeEvent(IPatientFact fact) => fact switch
    {
        PatientDied => "Death",
        DiseaseProgressed { Site: { } site } => ProgressionAt[site],
        DiseaseProgressed => "Disease progression (site not recorded)",
        DiseaseRelapsed relapse => RelapseAt[relapse.Type],
        ImagingAssessed => "Imaging timepoint PD",
        _ => fact.GetType().Name,
    };

    /// <summary>How a censoring date is named in an analysis dataset (CNSDTDSC).</summary>
    public static string Describe(Censoring censoring) => censoring switch
    {
        Outcomes.Censoring.LastTumourAssessment => "Last tumour assessment",
        Outcomes.Censoring.NoTumourAssessment => "Time origin (no tumour assessment on or after it)",
        Outcomes.Censoring.LastKnownAlive => "Last known alive",
        Outcomes.Censoring.DataCut => "Data cut (known alive after it)",
        Outcomes.Censoring.DeathWithoutFailure => "Death without failure",
        _ => censoring.ToString(),
    };

    // Named once per site: a maturity pass names a progression at every cut of every progressed patient.
    private static readonly IReadOnlyDictionary<FailureSite, string> ProgressionAt = Enum.GetValues<FailureSite>().ToDictionary(s => s, s => $"Disease progression ({Describe(s)})");
    private static readonly IReadOnlyDictionary<FailureSite, string> RelapseAt = Enum.GetValues<FailureSite>().ToDictionary(s => s, s => $"Relapse ({Describe(s)})");

    private static string Describe(FailureSite site) => site switch
    {
        FailureSite.Both => "locoregional and distant",
        _ => site.ToString().ToLowerInvariant(),
    };
}
