using Registry.Api.Infrastructure;

namespace Registry.Api.Patients;

/// <summary>
/// What became of a patient write, whoever asked: a route answers it as HTTP (<see cref="ToResult"/>), a page shows
/// it beside its form. Both ask the same function for it, so the API and the pages cannot drift apart.
/// </summary>
public abstract record WriteOutcome
{
    private WriteOutcome() { }

    /// <summary>What a patient write's 409 means, as the API reference says it.</summary>
    public const string ConflictMeaning = "The patient's record moved on since expectedVersion (or another write to it came at the same moment), " +
        "or the entry contradicts what is recorded (before enrolment, progression before treatment, after death…); nothing was recorded.";

    /// <summary>What a patient write's 422 means, as the API reference says it.</summary>
    public const string UnprocessableMeaning = "The entry refers to something the study's protocol does not have (an arm, a site, a value) " +
        "or does not meet its criteria; nothing was recorded.";

    /// <summary>Recorded: the stream versions now holding the entry.</summary>
    public sealed record Appended(Guid PatientId, long FirstVersion, long Version) : WriteOutcome;

    /// <summary>400: field errors keyed by the request's JSON path (<c>baseline.age</c>, <c>replacement.grade</c>).</summary>
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : WriteOutcome;

    /// <summary>
    /// 403, 404, 409 or 422, each violation in words. <see cref="Fields"/> repeats those that concern one field (an
    /// unmet eligibility criterion, a subject code already enrolled) under its JSON path.
    /// </summary>
    public sealed record Refused(int Status, IReadOnlyList<string> Violations) : WriteOutcome
    {
        public IReadOnlyDictionary<string, string[]> Fields { get; init; } = new Dictionary<string, string[]>();
    }

    /// <summary>409: the patient's record moved on since the caller read it — nothing was recorded; reload and try again.</summary>
    public sealed record Stale(string Violation) : WriteOutcome;

    public static Refused NotFound(string detail) => new(StatusCodes.Status404NotFound, [detail]);
    public static Refused Forbidden(string detail) => new(StatusCodes.Status403Forbidden, [detail]);
    public static Refused Unprocessable(IReadOnlyList<string> details) => new(StatusCodes.Status422UnprocessableEntity, details);
    public static Refused Conflict(IReadOnlyList<string> violations) => new(StatusCodes.Status409Conflict, violations);

    /// <summary>The route's answer; <paramref name="created"/> says what a 201 carries.</summary>
    public IResult ToResult(Func<Appended, IResult> created) => this switch
    {
        Appended appended => created(appended),
        Invalid invalid => RequestValidation.Problem(invalid.Errors.ToDictionary(e => e.Key, e => e.Value)),
        Stale stale => Problems.Conflict([stale.Violation]),
        Refused { Status: StatusCodes.Status403Forbidden } r => Problems.Forbidden(string.Join(" ", r.Violations)),
        Refused { Status: StatusCodes.Status404NotFound } r => Problems.NotFound(string.Join(" ", r.Violations)),
        Refused { Status: StatusCodes.Status422UnprocessableEntity } r => Problems.Unprocessable(r.Violations),
        Refused r => Problems.Conflict(r.Violations),
        _ => throw new InvalidOperationException($"No answer for {GetType().Name}."),
    };

    /// <summary>The answer of a route that records entries for an enrolled patient: 201 with <see cref="Recorded"/>.</summary>
    public IResult ToResult() => ToResult(a => Results.Created($"/api/patients/{a.PatientId}/history", new Recorded(a.PatientId, a.FirstVersion, a.Version)));
}
