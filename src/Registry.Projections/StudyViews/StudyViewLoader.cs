using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Marten;
using Registry.Domain.Outcomes;
using Registry.Domain.Patients;
using Registry.Domain.Studies;
using Registry.Projections.Outcomes;
using Registry.Projections.Patients;

namespace Registry.Projections.StudyViews;

/// <summary>
/// A study as it stood at a moment, and a way to read its patients then one at a time, in subject-code order, from its
/// <paramref name="Charts"/> charts (those of patients enrolled after the moment or cut included).
/// </summary>
public sealed record StudyPatientStream(Study Study, DateTimeOffset? AsOf, DateOnly? DataCut,
    Func<CancellationToken, IAsyncEnumerable<(PatientTimeline Timeline, PatientOutcome Outcome)>> Patients, int Charts);

/// <summary>A study as it stood at a moment, and its patients then: each record beside the outcome derived from it at the data cut.</summary>

public sealed record StudyPatients(Study Study, IReadOnlyList<(PatientTimeline Timeline, PatientOutcome Outcome)> Patients, DateTimeOffset? AsOf, DateOnly? DataCut);

/// <summary>Why a view could not be loaded: the query's field errors, or no such study (then it was not registered at that moment).</summary>
public sealed record ViewRefusal(Dictionary<string, string[]>? Errors, string? NotFound);

/// <summary>
/// Loads a study's outcomes for a view. The current view reads the outcome rows the async daemon keeps; a view
/// as of a past moment, at a data cut, or with <c>consistent=true</c> (read-your-write) derives them from the
/// inline patient charts, which are always up to date with every accepted write, under the protocol in force then.
/// Both are kept between requests and brought forward by the patients written since (<see cref="StudyScopes"/>).
/// </summary>
public static partial class StudyViewLoader
{
    public static async Task<(StudyViewScope? Scope, ViewRefusal? Refusal)> LoadAsync(
        IQuerySession session, Guid studyId, string? asOf, string? dataCut, bool? consistent, CancellationToken ct)
    {
        var (study, moment, cut, refusal) = await ResolveAsync(session, studyId, asOf, dataCut, ct);
        if (study is null) return (null, refusal);

        var scopes = StudyScopes.Of(session.DocumentStore);
        var scope = moment is null && cut is null && consistent != true
            ? await scopes.CurrentAsync(session, study, ct)
            : await scopes.DerivedAsync(session, study, moment, cut, ct);
        return (scope, null);
    }

    /// <summary>
    /// A study's patients as the analysis datasets read them: each record as the registry knew it at <c>asOf</c>, with
    /// the outcome derived from it at the data cut — from the charts, as a read-your-write view derives them, so every
    /// time carries where it ends. The same parameters, refusals and patients as a view's.
    /// </summary>
    public static async Task<(StudyPatients? Patients, ViewRefusal? Refusal)> LoadPatientsAsync(
        IQuerySession session, Guid studyId, string? asOf, string? dataCut, CancellationToken ct)
    {
        var (study, moment, cut, refusal) = await ResolveAsync(session, studyId, asOf, dataCut, ct);
        if (study is null) return (null, refusal);
        // Streamed: each chart is dropped once its timeline and outcome are derived.
        var patients = new List<(PatientTimeline, PatientOutcome)>();
        await foreach (var chart in RecordedCharts.OfStudyAsync(session, studyId, only: null, except: null, ct))
            if (Patient(chart, study, moment, cut) is { } patient) patients.Add(patient);
        return (new StudyPatients(study, patients, moment, cut), null);
    }

    /// <summary>
    /// <see cref="LoadPatientsAsync"/>'s study, moment and cut, and its patients as a stream in subject-code order
    /// (USUBJID's), each derived as that method derives them. Only each patient's id and subject code are held; the
    /// charts are read a batch at a time and dropped once derived, so an export of any size holds a batch of patients.
    /// Each enumeration reads the charts again.
    /// </summary>
    public static async Task<(StudyPatientStream? Patients, ViewRefusal? Refusal)> StreamPatientsAsync(
        IQuerySession session, Guid studyId, string? asOf, string? dataCut, CancellationToken ct)
    {
        var (study, moment, cut, refusal) = await ResolveAsync(session, studyId, asOf, dataCut, ct);
        if (study is null) return (null, refusal);
        return (await StreamPatientsAsync(session, study, moment, cut, ct), null);
    }

    /// <summary><see cref="StreamPatientsAsync(IQuerySession, Guid, string?, string?, CancellationToken)"/> of a study already resolved (<see cref="ResolveAsync"/>).</summary>
    public static async Task<StudyPatientStream> StreamPatientsAsync(IQuerySession session, Study study, DateTimeOffset? moment, DateOnly? cut, CancellationToken ct)
    {
        var subjects = await session.Query<PatientChart>().Where(c => c.StudyId == study.Id).Select(c => new ChartSubject(c.Id, c.SubjectCode)).ToListAsync(ct);
        var inOrder = subjects.OrderBy(s => s.SubjectCode, StringComparer.Ordinal).Select(s => s.Id).ToArray();
        return new StudyPatientStream(study, moment, cut, c => ChartsInOrder(session, study.Id, inOrder, study, moment, cut, c), inOrder.Length);
    }

    private sealed record ChartSubject(Guid Id, string SubjectCode);

    /// <summary>Charts read per query when streaming a study's patients.</summary>
    private const int ChartsPerBatch = 500;

    private static async IAsyncEnumerable<(PatientTimeline Timeline, PatientOutcome Outcome)> ChartsInOrder(IQuerySession session, Guid studyId, Guid[] inOrder,
        Study study, DateTimeOffset? moment, DateOnly? cut, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var batch in inOrder.Chunk(ChartsPerBatch))
        {
            var charts = await RecordedCharts.OfStudyAsync(session, studyId, only: batch, except: null, ct).ToDictionaryAsync(c => c.Id, cancellationToken: ct);
            foreach (var id in batch)
            {
                ct.ThrowIfCancellationRequested();
                if (charts.TryGetValue(id, out var chart) && Patient(chart, study, moment, cut) is { } patient) yield return patient;
            }
        }
    }

    /// <summary>The query's moment and data cut read, and the study as it stood at that moment; else why not.</summary>
    public static async Task<(Study? Study, DateTimeOffset? Moment, DateOnly? Cut, ViewRefusal? Refusal)> ResolveAsync(
        IQuerySession session, Guid studyId, string? asOf, string? dataCut, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var moment = ParseMoment(asOf, errors);
        var cut = ParseDataCut(dataCut, errors);
        if (errors.Count > 0) return (null, null, null, new ViewRefusal(errors, null));

        if (await session.LoadAsync<Study>(studyId, ct) is not { } current)
            return (null, null, null, new ViewRefusal(null, $"No study {studyId} is registered."));
        if (current.AsOf(moment) is not { } study)
            return (null, null, null, new ViewRefusal(null, $"Study {current.Code} was not yet registered at {moment:O}."));
        return (study, moment, cut, null);
    }

    /// <summary>
    /// Every chart's outcome as the registry knew it at <paramref name="asOf"/>, at the data cut, under the study's
    /// protocol then. Cancellation is observed before each patient, so a disconnected caller stops the fold.
    /// </summary>
    public static IReadOnlyList<PatientOutcome> Derive(IEnumerable<PatientChart> charts, Study study, DateTimeOffset? asOf, DateOnly? dataCut,
        CancellationToken ct = default) =>
        Patients(charts, study, asOf, dataCut, ct).Select(p => p.Outcome).ToList();

    /// <summary><see cref="Derive"/> with each patient's record beside the outcome derived from it.</summary>
    public static IReadOnlyList<(PatientTimeline Timeline, PatientOutcome Outcome)> Patients(IEnumerable<PatientChart> charts, Study study, DateTimeOffset? asOf,
        DateOnly? dataCut, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return charts
            .Select(c =>
            {
                ct.ThrowIfCancellationRequested();
                return Patient(c.Recorded(), study, asOf, dataCut);
            })
            .OfType<(PatientTimeline, PatientOutcome)>()
            .ToList();
    }

    /// <summary>
    /// The chart's record at <paramref name="asOf"/> and its outcome at the data cut; null when the patient was not in the
    /// study then. Without <paramref name="ends"/>, the times hold their days and event only (<see cref="OutcomeDerivation.DeriveWithoutEnds"/>).
    /// </summary>
    internal static (PatientTimeline Timeline, PatientOutcome Outcome)? Patient(RecordedChart chart, Study study, DateTimeOffset? asOf, DateOnly? dataCut,
        bool ends = true) =>
        Patient(chart.Timeline(asOf), study, dataCut, ends);

    /// <summary>
    /// <see cref="Patient(RecordedChart, Study, DateTimeOffset?, DateOnly?, bool)"/> of the record at the moment already
    /// folded (<paramref name="timeline"/>, null when there was none then).
    /// </summary>
    internal static (PatientTimeline Timeline, PatientOutcome Outcome)? Patient(PatientTimeline? timeline, Study study, DateOnly? dataCut, bool ends) =>
        // A patient enrolled after the data cut was not in the study at that cut.
        timeline is { } t && (dataCut is null || t.Enrolment.EnrolledOn <= dataCut)
            ? (t, ends ? OutcomeDerivation.Derive(t, study.Protocol, dataCut) : OutcomeDerivation.DeriveWithoutEnds(t, study.Protocol, dataCut))
            : null;

    /// <summary>
    /// The one reading of a moment in a query (<c>asOf</c>, the audit export's <c>from</c>/<c>to</c>): an ISO-8601 date
    /// or date and time, UTC unless it carries an offset (any offset names one instant, answered in UTC). A space
    /// where the offset's sign belongs is the '+' a URL query decodes to a space, so it is read as '+'. Anything else,
    /// e.g. 05/01/2024 (which day?), is a field error under <paramref name="parameter"/>.
    /// </summary>
    public static DateTimeOffset? ParseMoment(string? value, Dictionary<string, string[]> errors, string parameter = "asOf")
    {
        if (value is null) return null;
        if (IsoMoment().Match(value) is { Success: true } iso)
        {
            var sign = iso.Groups["sign"];
            var text = sign.Value == " " ? $"{value[..sign.Index]}+{value[(sign.Index + 1)..]}" : value;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment)) return moment.ToUniversalTime();
        }
        errors[parameter] = [$"'{value}' is not a moment in ISO-8601 form: YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss with Z or an offset " +
            "(e.g. 2024-05-01T12:00:00Z or 2024-05-01T14:00:00+02:00, the '+' sent as %2B)."];
        return null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|(?<sign>[+\- ])\d{2}:\d{2})?)?\z")]
    private static partial Regex IsoMoment();

    private static DateOnly? ParseDataCut(string? dataCut, Dictionary<string, string[]> errors)
    {
        if (dataCut is null) return null;
        if (DateOnly.TryParseExact(dataCut, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var cut)) return cut;
        errors["dataCut"] = [$"'{dataCut}' is not a date in the form YYYY-MM-DD."];
        return null;
    }
}
