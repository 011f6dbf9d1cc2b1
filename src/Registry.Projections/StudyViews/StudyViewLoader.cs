using System.Globalization;
using Marten;
using Registry.Domain.Outcomes;
using Registry.Domain.Studies;
using Registry.Projections.Outcomes;
using Registry.Projections.Patients;

namespace Registry.Projections.StudyViews;

/// <summary>Why a view could not be loaded: the query's field errors, or no such study (then it was not registered at that moment).</summary>
public sealed record ViewRefusal(Dictionary<string, string[]>? Errors, string? NotFound);

/// <summary>
/// Loads a study's outcomes for a view. The current view reads the outcome rows the async daemon keeps; a view
/// as of a past moment, at a data cut, or with <c>consistent=true</c> (read-your-write) derives them from the
/// inline patient charts, which are always up to date with every accepted write, under the protocol in force then.
/// </summary>
public static class StudyViewLoader
{
    public static async Task<(StudyViewScope? Scope, ViewRefusal? Refusal)> LoadAsync(
        IQuerySession session, Guid studyId, string? asOf, string? dataCut, bool? consistent, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var moment = ParseMoment(asOf, errors);
        var cut = ParseDataCut(dataCut, errors);
        if (errors.Count > 0) return (null, new ViewRefusal(errors, null));

        if (await session.LoadAsync<Study>(studyId, ct) is not { } current)
            return (null, new ViewRefusal(null, $"No study {studyId} is registered."));
        if (current.AsOf(moment) is not { } study)
            return (null, new ViewRefusal(null, $"Study {current.Code} was not yet registered at {moment:O}."));

        IReadOnlyList<PatientOutcome> outcomes;
        if (moment is null && cut is null && consistent != true)
        {
            outcomes = (await session.Query<PatientOutcomeRow>().Where(r => r.StudyId == studyId).ToListAsync(ct))
                .Select(r => r.Outcome).ToList();
        }
        else
        {
            var charts = await session.Query<PatientChart>().Where(c => c.StudyId == studyId).ToListAsync(ct);
            outcomes = Derive(charts, study, moment, cut);
        }
        return (new StudyViewScope(study, outcomes.OrderBy(o => o.PatientId).ToList(), moment, cut), null);
    }

    /// <summary>Every chart's outcome as the registry knew it at <paramref name="asOf"/>, at the data cut, under the study's protocol then.</summary>
    public static IReadOnlyList<PatientOutcome> Derive(IEnumerable<PatientChart> charts, Study study, DateTimeOffset? asOf, DateOnly? dataCut) => charts
        .Select(c => c.Timeline(asOf))
        // A patient enrolled after the data cut was not in the study at that cut.
        .Where(t => t is not null && (dataCut is null || t.Enrolment.EnrolledOn <= dataCut))
        .Select(t => OutcomeDerivation.Derive(t!, study.Protocol, dataCut))
        .ToList();

    /// <summary>An ISO-8601 moment with any offset, held as UTC.</summary>
    public static DateTimeOffset? ParseMoment(string? asOf, Dictionary<string, string[]> errors)
    {
        if (asOf is null) return null;
        if (DateTimeOffset.TryParse(asOf, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment)) return moment.ToUniversalTime();
        errors["asOf"] = [$"'{asOf}' is not an ISO-8601 timestamp (e.g. 2022-01-01T00:00:00Z)."];
        return null;
    }

    private static DateOnly? ParseDataCut(string? dataCut, Dictionary<string, string[]> errors)
    {
        if (dataCut is null) return null;
        if (DateOnly.TryParseExact(dataCut, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var cut)) return cut;
        errors["dataCut"] = [$"'{dataCut}' is not a date in the form YYYY-MM-DD."];
        return null;
    }
}
