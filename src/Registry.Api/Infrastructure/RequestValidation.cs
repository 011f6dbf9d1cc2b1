using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Runs a request's FluentValidation validator and turns failures into one RFC 9457 problem listing every field,
/// keyed by the JSON path the client sent. (The Wolverine FluentValidation bridge is not on our package mirror.)
/// </summary>
public static class RequestValidation
{
    // Messages name fields as the client wrote them (camelCase JSON), not as C# properties.
    static RequestValidation() =>
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => member is null ? null : char.ToLowerInvariant(member.Name[0]) + member.Name[1..];

    public static ProblemDetails Check<T>(T request, IValidator<T> validator) => Check(validator.Validate(request));

    public static ProblemDetails Check(ValidationResult result) => result.IsValid ? WolverineContinue.NoProblems : Details(Errors(result));

    /// <summary>The failures by the JSON path of their field, as a route's problem and a page's field errors show them.</summary>
    public static Dictionary<string, string[]> Errors(ValidationResult result) => result.Errors
        .GroupBy(e => JsonPath(e.PropertyName))
        .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray());

    public static ProblemDetails Check(Dictionary<string, List<string>> errors) =>
        errors.Count == 0 ? WolverineContinue.NoProblems : Details(errors.ToDictionary(p => p.Key, p => p.Value.ToArray()));

    /// <summary>The same 400 problem for field errors found after the request was read (against the study's protocol).</summary>
    public static IResult Problem(Dictionary<string, string[]> errors) => Results.Problem(Details(errors));

    /// <summary>The 400 for a body that cannot be read as the route's request; its detail repeats every message in one line.</summary>
    public static IResult UnreadableBody(Dictionary<string, string[]> errors)
    {
        var details = Details(errors);
        details.Detail = string.Join(" ", errors.Values.SelectMany(m => m));
        return Results.Problem(details);
    }

    /// <summary>A 400 for a read whose query values are not valid.</summary>
    public static IResult QueryProblem(Dictionary<string, string[]> errors) => Results.Problem(Details(errors, "The query is not valid."));

    private static ValidationProblemDetails Details(Dictionary<string, string[]> errors, string title = "The request is not valid; nothing was recorded.") => new(errors)
    {
        Status = StatusCodes.Status400BadRequest,
        Title = title,
        Type = "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
    };

    private static string JsonPath(string propertyName) => string.Join('.',
        propertyName.Split('.').Select(part => part.Length == 0 ? part : char.ToLowerInvariant(part[0]) + part[1..]));
}

/// <summary>Problem responses for rule violations; nothing is appended when one is returned.</summary>
public static class Problems
{
    public static IResult Conflict(IEnumerable<string> violations) => Result(StatusCodes.Status409Conflict,
        "The entry conflicts with what is already recorded; nothing was recorded.", violations);

    public static IResult Unprocessable(string detail) => Unprocessable([detail]);

    public static IResult Unprocessable(IEnumerable<string> details) => Result(StatusCodes.Status422UnprocessableEntity,
        "The entry refers to something the study does not have, or does not meet its criteria; nothing was recorded.", details);

    public static IResult Forbidden(string detail) => Result(StatusCodes.Status403Forbidden,
        "You may not act on this record.", [detail]);

    public static IResult NotAcceptable(string detail) => Result(StatusCodes.Status406NotAcceptable,
        "The registry cannot answer in the requested format.", [detail]);

    public static IResult NotFound(string detail) => Result(StatusCodes.Status404NotFound, "Not found.", [detail]);

    private static IResult Result(int status, string title, IEnumerable<string> violations)
    {
        var list = violations.ToArray();
        return Results.Problem(new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = string.Join(" ", list),
            Extensions = { ["violations"] = list }
        });
    }
}
