using System.Security.Claims;
using Marten;
using Registry.Api.Auth;
using Registry.Api.Patients;
using Registry.Domain.Patients;
using Registry.Domain.Studies;

namespace Registry.Api.Web.Coordinator;

/// <summary>
/// What every page about one patient reads: the history as the API's history route gives it, the timeline folded from
/// it, and the study. A coordinator opens only the patients of her sites, as the API lets her.
/// </summary>
public sealed record PatientRecord(PatientHistory History, PatientTimeline Timeline, Study Study)
{
    public DerivedState State => History.State;
    public Guid PatientId => History.PatientId;

    public static async Task<(PatientRecord? Record, FormErrors Refusal)> LoadAsync(IQuerySession session, ClaimsPrincipal user, Guid patientId, CancellationToken ct)
    {
        if (await GettingHistoryEndpoint.ReadAsync(session, patientId, null, ct) is not { } history)
            return (null, FormErrors.Page(StatusCodes.Status404NotFound, $"No patient {patientId} is enrolled."));
        if (!user.HasSite(history.State.Site))
            return (null, FormErrors.Page(StatusCodes.Status403Forbidden,
                $"This patient is enrolled at site {history.State.Site}, which your account does not cover."));
        if (await session.LoadAsync<Study>(history.State.StudyId, ct) is not { } study)
            return (null, FormErrors.Page(StatusCodes.Status404NotFound, $"The patient's study {history.State.StudyId} is not registered."));
        var timeline = PatientTimeline.From(patientId, history.Events.Select(e => new RecordedEvent(e.Version, e.Data, e.RecordedAt, e.RecordedBy)))!;
        return (new PatientRecord(history, timeline, study), FormErrors.None);
    }

    /// <summary>An entry's fields in words, labelled as its form labels them.</summary>
    public IEnumerable<(string Label, string Value)> Describe(IPatientFact fact, ClaimsPrincipal user) =>
        EntryForms.Describe(EntryForms.ForCorrection(fact, Study.Protocol, user, Timeline.Enrolment.Baseline), EntryForms.Values(fact));

    /// <summary>What was recorded after <paramref name="version"/>: shown when a form opened at that version comes back stale.</summary>
    public IReadOnlyList<HistoryEvent> Since(long version) => History.Events.Where(e => e.Version > version).ToList();
}
