using Microsoft.AspNetCore.Authentication;
using Registry.Api.Auth;

namespace Registry.Api.Web;

public static class WebRoutes
{
    /// <summary>Ends the browser session; a form post with the antiforgery token, so another site cannot sign a user out.</summary>
    public static void MapSignOut(this WebApplication app) => app.MapPost("/signout", async (HttpContext context, IFormCollection _) =>
    {
        await context.SignOutAsync(SignInSchemes.Session);
        return Results.Redirect("/signin");
    }).AllowAnonymous().ExcludeFromDescription();
}
