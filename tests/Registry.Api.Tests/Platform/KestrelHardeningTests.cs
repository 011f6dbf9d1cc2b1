using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Registry.Api.Auth;
using Registry.Api.Infrastructure;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Platform;

/// <summary>The registry on a real Kestrel server (whose limits the test server lacks), every log line kept in memory.</summary>
public sealed class KestrelRegistryApp : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"trial-registry-test-data-{Guid.NewGuid():N}");
    private WebApplicationFactory<Program> _factory = null!;

    public ConcurrentQueue<string> Logs { get; } = new();
    public HttpClient Client { get; private set; } = null!;
    public string ConnectionString { get; private set; } = null!;
    public TokenIssuer Tokens { get; } = new(RegistryApp.SigningKey);
    public IServiceProvider Services => _factory.Services;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestCluster.NewDatabaseAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            RegistryApp.UseTestSettings(builder, ConnectionString, _dataDirectory);
            builder.UseUrls("http://127.0.0.1:0");
            builder.ConfigureLogging(logging => logging
                .AddProvider(new CapturingLoggerProvider(Logs))
                .AddFilter<CapturingLoggerProvider>((_, _) => true));
        });
        _factory.UseKestrel();
        _factory.StartServer();
        // A plain client: the factory's redirect handler would buffer request bodies and so declare their length.
        using var factoryClient = _factory.CreateClient();
        Client = new HttpClient { BaseAddress = factoryClient.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    public async Task<long> EventCountAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {EventStoreConfiguration.Schema}.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}

public sealed class KestrelHardeningTests(KestrelRegistryApp app) : IClassFixture<KestrelRegistryApp>
{
    private static readonly byte[] Oversized = Encoding.UTF8.GetBytes(
        $$"""{"code":"BIG","title":"{{new string('x', 2 * 1024 * 1024)}}","arms":[{"code":"C","name":"Chemo"}]}""");

    [Fact]
    public async Task A_body_over_one_megabyte_is_refused_whether_its_length_is_declared_or_chunked_and_nothing_is_recorded()
    {
        var before = await app.EventCountAsync();

        var declared = await PostStudyAsync(new ByteArrayContent(Oversized));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);

        // Kestrel stops reading a chunked body at the limit and answers 413 itself; a client still sending may see the
        // connection close first.
        try
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostStudyAsync(new UnknownLengthContent(Oversized))).StatusCode);
        }
        catch (HttpRequestException) { }
        // Kestrel logs the refused connection when it closes, which on a loaded machine is after the client's answer.
        var logged = Stopwatch.StartNew();
        while (!app.Logs.Any(line => line.Contains("Request body too large")) && logged.Elapsed < TimeSpan.FromSeconds(15))
            await Task.Delay(50);
        Assert.Contains(app.Logs, line => line.Contains("Request body too large"));

        Assert.Equal(before, await app.EventCountAsync());
    }

    [Fact]
    public async Task The_signing_key_never_reaches_the_logs()
    {
        var valid = await PostStudyAsync(new StringContent(System.Text.Json.JsonSerializer.Serialize(Scenarios.Protocol("LOG-1"))));
        Assert.Equal(HttpStatusCode.Created, valid.StatusCode);
        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenIssuer.Issuer, Audience = TokenIssuer.Audience, Expires = DateTime.UtcNow.AddHours(1),
            Claims = new Dictionary<string, object> { ["sub"] = "eve", ["role"] = "admin" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(new byte[32]), SecurityAlgorithms.HmacSha256),
        });
        foreach (var token in new[] { forged, app.Tokens.Mint("eve", ["admin"], [], TimeSpan.FromSeconds(-60)), "not-a-token" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/studies") { Headers = { Authorization = new("Bearer", token) } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.SendAsync(request)).StatusCode);
        }

        Assert.Contains(app.Logs, line => line.Contains("Bearer was not authenticated"));
        var secrets = new[] { Convert.ToBase64String(RegistryApp.SigningKey), Convert.ToHexString(RegistryApp.SigningKey), Convert.ToHexStringLower(RegistryApp.SigningKey) };
        Assert.DoesNotContain(app.Logs, line => secrets.Any(line.Contains));
    }

    [Fact]
    public async Task Requests_run_inline_on_their_sockets_and_a_body_still_arriving_holds_up_no_other_caller()
    {
        // Without it each request is queued to the thread pool twice more (docs/performance.md, "Writes, eighteenth round").
        Assert.True(app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);

        var body = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(Scenarios.Protocol("SLOW-1")));
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = PostStudyAsync(new StalledContent(body, body.Length / 2, rest.Task));

        // The first caller's request waits for the rest of its body; another caller is answered meanwhile.
        using var other = new HttpRequestMessage(HttpMethod.Get, "/api/studies")
        {
            Headers = { Authorization = new("Bearer", app.Tokens.Mint("reader", [Roles.Admin], [], TimeSpan.FromHours(1))) },
        };
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(other).WaitAsync(TimeSpan.FromSeconds(60))).StatusCode);
        Assert.False(slow.IsCompleted);

        rest.SetResult();
        Assert.Equal(HttpStatusCode.Created, (await slow.WaitAsync(TimeSpan.FromSeconds(60))).StatusCode);
    }

    private async Task<HttpResponseMessage> PostStudyAsync(HttpContent content)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        // Expect: 100-continue lets a refusal before the body is read arrive before the client sends it.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/studies")
        {
            Content = content,
            Headers = { Authorization = new("Bearer", app.Tokens.Mint("admin-user", [Roles.Admin], [], TimeSpan.FromHours(1))), ExpectContinue = true },
        };
        return await app.Client.SendAsync(request);
    }

    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>A body sent in two parts: the second only once <paramref name="rest"/> completes.</summary>
    private sealed class StalledContent(byte[] bytes, int first, Task rest) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, first));
            await stream.FlushAsync();
            await rest;
            await stream.WriteAsync(bytes.AsMemory(first));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
