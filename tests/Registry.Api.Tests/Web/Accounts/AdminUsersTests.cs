using System.Net;
using Registry.Api.Accounts;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web.Accounts;

public sealed class AdminUsersTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Theory]
    [InlineData(Roles.Coordinator)]
    [InlineData(Roles.Investigator)]
    [InlineData(Roles.Auditor)]
    public async Task Only_an_admin_opens_the_users_pages(string role)
    {
        using var browser = await BrowserSession.SignedInAsync(app, role, "S1");
        Assert.Equal("/denied", (await browser.GetAsync("/admin/users")).Url.AbsolutePath);
        Assert.Equal("/denied", (await browser.GetAsync("/admin/users/admin")).Url.AbsolutePath);
    }

    [Fact]
    public async Task An_admin_opens_an_account_whose_one_time_password_is_shown_once_and_must_be_replaced()
    {
        var (admin, adminName) = await SignedInAdminAsync();
        using var _ = admin;
        var userName = $"carol-{Guid.NewGuid():N}"[..14];

        var page = await admin.SubmitAsync("/admin/users", "open-account", new()
        {
            ["User name"] = userName, ["Name"] = "Carol Tan", ["Role"] = Roles.Coordinator, ["Sites"] = "S1, S2",
        });

        Assert.Equal(HttpStatusCode.OK, page.Status);
        var password = page.Text("[role=status] code.secret");
        Assert.Equal(16, password.Length);
        var row = page.Document.QuerySelectorAll("tbody tr").Single(r => r.QuerySelector("td")!.TextContent == userName);
        Assert.Equal([userName, "Carol Tan", "coordinator", "S1, S2", "Active", "Yes"], row.QuerySelectorAll("td").Select(c => c.TextContent.Trim()));
        Assert.DoesNotContain(password, (await admin.GetAsync("/admin/users")).Html);

        var account = (await app.Users().FindAsync(userName, default))!;
        var opened = Assert.Single(await app.AccountEventsAsync(account.Id));
        Assert.Equal(adminName, opened.UserName);
        var (carol, landed) = await app.SignInAsync(userName, password);
        using var __ = carol;
        Assert.Equal("/account/password", landed.Url.AbsolutePath);
    }

    [Fact]
    public async Task A_refused_account_shows_each_error_beside_its_field_and_records_nothing()
    {
        var (admin, _) = await SignedInAdminAsync();
        using var _ = admin;
        var existing = await app.OpenAccountAsync();
        var mark = await app.EventStoreMarkAsync();

        var page = await admin.SubmitAsync("/admin/users", "open-account", new()
        {
            ["User name"] = "Bad Name", ["Name"] = "Someone", ["Role"] = Roles.Coordinator, ["Sites"] = "",
        });
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        PasswordChangeTests.AssertFieldError(page, "userName", "A user name is 2–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.");
        PasswordChangeTests.AssertFieldError(page, "sites", "A coordinator acts for at least one site.");
        Assert.Equal("Bad Name", page.Document.GetElementById("userName")!.GetAttribute("value"));

        var badSite = await admin.SubmitAsync("/admin/users", "open-account", new()
        {
            ["User name"] = "dave", ["Name"] = "Dave", ["Role"] = Roles.Coordinator, ["Sites"] = "S1, S/2",
        });
        PasswordChangeTests.AssertFieldError(badSite, "sites", "A site is a code of letters, digits, '.', '_' or '-' (at most 32).");

        var taken = await admin.SubmitAsync("/admin/users", "open-account", new()
        {
            ["User name"] = existing.UserName, ["Name"] = "Again", ["Role"] = Roles.Auditor, ["Sites"] = "",
        });
        PasswordChangeTests.AssertFieldError(taken, "userName", $"A user '{existing.UserName}' already exists.");
        Assert.Equal(mark, await app.EventStoreMarkAsync());
    }

    [Fact]
    public async Task A_reset_gives_a_one_time_password_ends_the_users_sessions_and_their_lockout()
    {
        var (admin, adminName) = await SignedInAdminAsync();
        using var _ = admin;
        var account = await app.OpenAccountAsync(Roles.Investigator);
        var (user, _) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        using var __ = user;
        for (var i = 0; i < 5; i++) await app.Users().SignInAsync(account.UserName, "a wrong password guess", default);
        Assert.StartsWith("Locked until ", (await admin.GetAsync("/admin/users")).Document.QuerySelectorAll("tbody tr")
            .Single(r => r.QuerySelector("td")!.TextContent == account.UserName).QuerySelectorAll("td")[4].TextContent);

        var page = await admin.SubmitAsync($"/admin/users/{account.UserName}", "reset-password", []);

        var password = page.Text("[role=status] code.secret");
        Assert.Equal(16, password.Length);
        Assert.Equal("/signin", (await user.GetAsync("/")).Url.AbsolutePath);
        Assert.Null(await app.Users().SignInAsync(account.UserName, AccountFixtures.Password, default));
        var reset = (await app.AccountEventsAsync(account.Id)).Last(e => e.Data is PasswordChanged);
        Assert.True(((PasswordChanged)reset.Data).MustChangePassword);
        Assert.Equal(adminName, reset.UserName);
        var (again, landed) = await app.SignInAsync(account.UserName, password);
        using var ___ = again;
        Assert.Equal("/account/password", landed.Url.AbsolutePath);
    }

    [Fact]
    public async Task A_new_role_and_sites_reach_the_users_open_session_at_its_next_request()
    {
        var (admin, adminName) = await SignedInAdminAsync();
        using var _ = admin;
        var account = await app.OpenAccountAsync(Roles.Coordinator);
        var (user, _) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        using var __ = user;
        Assert.Contains("(coordinator, sites S1)", (await user.GetAsync("/")).Text(".who"));

        var page = await admin.SubmitAsync($"/admin/users/{account.UserName}", "change-access", new() { ["Role"] = Roles.Coordinator, ["Sites"] = "S2 S3" });
        Assert.Equal(HttpStatusCode.OK, page.Status);

        Assert.Contains("(coordinator, sites S2, S3)", (await user.GetAsync("/")).Text(".who"));
        var changed = (await app.AccountEventsAsync(account.Id)).Last();
        var access = Assert.IsType<AccessChanged>(changed.Data);
        Assert.Equal(Roles.Coordinator, access.Role);
        Assert.Equal(["S2", "S3"], access.Sites);
        Assert.Equal(adminName, changed.UserName);

        var refused = await admin.SubmitAsync($"/admin/users/{account.UserName}", "change-access", new() { ["Role"] = Roles.Coordinator, ["Sites"] = "" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        PasswordChangeTests.AssertFieldError(refused, "sites", "A coordinator acts for at least one site.");
    }

    [Fact]
    public async Task A_disabled_account_cannot_sign_in_and_its_open_session_ends_until_it_is_enabled()
    {
        var (admin, _) = await SignedInAdminAsync();
        using var _ = admin;
        var account = await app.OpenAccountAsync(Roles.Auditor);
        var (user, _) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        using var __ = user;

        var page = await admin.SubmitAsync($"/admin/users/{account.UserName}", "disable", []);
        Assert.Equal("The account is disabled.", page.Text("[role=status]"));

        Assert.Equal("/signin", (await user.GetAsync("/")).Url.AbsolutePath);
        using (var api = await user.Client.GetAsync("/api/studies")) Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        var (refusedBrowser, refused) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        refusedBrowser.Dispose();
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal(app.Users().RefusalMessage, refused.Text("[role=alert]"));

        await admin.SubmitAsync($"/admin/users/{account.UserName}", "enable", []);
        var (back, landed) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        using var ___ = back;
        Assert.Equal("/", landed.Url.AbsolutePath);
        Assert.Equal([typeof(AccountDisabled), typeof(AccountEnabled), typeof(SignedIn)],
            (await app.AccountEventsAsync(account.Id)).TakeLast(3).Select(e => e.Data.GetType()));
    }

    [Fact]
    public async Task An_admin_cannot_disable_themselves_or_give_up_their_own_admin_role()
    {
        var (admin, adminName) = await SignedInAdminAsync();
        using var _ = admin;
        var mark = await app.EventStoreMarkAsync();

        var disable = await admin.SubmitAsync($"/admin/users/{adminName}", "disable", []);
        Assert.Equal(HttpStatusCode.BadRequest, disable.Status);
        Assert.Contains("You cannot disable your own account; another admin can.", disable.Text("[role=alert]"));
        var demote = await admin.SubmitAsync($"/admin/users/{adminName}", "change-access", new() { ["Role"] = Roles.Auditor, ["Sites"] = "" });
        PasswordChangeTests.AssertFieldError(demote, "role", "You cannot take the admin role from yourself; another admin can.");
        Assert.Equal(mark, await app.EventStoreMarkAsync());
    }

    [Fact]
    public async Task An_account_the_registry_does_not_have_is_said_so()
    {
        var (admin, _) = await SignedInAdminAsync();
        using var _ = admin;
        var page = await admin.GetAsync("/admin/users/nobody-here");
        Assert.Equal("No such user", page.Text("h1"));
        Assert.Equal("There is no account named 'nobody-here'.", page.Text("main p:last-child"));
    }

    private async Task<(BrowserSession Browser, string UserName)> SignedInAdminAsync()
    {
        var account = await app.OpenAccountAsync(Roles.Admin);
        var (browser, page) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        Assert.Equal("/", page.Url.AbsolutePath);
        return (browser, account.UserName);
    }
}
