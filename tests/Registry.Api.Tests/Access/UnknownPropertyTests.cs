using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using FsCheck;
using FsCheck.Fluent;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Access;

/// <summary>
/// A property the registry does not know is refused on every write, at any depth, never dropped: a misspelt
/// <c>"expected_version": 1</c> silently ignored would switch the stale-write check off, a misspelt
/// <c>primaryEndpont</c> would register a study without its primary endpoint. Every write route of the access
/// matrix is called by a caller it admits with a body it would accept but for the one unknown property.
/// </summary>
public sealed class UnknownPropertyTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly RouteRule[] WriteRules = AccessMatrixTests.Table.Where(r => r.Method == "POST").ToArray();

    public static TheoryData<string> WriteRoutes() => new(WriteRules.Select(r => r.Route));

    /// <summary>Every JSON object in a body, by the path that reaches it ("" for the body itself).</summary>
    private static List<string> ObjectPaths(JsonNode? node, string path = "")
    {
        var paths = new List<string>();
        switch (node)
        {
            case JsonObject o:
                paths.Add(path);
                foreach (var (name, value) in o) paths.AddRange(ObjectPaths(value, path.Length == 0 ? name : $"{path}.{name}"));
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) paths.AddRange(ObjectPaths(a[i], $"{path}[{i}]"));
                break;
        }
        return paths;
    }

    private static JsonObject At(JsonNode body, string path)
    {
        var node = body;
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.Split('[')[0];
            node = node[name]!;
            foreach (var index in part.Split('[').Skip(1)) node = node[int.Parse(index.TrimEnd(']'))]!;
        }
        return node.AsObject();
    }

    private static JsonNode Body(RouteRule rule, AccessFixture fixture) => JsonSerializer.SerializeToNode(rule.Body!(fixture), Web)!;

    /// <summary>Posts the body with <paramref name="name"/> added to the object at <paramref name="path"/>: must be 400, name it, and record nothing.</summary>
    private async Task<string> RefusedWithAsync(RouteRule rule, AccessFixture fixture, string path, string name, JsonNode? value)
    {
        var body = Body(rule, fixture);
        At(body, path)[name] = value;
        var result = await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.TokenFor(rule.Allowed[0])!);
            s.Post.Text(body.ToJsonString()).ToUrl(rule.UrlFor(fixture)).ContentType("application/json");
        });
        var text = await result.ReadAsTextAsync();
        Assert.True(text.Contains(name, StringComparison.Ordinal), $"{rule.Route} refused '{name}' at '{path}' without naming it: {text}");
        return text;
    }

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task A_snake_case_expected_version_anywhere_in_a_write_is_refused_by_name(string route)
    {
        var rule = WriteRules.Single(r => r.Route == route);
        var fixture = await AccessFixture.CreateAsync(app);

        foreach (var path in ObjectPaths(Body(rule, fixture)))
            await RefusedWithAsync(rule, fixture, path, "expected_version", 1);

        // The body itself is accepted: the one property was the only thing wrong.
        await app.Host.Scenario(s =>
        {
            s.WithBearerToken(app.TokenFor(rule.Allowed[0])!);
            s.Post.Text(Body(rule, fixture).ToJsonString()).ToUrl(rule.UrlFor(fixture)).ContentType("application/json");
            s.StatusCodeShouldBe(201);
        });
    }

    [Fact]
    public async Task A_misspelt_expected_version_on_a_follow_up_is_not_dropped_so_the_stale_write_check_stays_on()
    {
        var fixture = await AccessFixture.CreateAsync(app);
        // The patient is at version 3; a client that read version 1 and misspells the check must not write.
        var problem = await (await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Text("""{"lastKnownAliveOn":"2020-08-01","expected_version":1}""").ToUrl($"/api/patients/{fixture.PatientId}/follow-ups").ContentType("application/json");
        })).ProblemAsync();
        Assert.Contains("'expected_version'", problem.GetProperty("detail").GetString());

        var stale = await (await app.RefusedAsync(409, s =>
        {
            s.WithBearerToken(app.Coordinator);
            s.Post.Text("""{"lastKnownAliveOn":"2020-08-01","expectedVersion":1}""").ToUrl($"/api/patients/{fixture.PatientId}/follow-ups").ContentType("application/json");
        })).ProblemAsync();
        Assert.Contains("version 3, not the expected 1", stale.GetProperty("detail").GetString());
    }

    /// <summary>A write route, an object in its body, a property name no API type has (it has an underscore), and a value of any JSON kind.</summary>
    public sealed record UnknownProperty(int Route, int Object, string Name, string Value)
    {
        public override string ToString() => $"{WriteRules[Route % WriteRules.Length].Route}, object #{Object}: \"{Name}\": {Value}";
    }

    private static Arbitrary<UnknownProperty> UnknownProperties()
    {
        var letters = Gen.Elements("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".ToCharArray());
        var word = Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(letters, n)).Select(cs => new string(cs));
        var name = Gen.Zip(Gen.Zip(word, word), Gen.Choose(0, 99)).Select(t => t.Item2 % 2 == 0 ? $"{t.Item1.Item1}_{t.Item1.Item2}" : $"{t.Item1.Item1}_{t.Item2}");
        var value = Gen.OneOf(
            Gen.Choose(-1000, 1000).Select(n => n.ToString()),
            word.Select(w => JsonSerializer.Serialize(w)),
            Gen.Elements("true", "false", "null", "{}", "[]", "1.5e3", """{"nested":true}""", """[1,"two"]"""));
        return Gen.Zip(Gen.Zip(Gen.Choose(0, 999), Gen.Choose(0, 999)), Gen.Zip(name, value))
            .Select(t => new UnknownProperty(t.Item1.Item1, t.Item1.Item2, t.Item2.Item1, t.Item2.Item2))
            .ToArbitrary();
    }

    [Fact]
    public async Task Any_unknown_property_of_any_value_in_any_object_of_any_write_is_refused_by_name()
    {
        var fixture = await AccessFixture.CreateAsync(app);
        var property = Prop.ForAll(UnknownProperties(), p =>
        {
            var rule = WriteRules[p.Route % WriteRules.Length];
            var paths = ObjectPaths(Body(rule, fixture));
            // Every case is a refusal, so one fixture serves them all.
            RefusedWithAsync(rule, fixture, paths[p.Object % paths.Count], p.Name, JsonNode.Parse(p.Value)).GetAwaiter().GetResult();
        });
        // Off the test's synchronization context: FsCheck runs each case synchronously.
        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property));
    }
}
