using Registry.Api.Infrastructure;

namespace Registry.Api.Studies;

/// <summary>
/// What became of a study's registration or amendment, whoever asked: a route answers it as HTTP (<see cref="ToResult"/>),
/// the admin's pages show it beside their form. Both ask the same function for it.
/// </summary>
public abstract record ProtocolOutcome
{
    private ProtocolOutcome() { }

    /// <summary>Recorded: the study and the protocol version it is now at.</summary>
    public sealed record Recorded(Guid StudyId, int Version) : ProtocolOutcome;

    /// <summary>400: the protocol's errors by JSON path (<c>arms[0].code</c>; <c>protocol.arms[0].code</c> in an amendment's body).</summary>
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : ProtocolOutcome;

    /// <summary>404 (no such study) or 409 (a code already taken, a stale version, a change an amendment may not make), in words.</summary>
    public sealed record Refused(int Status, IReadOnlyList<string> Violations) : ProtocolOutcome;

    public static Refused NotFound(string detail) => new(StatusCodes.Status404NotFound, [detail]);
    public static Refused Conflict(IReadOnlyList<string> violations) => new(StatusCodes.Status409Conflict, violations);

    public IResult ToResult(Func<Recorded, IResult> created) => this switch
    {
        Recorded recorded => created(recorded),
        Invalid invalid => RequestValidation.Problem(invalid.Errors.ToDictionary(e => e.Key, e => e.Value)),
        Refused { Status: StatusCodes.Status404NotFound } r => Problems.NotFound(string.Join(" ", r.Violations)),
        Refused r => Problems.Conflict(r.Violations),
        _ => throw new InvalidOperationException($"No answer for {GetType().Name}."),
    };
}
