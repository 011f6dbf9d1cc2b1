using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;
using Registry.Api.Tests.Platform;

namespace Registry.Api.Tests.Access;

/// <summary>
/// A body the route cannot read is a 400 field problem in the user's words, keyed by the JSON path: what the field
/// takes (an enum's names, a number's range, a date's form), never a .NET type name; nothing is recorded.
/// </summary>
public sealed class UnreadableBodyTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly RouteRule[] WriteRules = AccessMatrixTests.Table.Where(r => r.Method == "POST").ToArray();
    private const string Kinds = "enrolled, randomized, treatmentStarted, imagingAssessed, adverseEventRecorded, diseaseProgressed, relapsed, died, lastKnownAlive, withdrewFromFollowUp";

    public static TheoryData<string> WriteRoutes() => new(WriteRules.Select(r => r.Route));

    private async Task<JsonElement> RefusedAsync(RouteRule rule, AccessFixture fixture, string body, int status = 400)
    {
        var result = await app.RefusedAsync(status, s =>
        {
            s.WithBearerToken(app.TokenFor(rule.Allowed[0])!);
            s.Post.Text(body).ToUrl(rule.UrlFor(fixture)).ContentType("application/json");
        });
        var text = await result.ReadAsTextAsync();
        foreach (var internals in new[] { "Registry.", "System.", "Exception", "   at " }) Assert.DoesNotContain(internals, text);
        return await result.ProblemAsync();
    }

    private static RouteRule Rule(string route) => WriteRules.Single(r => r.Route == route);

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task A_body_that_is_not_a_json_object_is_refused_as_the_body(string route)
    {
        var rule = Rule(route);
        var fixture = await AccessFixture.CreateAsync(app);

        foreach (var (body, says) in new[]
        {
            ("null", "must be a JSON object {…} with the entry's fields, not null"),
            ("", "The request body is empty"),
            ("  \n ", "The request body is empty"),
            ("[]", "not a list"),
            ("[{}]", "not a list"),
            ("5", "not a number"),
            ("\"entry\"", "not a string"),
            ("{\"a\":", "not valid JSON: it is cut off or malformed at line 1, character 6"),
            ("{}{}", "not valid JSON"),
            (new string('[', 40) + new string(']', 40), "nests objects or lists more than 32 levels deep"),
        })
        {
            var problem = await RefusedAsync(rule, fixture, body);
            Assert.Equal(["body"], problem.ErrorFields());
            Assert.Contains(says, problem.GetProperty("errors").GetProperty("body")[0].GetString());
        }
    }

    /// <summary>Every string slot of a body (values and members of objects and lists), by the path the problem names.</summary>
    private static IEnumerable<(string Path, JsonNode Parent, object Key)> Strings(JsonNode? node, string path = "")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o.ToList())
                {
                    var child = path.Length == 0 ? name : $"{path}.{name}";
                    if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String) yield return (child, o, name);
                    foreach (var inner in Strings(value, child)) yield return inner;
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String) yield return ($"{path}[{i}]", a, i);
                    foreach (var inner in Strings(a[i], $"{path}[{i}]")) yield return inner;
                }
                break;
        }
    }

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task A_control_character_in_any_string_of_any_write_is_refused_naming_its_field(string route)
    {
        var rule = Rule(route);
        var fixture = await AccessFixture.CreateAsync(app);
        var count = Strings(JsonSerializer.SerializeToNode(rule.Body!(fixture), Web)).Count();
        Assert.True(count > 0, $"{route}'s body has no string to test.");

        foreach (var (index, control) in Enumerable.Range(0, count).Select(i => (i, new[] { '\u0000', '\u0001', '\u001b', '\u007f' }[i % 4])))
        {
            var body = JsonSerializer.SerializeToNode(rule.Body!(fixture), Web)!;
            var (path, parent, key) = Strings(body).ElementAt(index);
            if (parent is JsonObject o) o[(string)key] = $"a{control}b";
            else parent.AsArray()[(int)key] = $"a{control}b";

            var problem = await RefusedAsync(rule, fixture, body.ToJsonString());
            Assert.Equal([path], problem.ErrorFields());
            Assert.Equal($"{path} must not contain control characters (such as \\u0000); tab and line breaks are allowed.",
                problem.GetProperty("errors").GetProperty(path)[0].GetString());
        }
    }

    [Fact]
    public async Task Tab_and_line_breaks_are_text_but_a_control_character_in_a_field_name_or_a_lone_surrogate_is_refused()
    {
        var fixture = await AccessFixture.CreateAsync(app);
        var withdrawal = Rule("POST /api/patients/{patientId}/withdrawals");

        var name = await RefusedAsync(withdrawal, fixture, """{"withdrewOn":"2020-08-01","reason":"Moved","ex\u0000tra":1}""");
        Assert.Equal(["ex\\u0000tra"], name.ErrorFields());
        var surrogate = await RefusedAsync(withdrawal, fixture, """{"withdrewOn":"2020-08-01","reason":"Moved \ud800"}""");
        Assert.Contains("unpaired surrogate", surrogate.GetProperty("errors").GetProperty("reason")[0].GetString());

        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Text("""{"withdrewOn":"2020-08-01","reason":"Moved abroad\tto Singapore;\r\nno further contact 🙁"}""")
                .ToUrl(withdrawal.UrlFor(fixture)).ContentType("application/json");
            s.StatusCodeShouldBe(201);
        });
    }

    public static TheoryData<string, string, string, string> Misfits() => new()
    {
        { "adverse-events", """{"term":"Fatigue","grade":"2","onsetOn":"2020-03-01","serious":false,"attribution":"Possible"}""", "grade", "grade must be a whole number." },
        { "adverse-events", """{"term":"Fatigue","grade":2.5,"onsetOn":"2020-03-01","serious":false,"attribution":"Possible"}""", "grade", "grade must be a whole number." },
        { "adverse-events", """{"term":"Fatigue","grade":2,"onsetOn":"2020-03-01","serious":false,"attribution":"Nope"}""", "attribution", "attribution must be one of Unrelated, Unlikely, Possible, Probable, Definite." },
        { "adverse-events", """{"term":"Fatigue","grade":2,"onsetOn":"2020-03-01","serious":false,"attribution":2}""", "attribution", "attribution must be one of Unrelated, Unlikely, Possible, Probable, Definite." },
        { "adverse-events", """{"term":"Fatigue","grade":2,"onsetOn":"2020-03-01","serious":"no","attribution":"Possible"}""", "serious", "serious must be true or false." },
        { "adverse-events", """{"term":42,"grade":2,"onsetOn":"2020-03-01","serious":false,"attribution":"Possible"}""", "term", "term must be text (a JSON string)." },
        { "imaging-assessments", """{"assessedOn":"2020-03-01","nonTargetStatus":"None","newLesions":false,"response":"XX"}""", "response", "response must be one of CR, PR, SD, PD, NE." },
        { "imaging-assessments", """{"assessedOn":"2020-03-01","targetLesionSumMm":"30","nonTargetStatus":"None","newLesions":false,"response":"SD"}""", "targetLesionSumMm", "targetLesionSumMm must be a number." },
        { "follow-ups", """{"lastKnownAliveOn":20200801}""", "lastKnownAliveOn", "lastKnownAliveOn must be a date written as text, \"yyyy-MM-dd\"." },
        { "follow-ups", """{"lastKnownAliveOn":"2020-08-01","expected_version":1}""", "expected_version", "'expected_version' is not a field of this request; send only the fields the route lists." },
        { "follow-ups", """{"lastKnownAliveOn":"2020-08-01","lastKnownAliveOn":"2020-08-02"}""", "lastKnownAliveOn", "lastKnownAliveOn is sent twice; send each field once." },
        { "follow-ups", """{"lastKnownAliveOn":"2020-08-01","LastKnownAliveOn":"2020-08-02"}""", "LastKnownAliveOn", "LastKnownAliveOn is sent twice; send each field once." },
        { "treatment-starts", """{"startedOn":"2020-02-01","line":99999999999}""", "line", "line must be a whole number from -2147483648 to 2147483647." },
        { "treatment-starts", """{"startedOn":"2020-02-01","agents":"cisplatin"}""", "agents", "agents must be a list [...]." },
        { "treatment-starts", """{"startedOn":"2020-02-01","agents":["cisplatin",7]}""", "agents[1]", "agents[1] must be text (a JSON string)." },
        { "relapses", """{"relapsedOn":"2020-07-01","type":"regional"}""", "type", "type must be one of Locoregional, Distant, Both." },
        { "voids", """{"entryVersion":99999999999999999999,"reason":"Duplicate"}""", "entryVersion", "entryVersion must be a whole number from -9223372036854775808 to 9223372036854775807." },
        { "corrections", """{"entryVersion":3,"reason":"Re-read","replacement":{}}""", "replacement.kind", $"kind is required: one of {Kinds}." },
        { "corrections", """{"entryVersion":3,"reason":"Re-read","replacement":{"progressedOn":"2020-06-15","basis":"Radiological"}}""", "replacement.kind", $"kind is required: one of {Kinds}." },
        { "corrections", """{"entryVersion":3,"reason":"Re-read","replacement":{"progressedOn":"2020-06-15","kind":"scan"}}""", "replacement.kind", $"kind 'scan' is not a kind of entry: one of {Kinds}." },
        { "corrections", """{"entryVersion":3,"reason":"Re-read","replacement":{"kind":5,"progressedOn":"2020-06-15"}}""", "replacement.kind", $"kind '5' is not a kind of entry: one of {Kinds}." },
        { "corrections", """{"entryVersion":3,"reason":"Re-read","replacement":{"kind":"diseaseProgressed","progressedOn":"2020-06-15","basis":"Scan"}}""", "replacement.basis", "replacement.basis must be one of Radiological, Clinical." },
        { "corrections", """{"entryVersion":3,"reason":"Re-read","replacement":{"kind":"diseaseProgressed","progressedOn":"2020-06-15","basis":"Clinical","grade":2}}""", "replacement.grade", "'grade' is not a field of replacement; send only the fields the route lists." },
    };

    [Theory]
    [MemberData(nameof(Misfits))]
    public async Task A_value_that_does_not_fit_its_field_is_refused_saying_what_the_field_takes(string route, string body, string field, string message)
    {
        var fixture = await AccessFixture.CreateAsync(app);
        var problem = await RefusedAsync(Rule($"POST /api/patients/{{patientId}}/{route}"), fixture, body);
        Assert.Equal([field], problem.ErrorFields());
        Assert.Equal(message, problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task A_protocol_field_deep_in_the_document_is_named_by_its_path()
    {
        var fixture = await AccessFixture.CreateAsync(app);
        var protocol = JsonSerializer.SerializeToNode(Scenarios.Protocol(), Web)!;
        protocol["arms"]![1]!["regimen"]![0]!["agents"] = "two";

        var problem = await RefusedAsync(Rule("POST /api/studies"), fixture, protocol.ToJsonString());
        Assert.Equal(["arms[1].regimen[0].agents"], problem.ErrorFields());
        Assert.Equal("arms[1].regimen[0].agents must be a whole number.", problem.GetProperty("errors").GetProperty("arms[1].regimen[0].agents")[0].GetString());
    }

    [Fact]
    public async Task A_number_too_large_to_be_finite_is_refused_wherever_it_is_sent()
    {
        var fixture = await AccessFixture.CreateAsync(app);
        var protocol = JsonSerializer.SerializeToNode(Scenarios.Protocol(), Web)!;
        protocol["variables"]![0]!["max"] = JsonNode.Parse("1e400");
        var study = await RefusedAsync(Rule("POST /api/studies"), fixture, protocol.ToJsonString());
        Assert.Equal(["variables[0].max"], study.ErrorFields());
        Assert.Equal("variables[0].max is too large a number.", study.GetProperty("errors").GetProperty("variables[0].max")[0].GetString());

        var enrolment = JsonSerializer.SerializeToNode(Rule("POST /api/studies/{studyId}/patients").Body!(fixture), Web)!;
        enrolment["baseline"]!["age"] = JsonNode.Parse("1e400");
        var patient = await RefusedAsync(Rule("POST /api/studies/{studyId}/patients"), fixture, enrolment.ToJsonString());
        Assert.Equal(["baseline.age"], patient.ErrorFields());
    }

    [Fact]
    public async Task A_body_in_another_format_is_refused_as_unsupported()
    {
        var fixture = await AccessFixture.CreateAsync(app);
        foreach (var type in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded" })
        {
            var result = await app.RefusedAsync(415, s =>
            {
                s.WithBearerToken(app.Coordinator);
                s.Post.Text("""{"lastKnownAliveOn":"2020-08-01"}""").ToUrl($"/api/patients/{fixture.PatientId}/follow-ups").ContentType(type);
            });
            await result.ProblemAsync();
        }
    }
}

/// <summary>A client's unreadable body is its mistake, not the server's: logged at Information with names only, never as an error with a stack trace.</summary>
public sealed class UnreadableBodyLoggingTests(KestrelRegistryApp app) : IClassFixture<KestrelRegistryApp>
{
    [Fact]
    public async Task Refused_bodies_are_logged_as_information_without_a_stack_trace()
    {
        var token = app.Tokens.Mint("admin-user", [Roles.Admin], [], TimeSpan.FromHours(1));
        foreach (var body in new[] { "null", "{\"code\":", """{"code":"A\u0000"}""", """{"code":"A","design":7}""", """{"code":"A","expected_version":1}""" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/studies")
            {
                Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
                Headers = { Authorization = new("Bearer", token) },
            };
            Assert.Equal(HttpStatusCode.BadRequest, (await app.Client.SendAsync(request)).StatusCode);
        }

        var refusals = app.Logs.Where(line => line.Contains("Refused the body of POST /api/studies")).ToList();
        Assert.Equal(5, refusals.Count);
        Assert.All(refusals, line => Assert.StartsWith("Information ", line));
        Assert.DoesNotContain(app.Logs, line => line.StartsWith("Error ") || line.StartsWith("Critical ") || line.Contains("   at "));
        Assert.DoesNotContain(app.Logs, line => line.Contains("A\u0000"));
    }
}
