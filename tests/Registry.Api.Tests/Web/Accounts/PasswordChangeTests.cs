using System.Net;
using Registry.Api.Accounts;
using Registry.Api.Auth;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Web.Accounts;

public sealed class PasswordChangeTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    private const string Chosen = "my own long passphrase";

    [Fact]
    public async Task A_user_with_a_one_time_password_is_kept_on_the_password_page_until_they_choose_their_own()
    {
        var account = await app.OpenAccountAsync(Roles.Admin, mustChangePassword: true);
        var (browser, landed) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        using var _ = browser;
        Assert.Equal("/account/password", landed.Url.AbsolutePath);
        Assert.Contains("Choose your own before you go on.", landed.Text(".notice"));

        // Every other page and the API's reads are closed to the session until then.
        Assert.Equal("/account/password", (await browser.GetAsync("/")).Url.AbsolutePath);
        Assert.Equal("/account/password", (await browser.GetAsync("/admin/users")).Url.AbsolutePath);
        Assert.Equal("/account/password", (await browser.GetAsync("/denied")).Url.AbsolutePath);
        using (var api = await browser.Client.GetAsync("/api/studies")) Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);

        var changed = await browser.SubmitAsync(landed, "change-password", new()
        {
            ["Current password"] = AccountFixtures.Password, ["New password"] = Chosen, ["Confirm new password"] = Chosen,
        });
        Assert.Equal(HttpStatusCode.OK, changed.Status);
        Assert.Equal("/", changed.Url.AbsolutePath);
        Assert.Equal("Studies", changed.Text("h1"));
        using (var api = await browser.Client.GetAsync("/api/studies")) Assert.Equal(HttpStatusCode.OK, api.StatusCode);

        var recorded = (await app.AccountEventsAsync(account.Id)).Last();
        Assert.Equal(new PasswordChanged(((PasswordChanged)recorded.Data).PasswordHash, MustChangePassword: false), recorded.Data);
        Assert.Equal(account.UserName, recorded.UserName);
        Assert.Null(await app.Users().SignInAsync(account.UserName, AccountFixtures.Password, default));
        Assert.NotNull(await app.Users().SignInAsync(account.UserName, Chosen, default));
    }

    [Fact]
    public async Task A_refused_change_shows_each_error_beside_its_field_and_records_nothing()
    {
        var account = await app.OpenAccountAsync();
        var (browser, _) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        using var __ = browser;
        var mark = await app.EventStoreMarkAsync();

        var page = await browser.SubmitAsync("/account/password", "change-password", new()
        {
            ["Current password"] = AccountFixtures.Password, ["New password"] = "short", ["Confirm new password"] = "shorter",
        });

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal(mark, await app.EventStoreMarkAsync());
        AssertFieldError(page, "newPassword", "A password has at least 12 characters.");
        AssertFieldError(page, "confirmPassword", "The two new passwords are not the same.");
        Assert.Null(page.Document.GetElementById("currentPassword")!.GetAttribute("aria-invalid"));
        Assert.Contains("The two new passwords are not the same.", page.Text("[role=alert]"));
    }

    [Fact]
    public async Task A_wrong_current_password_is_refused_beside_its_field_and_counts_towards_the_lockout()
    {
        var account = await app.OpenAccountAsync();
        var (browser, _) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        using var __ = browser;

        var page = await browser.SubmitAsync("/account/password", "change-password", new()
        {
            ["Current password"] = "a guess at the password", ["New password"] = Chosen, ["Confirm new password"] = Chosen,
        });

        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        AssertFieldError(page, "currentPassword", "The password is not right.");
        var refused = (await app.AccountEventsAsync(account.Id)).Last();
        Assert.Equal(new PasswordRefused(1), refused.Data);
        Assert.Equal(account.UserName, refused.UserName);
        Assert.NotNull(await app.Users().SignInAsync(account.UserName, AccountFixtures.Password, default));
    }

    [Fact]
    public async Task A_new_password_ends_every_other_session_of_the_user_but_not_the_one_that_changed_it()
    {
        var account = await app.OpenAccountAsync(Roles.Investigator);
        var (changer, _) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        var (other, _) = await app.SignInAsync(account.UserName, AccountFixtures.Password);
        using var _1 = changer;
        using var _2 = other;
        Assert.Equal("/", (await other.GetAsync("/")).Url.AbsolutePath);

        var changed = await changer.SubmitAsync("/account/password", "change-password", new()
        {
            ["Current password"] = AccountFixtures.Password, ["New password"] = Chosen, ["Confirm new password"] = Chosen,
        });
        Assert.Equal("Your password is changed. Go to the studies.", changed.Text("[role=status]"));

        Assert.Equal("/", (await changer.GetAsync("/")).Url.AbsolutePath);
        Assert.Equal("/signin", (await other.GetAsync("/")).Url.AbsolutePath);
        using var api = await other.Client.GetAsync("/api/studies");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    /// <summary>The field is marked invalid and described by an element beside it holding exactly the message.</summary>
    internal static void AssertFieldError(BrowserSession.Page page, string field, string message)
    {
        var input = page.Document.GetElementById(field) ?? throw new InvalidOperationException($"No field {field}.");
        Assert.Equal("true", input.GetAttribute("aria-invalid"));
        var describedBy = (input.GetAttribute("aria-describedby") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"{field}-error", describedBy);
        var error = page.Document.GetElementById($"{field}-error")!;
        Assert.Equal(message, error.TextContent.Trim());
        Assert.Same(input.ParentElement, error.ParentElement);
    }
}
