using System.Text.Json;
using Alba;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Access;

/// <summary>
/// Every write route of the access matrix, called by a caller it admits, refuses bad input — unreadable JSON, a body
/// without its fields, an oversized body, a patient or study that does not exist — and leaves the event store as it was.
/// </summary>
public sealed class BadInputTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    public static TheoryData<string> WriteRoutes() => new(AccessMatrixTests.Table.Where(r => r.Method == "POST").Select(r => r.Route));

    [Theory]
    [MemberData(nameof(WriteRoutes))]
    public async Task Bad_input_is_refused_and_nothing_is_recorded(string route)
    {
        var rule = AccessMatrixTests.Table.Single(r => r.Route == route);
        var fixture = await AccessFixture.CreateAsync(app);
        var token = app.TokenFor(rule.Allowed[0])!;
        var url = rule.UrlFor(fixture);
        var body = JsonSerializer.Serialize(rule.Body!(fixture), new JsonSerializerOptions(JsonSerializerDefaults.Web));

        await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(token);
            s.Post.Text(body[..(body.Length / 2)]).ToUrl(url).ContentType("application/json");
        });
        await app.RefusedAsync(400, s =>
        {
            s.WithBearerToken(token);
            s.Post.Json(new { }).ToUrl(url);
        });
        await app.RefusedAsync(413, s =>
        {
            s.WithBearerToken(token);
            s.Post.Text(new string(' ', 1024 * 1024) + body).ToUrl(url).ContentType("application/json");
        });

        var unknown = rule.UrlFor(fixture.Unknown());
        if (unknown == url) return;
        var before = await app.EventStoreMarkAsync();
        var result = await app.Host.Scenario(s =>
        {
            s.WithBearerToken(token);
            s.Post.Text(body).ToUrl(unknown).ContentType("application/json");
            s.IgnoreStatusCode();
        });
        Assert.Contains(result.Context.Response.StatusCode, new[] { 404, 422 });
        Assert.Equal(before, await app.EventStoreMarkAsync());
    }
}
