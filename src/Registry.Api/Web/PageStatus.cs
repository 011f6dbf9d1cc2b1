namespace Registry.Api.Web;

/// <summary>
/// A page's answer status (404 for an unknown patient, 409 for a stale form). Set while the page renders, a 404 makes
/// the component endpoint write no page and leave the answer to the status-code pages, which send a bare problem; so
/// the status is set as the response starts, after the page is written, and the latest one set wins.
/// </summary>
public static class PageStatus
{
    private static readonly object Key = new();

    public static void Set(HttpContext context, int status)
    {
        if (!context.Items.ContainsKey(Key))
            context.Response.OnStarting(() =>
            {
                context.Response.StatusCode = (int)context.Items[Key]!;
                return Task.CompletedTask;
            });
        context.Items[Key] = status;
    }
}
