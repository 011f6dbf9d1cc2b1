using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Formatters;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Wolverine.Http;

namespace Registry.Api.Infrastructure;

/// <summary>
/// The API reference at <c>/scalar</c> and <c>/openapi/v1.json</c>. Each route names itself beside its code
/// (<c>[EndpointName]</c>, <c>[EndpointSummary]</c>, a <c>[Tags]</c> of <see cref="ApiTags"/> on its class, its
/// success type, <see cref="CreatesAttribute{T}"/> and <see cref="RefusesAttribute"/>); the transformers here add
/// what follows from what a route is — who may call it, the refusals every such route can answer, the bearer token.
/// </summary>
public static class ApiReference
{
    public const string BearerScheme = "Bearer";

    public static void AddRegistryApiReference(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer(DescribeDocumentAsync);
        options.AddOperationTransformer(DescribeOperationAsync);
    });

    public static void MapRegistryApiReference(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        // The page calls no hosted service beside clinical data: no telemetry, AI agent or web fonts.
        app.MapScalarApiReference(scalar => scalar
            .WithTitle("Trial Registry API")
            .AddPreferredSecuritySchemes(BearerScheme)
            .HideDeveloperTools()
            .DisableAgent()
            .DisableTelemetry()
            .DisableDefaultFonts()).AllowAnonymous();
    }

    private static async Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Trial Registry API",
            Version = "v1",
            Description = """
                The registry's HTTP API: studies and their protocols, patients and their follow-up entries, corrections,
                the investigator's views, figures and tables, and the audit trail. Dates are `YYYY-MM-DD` clinical dates;
                every refusal is an RFC 9457 problem, and nothing is recorded when a write is refused.

                **Authorize** with a bearer token: mint one with
                `dotnet run --project src/Registry.Api -- token --user alice --role coordinator --site S1` and paste it
                (without the word `Bearer`) into the token box. Writes take bearer tokens only. The registry's pages use
                the session cookie of `/signin` instead, which also reads the GET routes here from the same browser.
                """,
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A token of the `token` verb (the registry's key), or of the OpenID Connect provider the registry is configured to trust.",
        };
        // Paths in order, so a capability's routes read from the collection to its members.
        var paths = document.Paths.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        document.Paths.Clear();
        foreach (var (path, item) in paths) document.Paths[path] = item;
        document.Tags = new HashSet<OpenApiTag>(ApiTags.All.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        // Wolverine describes an IResult-returning route as answering IResult; every such answer is documented by type instead.
        document.Components.Schemas?.Remove(nameof(IResult));
        // A problem carries members beyond RFC 9457's (violations, traceId); the strict JSON options would forbid them.
        foreach (var id in new[] { nameof(ProblemDetails), nameof(HttpValidationProblemDetails) })
            if (document.Components.Schemas?.TryGetValue(id, out var schema) == true && schema is OpenApiSchema problem)
            {
                problem.AdditionalPropertiesAllowed = true;
                problem.AdditionalProperties = null;
                if (id != nameof(ProblemDetails)) continue;
                problem.Properties ??= new Dictionary<string, IOpenApiSchema>();
                problem.Properties["violations"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Items = new OpenApiSchema { Type = JsonSchemaType.String },
                    Description = "Each reason for a 403, 404, 409 or 422, in words.",
                };
            }
        await Task.CompletedTask;
    }

    private static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= new OpenApiResponses();
        var roles = Roles(metadata);

        DescribeWhoMayCall(operation, metadata, roles, context.Document);
        DropWolverineGuesses(operation.Responses);
        DescribeCreated(operation.Responses, metadata);
        await DescribeFormatsAsync(operation.Responses, metadata, context, ct);
        await DescribeRefusalsAsync(operation, metadata, roles, context, ct);

        var ordered = operation.Responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        operation.Responses.Clear();
        foreach (var (status, response) in ordered) operation.Responses[status] = response;
    }

    /// <summary>The roles a route admits; null when it needs no token.</summary>
    private static List<string>? Roles(IList<object> metadata)
    {
        var authorization = metadata.OfType<IAuthorizeData>().ToList();
        if (authorization.Count == 0 || metadata.OfType<IAllowAnonymous>().Any()) return null;
        return authorization.SelectMany(a => (a.Roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();
    }

    /// <summary>
    /// The route's own <c>[EndpointDescription]</c>, if any, and its roles; a secured route asks for the bearer token.
    /// (Wolverine otherwise describes each route by its generated name.)
    /// </summary>
    private static void DescribeWhoMayCall(OpenApiOperation operation, IList<object> metadata, List<string>? roles, OpenApiDocument? document)
    {
        var own = metadata.OfType<IEndpointDescriptionMetadata>().LastOrDefault() is { } d and not HttpChain ? d.Description : null;
        var who = roles is null ? "No token needed." : roles.Count > 0 ? $"Roles: {string.Join(", ", roles)}." : "Any signed-in user.";
        operation.Description = own is null ? who : $"{own}\n\n{who}";
        if (roles is not null)
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
    }

    /// <summary>Wolverine guesses 200 with IResult for a route answering IResult, and a bare 404 for every route; both are replaced.</summary>
    private static void DropWolverineGuesses(OpenApiResponses responses)
    {
        foreach (var (status, response) in responses.ToList())
            if (response.Content?.Values.Any(m => m.Schema is OpenApiSchemaReference { Reference.Id: nameof(IResult) }) == true
                || (status == "404" && response.Content is not { Count: > 0 }))
                responses.Remove(status);
    }

    private static void DescribeCreated(OpenApiResponses responses, IList<object> metadata)
    {
        if (!responses.TryGetValue("201", out var answer) || answer is not OpenApiResponse created
            || metadata.OfType<ICreatesMetadata>().FirstOrDefault() is not { } creates) return;
        created.Description = "Recorded.";
        created.Headers ??= new Dictionary<string, IOpenApiHeader>();
        created.Headers["Location"] = new OpenApiHeader
        {
            Description = $"Where what was recorded is read: `{creates.Location}`.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
        };
    }

    /// <summary>
    /// A route answering in several formats or shapes names each with its own <c>[ProducesResponseType]</c>: the first
    /// named the response, the others are added beside it (another media type) or as its alternatives (oneOf).
    /// </summary>
    private static async Task DescribeFormatsAsync(OpenApiResponses responses, IList<object> metadata, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var produced = metadata.OfType<ProducesResponseTypeAttribute>().ToList();
        foreach (var other in produced.GroupBy(p => p.StatusCode).SelectMany(g => g.Skip(1)))
            if (responses.TryGetValue(other.StatusCode.ToString(), out var answer) && answer is OpenApiResponse { Content: { } content } && other.Type is { } type)
                foreach (var media in ContentTypes(other))
                {
                    var schema = type == typeof(string) ? await context.GetOrCreateSchemaAsync(type, null, ct) : await ComponentAsync(type, context, ct);
                    content[media] = new OpenApiMediaType
                    {
                        Schema = content.TryGetValue(media, out var first) && first.Schema is { } named ? new OpenApiSchema { OneOf = [named, schema] } : schema,
                    };
                }
        // Bytes answered as a file (a PNG) are the file itself, not the base64 text a byte[] is in JSON.
        foreach (var file in produced.Where(p => p.Type == typeof(byte[])))
            if (responses.TryGetValue(file.StatusCode.ToString(), out var answer) && answer is OpenApiResponse { Content: { } content })
                foreach (var media in ContentTypes(file))
                    content[media] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
    }

    /// <summary>
    /// The refusals a route answers by what it is — reads a body or a query, needs a token, names a study or patient
    /// in its path, computes a view — and those its <see cref="RefusesAttribute"/>s add, each an RFC 9457 problem.
    /// </summary>
    private static async Task DescribeRefusalsAsync(OpenApiOperation operation, IList<object> metadata, List<string>? roles,
        OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var refusals = new Dictionary<int, string>();
        var body = operation.RequestBody is not null;
        if (body) refusals[400] = "The body is not valid: `errors` lists each field's messages by its JSON path; nothing was recorded.";
        else if (operation.Parameters?.Any(p => p.In == ParameterLocation.Query) == true)
            refusals[400] = "A query value is not valid: `errors` lists each parameter's messages by its name.";
        if (roles is not null)
        {
            refusals[401] = body
                ? "No bearer token (writes take no session cookie), or one that is expired, forged or not one the registry trusts."
                : "No bearer token or session cookie, or a token that is expired, forged or not one the registry trusts.";
            // Only a route that admits coordinators and not every role looks at the token's sites.
            refusals[403] = roles.Contains(Auth.Roles.Coordinator) && roles.Count < Auth.Roles.All.Length
                ? "The token's role may not call this route, or its sites do not cover the patient's."
                : "The token's role may not call this route.";
        }
        if (operation.Parameters?.Any(p => p.In == ParameterLocation.Path) == true) refusals[404] = "No study or patient has the id in the path.";
        if (body) refusals[413] = $"The body is over {RequestLimits.MaxBodyBytes / (1024 * 1024)} MB; nothing was recorded.";
        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
            refusals[429] = "Too many computed views for this user at once or this minute; `Retry-After` says when to try again.";
        foreach (var refusal in metadata.OfType<RefusesAttribute>()) refusals[refusal.Status] = refusal.When;

        var problem = await ComponentAsync(typeof(ProblemDetails), context, ct);
        var fieldProblem = await ComponentAsync(typeof(HttpValidationProblemDetails), context, ct);
        foreach (var (status, when) in refusals)
            operation.Responses![status.ToString()] = new OpenApiResponse
            {
                Description = when,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = status == 400 ? fieldProblem : problem } },
            };
    }

    private static IEnumerable<string> ContentTypes(ProducesResponseTypeAttribute produced)
    {
        var types = new MediaTypeCollection();
        ((IApiResponseMetadataProvider)produced).SetContentTypes(types);
        return types.Count > 0 ? types : ["application/json"];
    }

    /// <summary>A reference to <paramref name="type"/>'s schema among the document's components, added on first use.</summary>
    private static async Task<IOpenApiSchema> ComponentAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var id = type.Name;
        if (context.Document?.Components?.Schemas?.ContainsKey(id) != true)
            context.Document?.AddComponent(id, await context.GetOrCreateSchemaAsync(type, null, ct));
        return new OpenApiSchemaReference(id, context.Document);
    }
}

/// <summary>The capabilities the API reference groups its routes by, as the people using them think of them.</summary>
public static class ApiTags
{
    public const string Studies = "Studies";
    public const string Patients = "Patients";
    public const string PatientEntries = "Patient entries";
    public const string Corrections = "Corrections";
    public const string StudyViews = "Study views";
    public const string Plots = "Plots";
    public const string Audit = "Audit";
    public const string AnalysisDatasets = "Analysis datasets";
    public const string Exports = "Exports";

    public static readonly (string Name, string Description)[] All =
    [
        (Studies, "Register a study from its protocol, amend it, read it as it stood at any moment."),
        (Patients, "Enrol patients, find them again, read a patient's recorded history."),
        (PatientEntries, "Record a patient's follow-up: randomization, treatment, imaging, adverse events, progression, relapse, death, last contact, withdrawal."),
        (Corrections, "Correct or void a recorded entry, with a reason; the original stays in the history."),
        (StudyViews, "The investigator's results as the protocol defines them — survival, comparisons, subgroups, Tables 1–3, maturity — as JSON or CSV."),
        (Plots, "The study views drawn as figures: Kaplan–Meier, forest, maturity; SVG or PNG."),
        (AnalysisDatasets, "CDISC ADaM-shaped datasets (ADSL, ADTTE, ADRS, ADAE) as CSV or Dataset-JSON, with their definition, as of any moment and data cut."),
        (Exports, "A study's records as files for other systems: the import layout's CSV, to move a study into another registry, and a FHIR R4 Bundle."),
        (Audit, "Verify the hash chains and export the audit trail (JSON, CSV, CDISC ODM)."),
    ];
}

/// <summary>A route that records something: 201 with <typeparamref name="T"/>, and a Location header naming where it is read.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CreatesAttribute<T>(string location) : ProducesResponseTypeAttribute<T>(StatusCodes.Status201Created, "application/json"), ICreatesMetadata
{
    public string Location { get; } = location;
}

public interface ICreatesMetadata
{
    string Location { get; }
}

/// <summary>
/// A refusal particular to this route (409, 422, 406…), answered as an RFC 9457 problem, and when. The refusals every
/// route of its kind answers (400, 401, 403, 404, 413, 429) need no attribute: <see cref="ApiReference"/> adds them.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class RefusesAttribute(int status, string when) : Attribute
{
    public int Status { get; } = status;
    public string When { get; } = when;
}
