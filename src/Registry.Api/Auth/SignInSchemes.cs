using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Registry.Api.Accounts;

namespace Registry.Api.Auth;

/// <summary>
/// Two ways in, one identity: programs send a bearer token (the registry's own, or an external OpenID Connect
/// provider's); people sign in once and their browser carries a session cookie. All give the same subject, role and
/// site claims, so every route and page checks and records one user.
/// </summary>
public static class SignInSchemes
{
    public const string Registry = "registry";
    public const string Session = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string CookieName = "registry.session";
    /// <summary>Bearer tokens of the external OpenID Connect provider, when <c>Auth:Oidc</c> names one.</summary>
    public const string Provider = "oidc";

    public static void AddRegistryAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => TokenIssuer.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        var provider = ProviderTokens.From(configuration);
        var authentication = services.AddAuthentication(Registry)
            .AddPolicyScheme(Registry, "Bearer token or signed-in browser", options => options.ForwardDefaultSelector = context => Select(context, provider))
            .AddJwtBearer();
        if (provider is not null) authentication.AddJwtBearer(Provider, provider.Configure);
        authentication
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
                // A valid token is checked once until it expires, not on every request (the provider's keys rotate: its tokens are not kept).
                options.TokenHandlers.Clear();
                options.TokenHandlers.Add(new ValidatedTokens(TimeProvider.System));
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
    private static string Select(HttpContext context, ProviderTokens? provider)
    {
        var request = context.Request;
        if (request.Headers.Authorization.Count > 0)
            return provider is not null && IssuerOf(request.Headers.Authorization.ToString()) == provider.Issuer ? Provider : JwtBearerDefaults.AuthenticationScheme;
        if (!request.Path.StartsWithSegments("/api")) return Session;
        var safe = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        return safe && request.Cookies.ContainsKey(CookieName) ? Session : JwtBearerDefaults.AuthenticationScheme;
    }

    /// <summary>
    /// Who says they issued the bearer token, read without trusting it: it only picks which key checks the token, so
    /// a token claiming the provider's issuer must still carry the provider's signature.
    /// </summary>
    private static string? IssuerOf(string authorization)
    {
        const string bearer = "Bearer ";
        if (!authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) return null;
        var token = authorization[bearer.Length..].Trim();
        var handler = new JsonWebTokenHandler();
        try
        {
            return handler.CanReadToken(token) ? handler.ReadJsonWebToken(token).Issuer : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static Task Answer(HttpContext context, string redirectUri, int apiStatus)
    {
        if (context.Request.Path.StartsWithSegments("/api")) context.Response.StatusCode = apiStatus;
        else context.Response.Redirect(redirectUri);
        return Task.CompletedTask;
    }
}
