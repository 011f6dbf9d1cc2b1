using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

[Collection(RegistryInBrowserCollection.Name)]
public sealed class AdminAccountTests(RegistryInBrowser registry)
{
    [Fact]
    public async Task A_refused_account_shows_its_errors_beside_the_fields()
    {
        await using var tab = await registry.AdminTabAsync("admin-account-refused");
        await tab.GotoAsync("/admin/users", "users");
        await tab.Page.GetByLabel("User name").FillAsync("Dana Kerr");
        await tab.Page.GetByLabel("Role").SelectOptionAsync("coordinator");
        var response = await tab.SubmitAsync("Open account", "refused");

        Assert.Equal(400, response.Status);
        await Expect(tab.Page.GetByLabel("User name")).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("A user name is 2–64 lower-case letters"));
        await Expect(tab.Page.GetByLabel("Sites")).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("A coordinator acts for at least one site\\.$"));
    }

    [Fact]
    public async Task The_admin_resets_a_password_and_disables_an_account_whose_open_session_then_ends()
    {
        await using var admin = await registry.AdminTabAsync("admin-account");
        await admin.GotoAsync("/admin/users", "users");
        await admin.Page.GetByLabel("User name").FillAsync("dana.kerr");
        await admin.Page.GetByLabel("Name", new() { Exact = true }).FillAsync("Dana Kerr");
        await admin.Page.GetByLabel("Role").SelectOptionAsync("coordinator");
        await admin.Page.GetByLabel("Sites").FillAsync("S2, S3");
        await admin.SubmitAsync("Open account", "opened");
        var oneTime = await admin.Page.Locator("[role=status] code").TextContentAsync();

        await using var dana = await registry.OpenTabAsync("admin-account-dana");
        await dana.SignInAsync("dana.kerr", oneTime!, "signed-in");
        await dana.ChooseOwnPasswordIfAskedAsync(oneTime!, "dana's own long passphrase");
        await dana.ExpectHeadingAsync("Studies");

        await admin.GotoAsync("/admin/users/dana.kerr", "account");
        await admin.ExpectHeadingAsync("Dana Kerr (dana.kerr)");
        await admin.SubmitAsync("Reset password", "reset");
        await Expect(admin.Page.Locator("[role=status] code")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-Za-z2-9]{16}$"));
        await dana.GotoAsync("/", "after-reset");
        Assert.Contains("/signin", dana.Page.Url);

        await admin.SubmitAsync("Disable account", "disabled");
        await Expect(admin.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The account is disabled.");
        await Expect(admin.Page.GetByRole(AriaRole.Table, new() { Name = "What happened to the account" }).GetByRole(AriaRole.Row).Last).ToContainTextAsync("Disabled");
    }
}
