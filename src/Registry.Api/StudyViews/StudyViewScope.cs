using System.Globalization;
using Marten;
using Registry.Api.Infrastructure;
using Registry.Domain.Outcomes;
using Registry.Domain.Studies;
using Registry.Projections.Outcomes;
using Registry.Projections.Patients;

namespace Registry.Api.StudyViews;

public enum SurvivalEndpoint { Pfs, Os }

/// <summary>The patients' outcomes a study view is computed from, and the moment and data cut they reflect.</summary>
public sealed record StudyViewScope(Study Study, IReadOnlyList<PatientOutcome> Outcomes, DateTimeOffset? AsOf, DateOnly? DataCut)
{
    public const double DaysPerMonth = 30.4375;

    public static TimeToEvent? Time(PatientOutcome outcome, SurvivalEndpoint endpoint) =>
        endpoint == SurvivalEndpoint.Pfs ? outcome.ProgressionFreeSurvival : outcome.OverallSurvival;
}

/// <summary>
/// Loads a study's outcomes for a view. The current view reads the outcome rows the async daemon keeps; a view
/// as of a past moment, at a data cut, or with <c>consistent=true</c> (read-your-write) derives them from the
/// inline patient charts, which are always up to date with every accepted write.
/// </summary>
public static class StudyViewLoader
{
    public const string Readers = $"{Auth.Roles.Investigator},{Auth.Roles.Auditor},{Auth.Roles.Admin}";

    public static async Task<(StudyViewScope? Scope, IResult? Refusal)> LoadAsync(
        IQuerySession session, Guid studyId, string? asOf, string? dataCut, bool? consistent, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var moment = ParseMoment(asOf, errors);
        var cut = ParseDataCut(dataCut, errors);
        if (errors.Count > 0) return (null, Results.ValidationProblem(errors, title: "The query is not valid."));

        if (await session.LoadAsync<Study>(studyId, ct) is not { } study)
            return (null, Problems.NotFound($"No study {studyId} is registered."));

        IReadOnlyList<PatientOutcome> outcomes;
        if (moment is null && cut is null && consistent != true)
        {
            outcomes = (await session.Query<PatientOutcomeRow>().Where(r => r.StudyId == studyId).ToListAsync(ct))
                .Select(r => r.Outcome).ToList();
        }
        else
        {
            var charts = await session.Query<PatientChart>().Where(c => c.StudyId == studyId).ToListAsync(ct);
            outcomes = charts
                .Select(c => c.Timeline(moment))
                .Where(t => t is not null)
                .Select(t => OutcomeDerivation.Derive(t!, study.ResponseRules, cut))
                .ToList();
        }
        return (new StudyViewScope(study, outcomes.OrderBy(o => o.PatientId).ToList(), moment, cut), null);
    }

    public static SurvivalEndpoint? ParseEndpoint(string? endpoint, Dictionary<string, string[]> errors)
    {
        switch (endpoint?.ToLowerInvariant())
        {
            case "pfs": return SurvivalEndpoint.Pfs;
            case "os": return SurvivalEndpoint.Os;
            default:
                errors["endpoint"] = [$"endpoint must be 'pfs' or 'os'{(endpoint is null ? "" : $", not '{endpoint}'")}."];
                return null;
        }
    }

    /// <summary>Arms named as the study codes them; "ITC+IT" pools arms into one group, as the paper compares them.</summary>
    public static IReadOnlyList<string>? ParseArmGroup(string? value, Study study, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"{field} is required: an arm code, or arms joined by '+' to pool them."];
            return null;
        }
        // A literal '+' in a query string arrives as a space unless encoded; accept both.
        var codes = value.Split(['+', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = codes.Where(c => !study.HasArm(c)).ToList();
        if (unknown.Count > 0)
        {
            errors[field] = [$"Study {study.Code} has no arm {string.Join(", ", unknown.Select(u => $"'{u}'"))} (it has {string.Join(", ", study.Arms.Select(a => a.Code))})."];
            return null;
        }
        return codes;
    }

    private static DateTimeOffset? ParseMoment(string? asOf, Dictionary<string, string[]> errors)
    {
        if (asOf is null) return null;
        if (DateTimeOffset.TryParse(asOf, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment)) return moment;
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
