using Microsoft.AspNetCore.Components.Endpoints;
using Registry.Api.Accounts;

namespace Registry.Api.Web.Account;

/// <summary>
/// A user whose password an admin set (or the first admin, with the one-time password) must choose their own before
/// anything else: every page sends them to <c>/account/password</c>, and the API refuses their session (403).
/// </summary>
public static class PasswordChangeFirst
{
    public const string Path = "/account/password";

    public static void UsePasswordChangeFirst(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (!context.User.HasClaim(Sessions.MustChangePasswordClaim, "true")
            || context.Request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase)
            || context.Request.Path.Equals("/signout", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }
        if (context.Request.Path.StartsWithSegments("/api"))
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Choose your own password first (at /account/password).").ExecuteAsync(context);
        else if (context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null)
            context.Response.Redirect(Path);
        else
            await next(context);
    });
}
