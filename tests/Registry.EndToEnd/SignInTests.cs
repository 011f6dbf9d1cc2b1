using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

[Collection(RegistryInBrowserCollection.Name)]
public sealed class SignInTests(RegistryInBrowser registry)
{
    [Fact]
    public async Task The_first_admin_signs_in_with_the_one_time_password_the_registry_printed_and_reaches_the_demo_studies()
    {
        await using var tab = await registry.OpenTabAsync("signin-first-admin");
        await tab.GotoAsync("/", "signin");
        Assert.EndsWith("/signin?ReturnUrl=%2F", tab.Page.Url);

        await tab.SignInAsync("admin", await registry.Registry.OneTimePassword, "studies");

        await tab.ExpectHeadingAsync("Studies");
        var codes = tab.Page.GetByRole(AriaRole.Table, new() { Name = "Registered studies" }).Locator("tbody tr td:first-child");
        await Expect(codes).ToHaveTextAsync(["LA-NPC-EFS", "NPC-RM-2L", "RM-NPC-CADO"]);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_an_announced_error_tied_to_the_user_name()
    {
        await using var tab = await registry.OpenTabAsync("signin-refused");
        var response = await tab.SignInAsync("admin", "not the password", "refused");

        Assert.Equal(400, response.Status);
        var error = tab.Page.GetByRole(AriaRole.Alert);
        await Expect(error).ToHaveTextAsync("The user name or password is not right.");
        await Expect(tab.Page.GetByLabel("User name")).ToHaveAccessibleDescriptionAsync("The user name or password is not right.");
        Assert.EndsWith("/signin", tab.Page.Url);
    }
}
