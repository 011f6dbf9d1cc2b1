using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Registry.Api.Accounts;

namespace Registry.Api.Auth;

/// <summary>
/// Two ways in, one identity: programs send a bearer token; people sign in once and their browser carries a session
/// cookie. Both give the same subject, role and site claims, so every route and page checks and records one user.
/// </summary>
public static class SignInSchemes
{
    public const string Registry = "registry";
    public const string Session = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string CookieName = "registry.session";

    public static void AddRegistryAuthentication(this IServiceCollection services)
    {
        services.AddSingleton(sp => TokenIssuer.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        services.AddAuthentication(Registry)
            .AddPolicyScheme(Registry, "Bearer token or signed-in browser", options => options.ForwardDefaultSelector = Select)
            .AddJwtBearer()
            .AddCookie(Session, options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                // Browsers keep Secure cookies on http://localhost too; anywhere else the registry runs behind TLS.
                options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                options.LoginPath = "/signin";
                options.AccessDeniedPath = "/denied";
                // An API call answers 401/403; only a page sends the browser to the sign-in form.
                options.Events.OnRedirectToLogin = context => Answer(context.HttpContext, context.RedirectUri, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => Answer(context.HttpContext, context.RedirectUri, StatusCodes.Status403Forbidden);
                options.Events.OnValidatePrincipal = Sessions.ValidateAsync;
            });
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenIssuer>((options, issuer) =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = issuer.ValidationParameters();
                // The challenge says only that the token is invalid, never why (expired, unknown key): no hints to a forger.
                options.IncludeErrorDetails = false;
                options.Events = new JwtBearerEvents { OnTokenValidated = UsableTokens.RefuseUnusable };
            });
        services.AddAuthorization();
    }

    /// <summary>
    /// A request with a bearer token is a program's; so is any API write, which a session cookie never authorizes (a
    /// cross-site form could otherwise write as the signed-in user). Pages and API reads a page shows (figures,
    /// exports) use the session.
    /// </summary>
    private static string Select(HttpContext context)
    {
        var request = context.Request;
        if (request.Headers.Authorization.Count > 0) return JwtBearerDefaults.AuthenticationScheme;
        if (!request.Path.StartsWithSegments("/api")) return Session;
        var safe = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        return safe && request.Cookies.ContainsKey(CookieName) ? Session : JwtBearerDefaults.AuthenticationScheme;
    }

    private static Task Answer(HttpContext context, string redirectUri, int apiStatus)
    {
        if (context.Request.Path.StartsWithSegments("/api")) context.Response.StatusCode = apiStatus;
        else context.Response.Redirect(redirectUri);
        return Task.CompletedTask;
    }
}
