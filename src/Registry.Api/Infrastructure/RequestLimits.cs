using Microsoft.AspNetCore.Mvc;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Request bodies are small JSON documents: one over 1 MB is refused with 413. A declared length is answered before
/// authentication or reading, with a problem body, on any server; Kestrel cuts off a chunked body at the same size.
/// </summary>
public static class RequestLimits
{
    public const long MaxBodyBytes = 1024 * 1024;

    public static void LimitRequestBodies(this WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);

    public static void UseRequestBodyLimit(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await Results.Problem(new ProblemDetails
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "The request body is too large; nothing was recorded.",
                Detail = $"Request bodies are limited to {MaxBodyBytes / 1024} KB.",
            }).ExecuteAsync(context);
            return;
        }
        await next(context);
    });
}
