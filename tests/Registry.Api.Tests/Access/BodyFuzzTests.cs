using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using FsCheck;
using FsCheck.Fluent;
using Registry.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registry.Api.Tests.Access;

/// <summary>
/// No request body, however malformed, reaches a server fault or shows the server's insides. Every write route of the
/// access matrix (a new route is fuzzed as soon as it has its row) is called by a caller it admits with its valid body
/// mangled one to three ways — fields dropped, nulled or of the wrong JSON type, control characters, lone surrogates,
/// very long text, unknown fields and enum values, numbers and dates out of range, a correction's <c>kind</c> missing or
/// wrong, duplicate fields, deep nesting, cut-off JSON, a body that is not an object, the wrong content type. Each
/// answer must be below 500, a refusal a problem+json without .NET type or exception names or a stack trace, and a
/// refusal must leave the event store as it was. (A mangled body that is still valid may be accepted.)
/// </summary>
public sealed class BodyFuzzTests(RegistryApp app, ITestOutputHelper output) : IClassFixture<RegistryApp>
{
    private const int Requests = 1200;

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly RouteRule[] WriteRules = AccessMatrixTests.Table.Where(r => r.Method == "POST").ToArray();
    private static readonly string[] Internals = ["Registry.", "System.", "Microsoft.", "Exception", "   at ", "Npgsql", "Marten"];

    private enum Kind
    {
        Drop, Null, Replace, ExtremeNumber, ControlCharacter, ControlCharacterInName, LoneSurrogate, LongText, UnknownField, UnknownEnumValue,
        Nest, CaseDuplicate, ReplacementKind, ReplacementOfAnotherRoute, Truncate, TopLevel, DuplicateText, ContentType,
    }

    /// <summary>One mangling: what, where (a slot of the body, by index modulo their count), and a choice or word.</summary>
    private sealed record Mutation(Kind Kind, int Where, int Choice, string Word)
    {
        public override string ToString() => $"{Kind}@{Where}/{Choice}/{Word}";
    }

    private sealed record Case(int Route, Mutation[] Mutations)
    {
        public override string ToString() => $"{WriteRules[Route].Route}: {string.Join(", ", Mutations.AsEnumerable())}";
    }

    // JSON values of every kind, and the numbers and dates just past what a field takes.
    private static readonly string[] Values =
    [
        "0", "-1", "1.5", "6", "-2147483649", "2147483648", "9223372036854775808", "99999999999999999999999999999999", "1e400", "-1e400",
        "true", "false", "\"\"", "\" \"", "\"x\"", "\"2020-13-45\"", "\"0001-01-01\"", "\"9999-12-31\"", "\"2020-02-30\"", "\"1900-01-01\"",
        "\"2020-06-01T00:00:00Z\"", "[]", "[null]", "[1,2]", "{}", "{\"kind\":\"died\"}", "\"00000000-0000-0000-0000-000000000000\"",
        "[\"a\",null]", "{\"missing\":\"notDone\"}", "{\"missing\":\"bogus\"}", "\"NaN\"", "\"Infinity\"", "\"CR\"", "\"Radiological\"",
    ];

    private static readonly string[] Extremes =
        ["1e400", "-1e400", "1e-400", "2147483648", "-2147483649", "9223372036854775808", "79228162514264337593543950336", "0.5", "-0", "1E2"];

    private static readonly string[] Kinds =
    [
        "enrolled", "randomized", "treatmentStarted", "imagingAssessed", "adverseEventRecorded", "diseaseProgressed", "relapsed", "died",
        "lastKnownAlive", "withdrewFromFollowUp",
    ];

    private static readonly string[] TopLevels = ["null", "[]", "5", "\"text\"", "true", "", "   ", "{", "}", "[{}]", "{}{}", "{\"a\":1}x", "\uFEFF{}"];
    private static readonly string?[] ContentTypes = ["text/plain", "application/xml", null, "application/json; charset=utf-16", "application/merge-patch+json", "multipart/form-data", "application/x-www-form-urlencoded"];

    private static Arbitrary<Case> Cases()
    {
        var letters = Gen.Elements("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_".ToCharArray());
        var word = Gen.Choose(1, 10).SelectMany(n => Gen.ArrayOf(letters, n)).Select(cs => new string(cs));
        var mutation = Gen.Zip(Gen.Zip(Gen.Elements(Enum.GetValues<Kind>()), Gen.Choose(0, 999)), Gen.Zip(Gen.Choose(0, 999), word))
            .Select(t => new Mutation(t.Item1.Item1, t.Item1.Item2, t.Item2.Item1, t.Item2.Item2));
        return Gen.Zip(Gen.Choose(0, WriteRules.Length - 1), Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(mutation, n)))
            .Select(t => new Case(t.Item1, t.Item2))
            .ToArbitrary();
    }

    /// <summary>Every place in a body a value sits: a member of an object or an item of a list.</summary>
    private sealed record Slot(JsonNode Parent, string? Name, int Index)
    {
        public JsonNode? Value
        {
            get => Parent is JsonObject o ? o[Name!] : Parent.AsArray()[Index];
            set { if (Parent is JsonObject o) o[Name!] = value; else Parent.AsArray()[Index] = value; }
        }

        public void Remove()
        {
            if (Parent is JsonObject o) o.Remove(Name!); else Parent.AsArray().RemoveAt(Index);
        }
    }

    private static List<Slot> Slots(JsonNode? node)
    {
        var slots = new List<Slot>();
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o.ToList()) { slots.Add(new Slot(o, name, 0)); slots.AddRange(Slots(value)); }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) { slots.Add(new Slot(a, null, i)); slots.AddRange(Slots(a[i])); }
                break;
        }
        return slots;
    }

    private static List<JsonObject> Objects(JsonNode? node) =>
        node is JsonObject o ? [o, .. Slots(o).Select(s => s.Value).OfType<JsonObject>()] : Slots(node).Select(s => s.Value).OfType<JsonObject>().ToList();

    private const string NestMarker = "nested-lists-";

    private static JsonNode Valid(RouteRule rule, AccessFixture fixture) => JsonSerializer.SerializeToNode(rule.Body!(fixture), Web)!;

    /// <summary>The request a case sends: its body text and content type.</summary>
    private static (string Body, string? ContentType) Build(Case c, AccessFixture fixture)
    {
        var body = Valid(WriteRules[c.Route], fixture);
        string? text = null;
        string? contentType = "application/json";
        foreach (var m in c.Mutations)
        {
            if (text is not null)
            {
                if (m.Kind == Kind.Truncate) text = text[..(m.Where % (text.Length + 1))];
                continue;
            }
            var slots = Slots(body);
            var slot = slots.Count == 0 ? null : slots[m.Where % slots.Count];
            var strings = slots.Where(s => s.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String).ToList();
            var aString = strings.Count == 0 ? null : strings[m.Where % strings.Count];
            var numbers = slots.Where(s => s.Value is JsonValue v && v.GetValueKind() == JsonValueKind.Number).ToList();
            switch (m.Kind)
            {
                case Kind.Drop: slot?.Remove(); break;
                case Kind.Null: if (slot is not null) slot.Value = null; break;
                case Kind.Replace: if (slot is not null) slot.Value = JsonNode.Parse(Values[m.Choice % Values.Length]); break;
                case Kind.ExtremeNumber:
                    if ((numbers.Count > 0 ? numbers[m.Where % numbers.Count] : slot) is { } at) at.Value = JsonNode.Parse(Extremes[m.Choice % Extremes.Length]);
                    break;
                case Kind.ControlCharacter:
                    if (aString is not null)
                    {
                        var s = aString.Value!.GetValue<string>();
                        aString.Value = s.Insert(m.Choice % (s.Length + 1), ((char)(m.Choice % 32)).ToString());
                    }
                    break;
                case Kind.ControlCharacterInName:
                    var target = Objects(body)[m.Where % Objects(body).Count];
                    target[$"{m.Word}{(char)(m.Choice % 32)}"] = 1;
                    break;
                case Kind.LoneSurrogate: if (aString is not null) aString.Value = aString.Value!.GetValue<string>() + '\uD800'; break;
                case Kind.LongText: if (aString is not null) aString.Value = new string('x', 1 + m.Choice * 300); break;
                case Kind.UnknownField: Objects(body)[m.Where % Objects(body).Count][m.Word] = m.Choice; break;
                case Kind.UnknownEnumValue: if (aString is not null) aString.Value = m.Word; break;
                case Kind.Nest:
                    // Deeper than a JsonNode may be: spliced into the text below.
                    if (slot is not null) slot.Value = $"{NestMarker}{20 + m.Choice % 50}";
                    break;
                case Kind.CaseDuplicate:
                    var withMembers = Objects(body).Where(o => o.Count > 0).ToList();
                    if (withMembers.Count > 0)
                    {
                        var o = withMembers[m.Where % withMembers.Count];
                        var (name, value) = o.First();
                        o[char.ToUpperInvariant(name[0]) + name[1..]] = value?.DeepClone();
                    }
                    break;
                case Kind.ReplacementKind:
                    var holder = body["replacement"] as JsonObject ?? body.AsObject();
                    switch (m.Choice % 5)
                    {
                        case 0: holder.Remove("kind"); break;
                        case 1: holder["kind"] = null; break;
                        case 2: holder["kind"] = m.Word; break;
                        case 3: holder["kind"] = m.Choice; break;
                        default: holder["kind"] = Kinds[m.Where % Kinds.Length]; break;
                    }
                    break;
                case Kind.ReplacementOfAnotherRoute:
                    var other = Valid(WriteRules[m.Where % WriteRules.Length], fixture).AsObject();
                    other["kind"] = Kinds[m.Choice % Kinds.Length];
                    if (body is JsonObject root) root["replacement"] = other;
                    break;
                case Kind.Truncate: text = body.ToJsonString()[..(m.Where % (body.ToJsonString().Length + 1))]; break;
                case Kind.TopLevel: text = TopLevels[m.Choice % TopLevels.Length]; break;
                case Kind.DuplicateText:
                    var json = body.ToJsonString();
                    var first = body.AsObject().FirstOrDefault();
                    text = first.Key is null ? json : "{" + JsonSerializer.Serialize(first.Key) + ":" + (first.Value?.ToJsonString() ?? "null") + "," + json[1..];
                    break;
                case Kind.ContentType: contentType = ContentTypes[m.Choice % ContentTypes.Length]; break;
            }
        }
        text ??= body.ToJsonString();
        foreach (var depth in Enumerable.Range(20, 50))
            text = text.Replace($"\"{NestMarker}{depth}\"", new string('[', depth) + new string(']', depth));
        return (text, contentType);
    }

    [Fact]
    public async Task No_malformed_body_on_any_write_route_is_a_server_fault_shows_internals_or_records_anything()
    {
        var fixture = await AccessFixture.CreateAsync(app);
        var perRoute = new ConcurrentDictionary<string, int>();
        var statuses = new ConcurrentDictionary<int, int>();
        var mark = await app.EventStoreMarkAsync();

        var property = Prop.ForAll(Cases(), c =>
        {
            var rule = WriteRules[c.Route];
            var (body, contentType) = Build(c, fixture);
            var result = app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.TokenFor(rule.Allowed[0])!);
                s.Post.ByteArray(Encoding.UTF8.GetBytes(body)).ToUrl(rule.UrlFor(fixture));
                s.ConfigureHttpContext(http => http.Request.ContentType = contentType);
                s.IgnoreStatusCode();
            }).GetAwaiter().GetResult();
            var status = result.Context.Response.StatusCode;
            var text = result.ReadAsTextAsync().GetAwaiter().GetResult();
            perRoute.AddOrUpdate(rule.Route, 1, (_, n) => n + 1);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            var sent = body.Length > 300 ? body[..300] + "…" : body;

            Assert.True(status < 500, $"{c}\n{sent}\nanswered {status}: {text}");
            var after = app.EventStoreMarkAsync().GetAwaiter().GetResult();
            if (status == 201)
            {
                mark = after;
                return;
            }
            Assert.True(after == mark, $"{c}\n{sent}\nwas refused with {status} but the event store moved from {mark} to {after}.");
            Assert.StartsWith("application/problem+json", result.Context.Response.ContentType ?? "(none)");
            Assert.True(Internals.FirstOrDefault(text.Contains) is null, $"{c}\n{sent}\nanswered {status} with internals: {text}");
        });
        // Off the test's synchronization context: FsCheck runs each case synchronously.
        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(Requests), property));

        foreach (var (route, count) in perRoute.OrderBy(p => p.Key)) output.WriteLine($"{count,5}  {route}");
        output.WriteLine("status: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} ×{s.Value}")));
        Assert.Equal(Requests, perRoute.Values.Sum());
        Assert.Equal(WriteRules.Length, perRoute.Count);
    }
}
