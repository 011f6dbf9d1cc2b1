using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Registry.Api.Accounts;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web.Accounts;

/// <summary>Accounts opened as an admin would, signed in through the form, and read back from their streams.</summary>
internal static class AccountFixtures
{
    public const string Password = "correct horse battery";

    public static UserDirectory Users(this RegistryApp app) => app.Host.Services.GetRequiredService<UserDirectory>();

    public static async Task<UserAccount> OpenAccountAsync(this RegistryApp app, string role = Roles.Coordinator, bool mustChangePassword = false, string password = Password)
    {
        var userName = $"user-{Guid.NewGuid():N}"[..20];
        var (id, errors) = await app.Users().OpenAsync(new OpenAccount(userName, $"Test {role}", role, role == Roles.Coordinator ? ["S1"] : [], password),
            "test-admin", mustChangePassword, default);
        Assert.True(id is not null, string.Join("; ", errors.SelectMany(e => e.Value)));
        return (await app.Users().LoadAsync(id.Value, default))!;
    }

    /// <summary>A browser that has submitted the sign-in form (whatever the answer was) and the page it ended on.</summary>
    public static async Task<(BrowserSession Browser, BrowserSession.Page Page)> SignInAsync(this RegistryApp app, string userName, string password, string path = "/signin")
    {
        var browser = new BrowserSession(app);
        var page = await browser.SubmitAsync(path, "signin", new() { ["User name"] = userName, ["Password"] = password });
        return (browser, page);
    }

    public static async Task<IReadOnlyList<IEvent>> AccountEventsAsync(this RegistryApp app, Guid accountId)
    {
        await using var session = app.Store.QuerySession();
        return await session.Events.FetchStreamAsync(accountId);
    }

    /// <summary>A clock the test moves by hand, for a directory over the same store as the app's.</summary>
    public sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
