using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Registry.Api.Auth;

namespace Registry.Api.Infrastructure;

/// <summary>
/// How much computing one caller may ask of the views (Kaplan–Meier, Cox, tables, plots, exports) at once and per
/// minute. The machine has few cores: without a limit one caller's loop of plots occupies them all. Set under
/// <c>Registry:RateLimits</c>; the defaults suit an investigator at a dashboard.
/// </summary>
public sealed class RateLimitSettings
{
    /// <summary>Requests of one caller computed at the same time.</summary>
    public int ConcurrentRequests { get; set; } = 2;

    /// <summary>Requests of one caller waiting for one of those; beyond them, 429.</summary>
    public int QueuedRequests { get; set; } = 10;

    /// <summary>Requests one caller may make in a burst (the token bucket's size).</summary>
    public int Burst { get; set; } = 300;

    /// <summary>Requests one caller may make per minute, sustained (the bucket's refill).</summary>
    public int PerMinute { get; set; } = 300;
}

public static class RateLimits
{
    /// <summary>The policy the expensive routes name with <c>[EnableRateLimiting(RateLimits.Views)]</c>.</summary>
    public const string Views = "views";

    public static void AddRegistryRateLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitSettings>().BindConfiguration("Registry:RateLimits");
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(Views, context =>
            {
                var settings = context.RequestServices.GetRequiredService<IOptions<RateLimitSettings>>().Value;
                // Each authenticated user has their own limits; the routes are not reached without a token.
                var caller = context.User.FindFirst(RegistryClaims.Subject)?.Value ?? "";
                return RateLimitPartition.Get(caller, _ => RateLimiter.CreateChained(
                    new ConcurrencyLimiter(new ConcurrencyLimiterOptions
                    {
                        PermitLimit = settings.ConcurrentRequests,
                        QueueLimit = settings.QueuedRequests,
                        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    }),
                    new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = settings.Burst,
                        TokensPerPeriod = Math.Max(1, settings.PerMinute / 60),
                        ReplenishmentPeriod = TimeSpan.FromSeconds(settings.PerMinute >= 60 ? 1 : 60.0 / Math.Max(1, settings.PerMinute)),
                        QueueLimit = 0,
                    })));
            });
            options.OnRejected = (rejected, ct) =>
            {
                var settings = rejected.HttpContext.RequestServices.GetRequiredService<IOptions<RateLimitSettings>>().Value;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return new ValueTask(Results.Problem(new ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests for study views; try again shortly.",
                    Detail = $"Each user may have {settings.ConcurrentRequests} views computed at once ({settings.QueuedRequests} more waiting) " +
                             $"and {settings.PerMinute} per minute (bursts of {settings.Burst}). Retry after {seconds} s.",
                }).ExecuteAsync(rejected.HttpContext));
            };
        });
    }
}
