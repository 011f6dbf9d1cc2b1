using System.Text.Json;
using System.Text.Json.Serialization;
using JasperFx;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Registry.Api.Accounts;
using Registry.Api.Auth;
using Registry.Api.Health;
using Registry.Api.StudyViews;
using Registry.Api.Web;
using Registry.Api.Web.Account;
using Registry.Projections.StudyViews;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

namespace Registry.Api.Infrastructure;

/// <summary>The registry's composition, read top to bottom as a table of contents.</summary>
public static class RegistryHost
{
    public static void AddRegistry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.LimitRequestBodies();
        // A request is read and its answer sent on the pool thread its socket's completion already runs on, instead of
        // being queued to the pool twice more (Kestrel's IO queue, then the application's): on Linux the socket engine
        // hands every completion to the pool, so no request runs on its epoll thread (docs/performance.md, "Writes, eighteenth round").
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.AddRegistryRateLimits();

        services.AddSingleton(sp => RegistryDatabase
            .OpenAsync(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Registry.Database").Log)
            .GetAwaiter().GetResult());

        // One node runs the async projections itself; several nodes sharing a database let Wolverine elect a leader
        // and spread projections across them (Marten's HotCold lock is unusable with the bridged DistributedLock).
        var distributed = string.Equals(builder.Configuration["Registry:Projections:Distribution"], "wolverine", StringComparison.OrdinalIgnoreCase);
        var marten = services.AddMarten(sp => EventStoreConfiguration.Build(sp.GetRequiredService<RegistryDatabase>().ConnectionString))
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            .IntegrateWithWolverine(integration => integration.UseWolverineManagedEventSubscriptionDistribution = distributed);
        if (!distributed) marten.AddAsyncDaemon(DaemonMode.Solo);
        // After an outage: restart the embedded server if it died, renew pooled connections, resume projecting.
        services.AddHostedService<DatabaseRecovery>();
        // Once the projections have caught up after start, the studies' view sets are read ahead of their first request.
        services.AddSingleton(new StudyViewsWarmUp(WarmingStudyViews.WarmsOnStart(builder.Configuration)));
        services.AddHostedService<WarmingStudyViews>();
        // Maturity's first answer per question reads every chart: the dashboard waits for it only so long.
        services.AddSingleton(sp => new MaturityRuns(sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<IHostApplicationLifetime>(),
            MaturityRuns.WaitFrom(builder.Configuration)));

        builder.Host.UseWolverine(options =>
        {
            options.ApplicationAssembly = typeof(RegistryHost).Assembly;
            options.CodeGeneration.TypeLoadMode = GeneratedCode.Mode(builder.Configuration, builder.Environment);
            options.Durability.Mode = distributed ? DurabilityMode.Balanced : DurabilityMode.Solo;
            // A node that dies without a goodbye is noticed after two missed 3-second health checks past a 9-second
            // staleness, so its projections move to a live node well within 30 s (Wolverine's defaults took ≈ 75 s).
            options.Durability.HealthCheckPollingTime = TimeSpan.FromSeconds(3);
            options.Durability.StaleNodeTimeout = TimeSpan.FromSeconds(9);
            options.Durability.CheckAssignmentPeriod = TimeSpan.FromSeconds(5);
        });
        services.AddWolverineHttp();

        services.AddRegistryAuthentication(builder.Configuration);
        services.AddSingleton(sp => new UserDirectory(sp.GetRequiredService<IDocumentStore>(), LockoutPolicy.From(builder.Configuration), TimeProvider.System));
        services.AddRazorComponents();
        // Run from build output (dotnet run, the tests) in any environment, the stylesheet and its compressed copies
        // come from the build's manifest; without this a browser got an empty stylesheet outside Development.
        builder.WebHost.UseStaticWebAssets();
        services.AddCascadingAuthenticationState();

        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.AddRegistryApiReference();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("event-store");
    }

    public static void UseRegistry(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestBodyLimit();
        app.UseAuthentication();
        app.UsePasswordChangeFirst();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseDeclaredQueryParameters();
        app.UseRateLimiter();
        app.UseRequestBodyChecks();

        // The study views' kept sets are bounded by bytes (StudyScopes.MaximumBytesKept); a node may be given another budget.
        if (app.Configuration.GetValue<int?>("Registry:Views:KeptMegabytes") is { } kept)
            StudyScopes.Of(app.Services.GetRequiredService<IDocumentStore>()).MaximumBytesKept = (long)kept << 20;

        app.MapRegistryApiReference();
        // Liveness (/health: the database) apart from readiness (/health/ready: that too, and the study views warmed), so
        // a balancer can hold traffic off a starting node without an orchestrator restarting it as dead.
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync }).AllowAnonymous();
        app.MapGet("/health/ready", ReadyAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapStaticAssets();
        app.MapRazorComponents<App>();
        app.MapSignOut();
        app.MapWolverineEndpoints(options =>
        {
            options.RequireAuthorizeOnAll();
            // A query value that does not parse (consistent=maybe) is a 400, not silently the default.
            options.RejectUnparseableQueryValues = true;
        });

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
                Console.WriteLine(ServingLine(address));
        });
    }

    private const string ServingOn = "Trial Registry is serving on ";

    /// <summary>The line the registry prints for each address it listens on, once it serves (run with port 0, it names the port chosen).</summary>
    public static string ServingLine(string address) => $"{ServingOn}{address} (API reference: {address}/scalar, health: {address}/health)";

    /// <summary>The address a <see cref="ServingLine"/> names; null for any other line of the registry's output.</summary>
    public static Uri? ServedAddress(string line) =>
        line.StartsWith(ServingOn, StringComparison.Ordinal) ? new Uri(line[ServingOn.Length..].Split(' ')[0]) : null;

    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        // Enums by name only: a number would read as a value no enum declares.
        options.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowOutOfOrderMetadataProperties = true;
        // A misspelt property (expected_version) must be refused, never dropped: it could switch a check off.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    }

    /// <summary>
    /// "Healthy" alone; otherwise the status and why (a degraded registry names the studies whose patients the outcome
    /// projection set aside), so a probe or an operator reading /health sees what to look at. Never an exception.
    /// </summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var reasons = report.Entries.Values.Where(e => e.Status != HealthStatus.Healthy && !string.IsNullOrEmpty(e.Description)).Select(e => e.Description);
        return context.Response.WriteAsync(report.Status == HealthStatus.Healthy ? "Healthy" : $"{report.Status}: {string.Join(" ", reasons)}".TrimEnd(' ', ':'));
    }

    /// <summary>
    /// 503 saying what the warm-up waits for until the study views are warmed, then what <c>/health</c> answers. Not a
    /// health check of its own: the health service logs every unhealthy check as an error, and a start is not one.
    /// </summary>
    private static async Task ReadyAsync(HttpContext context, StudyViewsWarmUp warmUp, HealthCheckService health)
    {
        context.Response.Headers.CacheControl = "no-store, no-cache";
        if (warmUp.Pending is { } pending)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"Unhealthy: warming the study views: {pending}.");
            return;
        }
        var report = await health.CheckHealthAsync(context.RequestAborted);
        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        await WriteHealthAsync(context, report);
    }

    private static void Log(this ILogger logger, string message) => logger.LogInformation("{Message}", message);
}
