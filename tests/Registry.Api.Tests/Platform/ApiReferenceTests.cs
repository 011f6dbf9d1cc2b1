using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alba;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Access;
using Registry.Api.Tests.Infrastructure;
using Wolverine.Http;

namespace Registry.Api.Tests.Platform;

/// <summary>
/// The API reference (/openapi/v1.json, shown at /scalar) holds every /api operation to the same standard: named and
/// summarized in clinical words, grouped by capability, its success documented by type, its refusals as problems, and
/// the bearer token as the way in. The routes that answer 201 are those of <see cref="AccessMatrixTests.Table"/>,
/// which proves they do.
/// </summary>
public sealed class ApiReferenceTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private sealed record Operation(string Method, string Path, JsonElement Body)
    {
        public override string ToString() => $"{Method} {Path}";
        public JsonElement Responses => Body.GetProperty("responses");
        public string? Id => Body.TryGetProperty("operationId", out var id) ? id.GetString() : null;
    }

    private async Task<JsonElement> DocumentAsync() => await (await app.Host.Scenario(s => s.Get.Url("/openapi/v1.json"))).JsonAsync();

    private static List<Operation> ApiOperations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .Where(path => path.Name.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(path => path.Value.EnumerateObject().Select(op => new Operation(op.Name.ToUpperInvariant(), path.Name, op.Value)))
            .ToList();

    [Fact]
    public async Task Every_api_operation_is_named_summarized_and_grouped_in_clinical_words()
    {
        var document = await DocumentAsync();
        var operations = ApiOperations(document);
        var declaredTags = document.GetProperty("tags").EnumerateArray()
            .ToDictionary(t => t.GetProperty("name").GetString()!, t => t.TryGetProperty("description", out var d) ? d.GetString() : null);
        var routeClasses = typeof(ApiReference).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<WolverineHttpMethodAttribute>() is not null))
            .SelectMany(t => new[] { t.Name, t.FullName! })
            .ToHashSet();

        // The access matrix has a row for every mapped route, so every /api route is documented.
        Assert.Equal(AccessMatrixTests.Table.Select(r => r.Route).Where(r => r.Contains(" /api/")).Order(), operations.Select(o => o.ToString()).Order());
        foreach (var op in operations)
        {
            Assert.True(op.Id is { Length: > 0 }, $"{op} has no operationId.");
            Assert.Matches(new Regex("^[a-z][A-Za-z]+$"), op.Id);
            Assert.False(Regex.IsMatch(op.Id!, "^(GET|POST|PUT|DELETE)_"), $"{op}: operationId {op.Id} is Wolverine's generated name.");

            var summary = op.Body.TryGetProperty("summary", out var s) ? s.GetString() : null;
            Assert.True(summary is { Length: > 10 }, $"{op} has no summary.");
            Assert.NotEqual(op.Id, summary);
            Assert.DoesNotMatch("^(GET|POST|PUT|DELETE)_", summary!);

            var tags = op.Body.TryGetProperty("tags", out var t) ? t.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
            Assert.True(tags.Count > 0, $"{op} has no tag.");
            foreach (var tag in tags)
            {
                Assert.False(routeClasses.Contains(tag) || Regex.IsMatch(tag, @"(Endpoints?|Routes)$|\."), $"{op} is tagged with a C# class name, {tag}.");
                Assert.True(declaredTags.TryGetValue(tag, out var description) && !string.IsNullOrWhiteSpace(description),
                    $"{op}: tag '{tag}' is not declared with a description among the document's tags.");
            }
        }
        var duplicates = operations.GroupBy(o => o.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g)}").ToList();
        Assert.True(duplicates is [], $"operationIds used twice: {string.Join("; ", duplicates)}");
    }

    [Fact]
    public async Task Every_api_operation_documents_its_success_by_type_or_media_type()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.False(schemas.TryGetProperty("IResult", out _), "The document still describes IResult.");

        foreach (var op in ApiOperations(document))
        {
            var successes = op.Responses.EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            Assert.True(successes.Count > 0, $"{op} documents no 2xx answer.");
            foreach (var success in successes)
            {
                Assert.True(success.Value.TryGetProperty("content", out var content), $"{op} {success.Name} documents no content.");
                foreach (var media in content.EnumerateObject())
                    if (IsJson(media.Name))
                        Assert.True(media.Value.TryGetProperty("schema", out var schema) && IsTyped(schema, schemas),
                            $"{op} {success.Name} {media.Name} has no typed schema: {media.Value}");
            }
        }
    }

    [Fact]
    public async Task Every_route_that_records_documents_201_with_its_location()
    {
        var document = await DocumentAsync();
        foreach (var rule in AccessMatrixTests.Table.Where(r => r.Success == 201))
        {
            var op = document.GetProperty("paths").GetProperty(rule.Template).GetProperty(rule.Method.ToLowerInvariant());
            var responses = op.GetProperty("responses");
            Assert.True(responses.TryGetProperty("201", out var created), $"{rule.Route} answers 201 but does not document it.");
            Assert.True(created.GetProperty("content").GetProperty("application/json").TryGetProperty("schema", out _), $"{rule.Route}: 201 without its body.");
            Assert.True(created.TryGetProperty("headers", out var headers) && headers.TryGetProperty("Location", out _), $"{rule.Route}: 201 without Location.");
            Assert.False(responses.TryGetProperty("200", out _), $"{rule.Route} documents a 200 it never answers.");
        }
    }

    [Fact]
    public async Task Refusals_are_problems_and_the_common_ones_are_documented()
    {
        var document = await DocumentAsync();
        foreach (var op in ApiOperations(document))
        {
            var statuses = op.Responses.EnumerateObject().Select(r => r.Name).ToHashSet();
            foreach (var refusal in op.Responses.EnumerateObject().Where(r => r.Name.StartsWith('4')))
            {
                var schema = refusal.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString();
                Assert.Equal(refusal.Name == "400" ? "#/components/schemas/HttpValidationProblemDetails" : "#/components/schemas/ProblemDetails", schema);
                Assert.False(string.IsNullOrWhiteSpace(refusal.Value.GetProperty("description").GetString()), $"{op} {refusal.Name} says nothing.");
            }

            var secured = op.Body.TryGetProperty("security", out _);
            if (secured) Assert.True(statuses.IsSupersetOf(["401", "403"]), $"{op} needs a token but documents no 401/403.");
            if (op.Body.TryGetProperty("requestBody", out _)) Assert.True(statuses.IsSupersetOf(["400", "413"]), $"{op} reads a body but documents no 400/413.");
            if (op.Path.Contains('{')) Assert.True(statuses.Contains("404"), $"{op} names an id but documents no 404.");
        }
        var views = ApiOperations(document).Where(o => o.Path.StartsWith("/api/studies/{studyId}/survival", StringComparison.Ordinal)).ToList();
        Assert.All(views, v => Assert.True(v.Responses.TryGetProperty("429", out _), $"{v} is rate-limited but documents no 429."));
    }

    [Fact]
    public async Task The_bearer_token_is_the_documented_way_in_and_pages_use_the_session_cookie()
    {
        var document = await DocumentAsync();
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty(ApiReference.BearerScheme);
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        Assert.Equal("JWT", bearer.GetProperty("bearerFormat").GetString());
        Assert.Contains("session cookie", document.GetProperty("info").GetProperty("description").GetString());

        foreach (var op in ApiOperations(document))
        {
            var anonymous = AccessMatrixTests.Table.Single(r => r.Route == $"{op.Method} {op.Path}").Allowed.Contains(Caller.Anonymous);
            var requires = op.Body.TryGetProperty("security", out var security)
                && security.EnumerateArray().Any(r => r.TryGetProperty(ApiReference.BearerScheme, out _));
            Assert.True(requires != anonymous, $"{op}: anonymous access is {anonymous} but the bearer requirement is {requires}.");
        }
    }

    [Fact]
    public async Task The_reference_page_calls_no_hosted_service()
    {
        var page = await (await app.Host.Scenario(s => s.Get.Url("/scalar/v1"))).ReadAsTextAsync();
        Assert.Contains("\"telemetry\":false", page);
        Assert.Contains("\"agent\":{\"disabled\":true}", page);
        Assert.Contains("\"withDefaultFonts\":false", page);
        Assert.Contains("\"preferredSecurityScheme\":[\"Bearer\"]", page);
    }

    /// <summary>
    /// Each JSON read answers what its schema says: every member it sends is a documented property and every required
    /// property is sent (the audit trail's hand-written JSON included).
    /// </summary>
    [Fact]
    public async Task Documented_json_answers_are_what_the_routes_answer()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var fixture = await AccessFixture.CreateAsync(app);
        var checkedRoutes = 0;

        foreach (var rule in AccessMatrixTests.Table.Where(r => r.Method == "GET" && r.Template.StartsWith("/api/", StringComparison.Ordinal)))
        {
            var success = document.GetProperty("paths").GetProperty(rule.Template).GetProperty("get").GetProperty("responses").GetProperty("200");
            if (!success.GetProperty("content").TryGetProperty("application/json", out var json)) continue;
            var caller = rule.Allowed.First(c => c != Caller.Anonymous);
            var answer = await (await app.Host.Scenario(s =>
            {
                if (app.TokenFor(caller) is { } token) s.WithBearerToken(token);
                s.Get.Url(rule.UrlFor(fixture));
            })).JsonAsync();

            var alternatives = Alternatives(json.GetProperty("schema"), schemas).ToList();
            if (answer.ValueKind == JsonValueKind.Array)
            {
                Assert.True(answer.GetArrayLength() > 0, $"{rule.Route} answered an empty list; nothing to check.");
                alternatives = alternatives.Select(a => Resolve(a.GetProperty("items"), schemas)).ToList();
                answer = answer[0];
            }
            var sent = answer.EnumerateObject().Select(p => p.Name).ToHashSet();
            Assert.True(alternatives.Any(schema => Fits(sent, schema)),
                $"{rule.Route} answered {{{string.Join(", ", sent)}}}, which no documented schema describes.");
            checkedRoutes++;
        }
        Assert.True(checkedRoutes >= 15, $"Only {checkedRoutes} JSON reads checked.");
    }

    private static bool Fits(HashSet<string> sent, JsonElement schema)
    {
        // A document in a format of its own (CDISC Dataset-JSON, a define file) is documented as an object.
        if (!schema.TryGetProperty("properties", out _)) return schema.GetProperty("type").GetString() == "object";
        var properties = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        var required = schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!) : [];
        return sent.IsSubsetOf(properties) && required.All(sent.Contains);
    }

    private static IEnumerable<JsonElement> Alternatives(JsonElement schema, JsonElement schemas) =>
        schema.TryGetProperty("oneOf", out var oneOf) ? oneOf.EnumerateArray().Select(s => Resolve(s, schemas)) : [Resolve(schema, schemas)];

    private static JsonElement Resolve(JsonElement schema, JsonElement schemas) =>
        schema.TryGetProperty("$ref", out var reference) ? schemas.GetProperty(reference.GetString()!.Split('/')[^1]) : schema;

    private static bool IsJson(string media) => media == "application/json" || media.EndsWith("+json", StringComparison.Ordinal);

    /// <summary>A schema that says something: a known component, a type, items or alternatives — not <c>{}</c>.</summary>
    private static bool IsTyped(JsonElement schema, JsonElement schemas)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            return name != "IResult" && schemas.TryGetProperty(name, out var target) && target.EnumerateObject().Any();
        }
        return schema.TryGetProperty("type", out _) || schema.TryGetProperty("oneOf", out _);
    }
}
