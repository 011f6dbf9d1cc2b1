using Microsoft.AspNetCore.Mvc;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Request bodies are small JSON documents: one over 1 MB is refused with 413. A declared length is answered before
/// authentication or reading, with a problem body, on any server; Kestrel cuts off a chunked body at the same size.
/// </summary>
public static class RequestLimits
{
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>
    /// The admin's import page alone takes files up to 32 MB together: a study's ODM export with its audit records runs
    /// to about 45 KB a patient (the 226-patient demo study: 9.8 MB). The import verb reads files of any size.
    /// </summary>
    public const long ImportBodyBytes = 32 * 1024 * 1024;

    private static readonly System.Text.RegularExpressions.Regex ImportPage = new("^/admin/studies/[^/]+/import$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    private static long LimitOf(HttpContext context) => ImportPage.IsMatch(context.Request.Path.Value ?? "") ? ImportBodyBytes : MaxBodyBytes;

    public static void LimitRequestBodies(this WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxBodyBytes);

    public static void UseRequestBodyLimit(this WebApplication app) => app.Use(async (context, next) =>
    {
        var limit = LimitOf(context);
        if (limit != MaxBodyBytes && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit;
        if (context.Request.ContentLength > limit)
        {
            if (context.Request.HasFormContentType && !context.Request.Path.StartsWithSegments("/api"))
            {
                await TooLargeFormAsync(context, limit);
                return;
            }
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

    /// <summary>A page's form (a protocol file, an import) over the limit: a page saying so in words, with the way back to the form.</summary>
    private static Task TooLargeFormAsync(HttpContext context, long limit)
    {
        var form = System.Net.WebUtility.HtmlEncode(context.Request.Path + context.Request.QueryString);
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8" /><title>File too large · Trial Registry</title><link rel="stylesheet" href="/registry.css" /></head>
            <body><header class="bar"><a class="brand" href="/">Trial Registry</a></header>
            <main id="main"><h1>The file is too large</h1>
            <div class="error-summary" role="alert"><h2>Nothing was recorded</h2><p>What you sent is over {limit / 1024 / 1024} MB, the most this form takes.</p></div>
            <p><a href="{form}">Back to the form</a> to choose a smaller file.</p></main></body></html>
            """);
    }
}
