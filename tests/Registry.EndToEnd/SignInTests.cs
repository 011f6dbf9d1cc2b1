using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

[Collection(RegistryInBrowserCollection.Name)]
public sealed class SignInTests(RegistryInBrowser registry)
{
    [Fact]
    public async Task The_first_admin_signs_in_with_the_printed_one_time_password_and_then_with_their_own_to_the_demo_studies()
    {
        var password = await registry.AdminPasswordAsync();

        await using var tab = await registry.OpenTabAsync("signin-admin");
        await tab.GotoAsync("/", "signin");
        Assert.EndsWith("/signin?ReturnUrl=%2F", tab.Page.Url);
        await tab.SignInAsync("admin", password, "studies");
        await tab.ExpectHeadingAsync("Studies");
        var codes = tab.Page.GetByRole(AriaRole.Table, new() { Name = "Registered studies" }).Locator("tbody tr td:first-child");
        await Expect(codes).ToHaveTextAsync(["LA-NPC-EFS", "NPC-RM-2L", "RM-NPC-CADO"]);
        await Expect(tab.Page.GetByRole(AriaRole.Banner)).ToContainTextAsync("Signed in as Administrator (admin)");
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_an_announced_error_tied_to_the_user_name()
    {
        await using var tab = await registry.OpenTabAsync("signin-refused");
        var response = await tab.SignInAsync("admin", "not the password", "refused");

        Assert.Equal(400, response.Status);
        var error = tab.Page.GetByRole(AriaRole.Alert);
        const string refusal = "The user name or password is not right. After 5 wrong passwords in a row an account is locked for 15 minutes.";
        await Expect(error).ToHaveTextAsync(refusal);
        await Expect(tab.Page.GetByLabel("User name")).ToHaveAccessibleDescriptionAsync(refusal);
        Assert.EndsWith("/signin", tab.Page.Url);
    }

    [Fact]
    public async Task The_sign_in_form_works_with_the_keyboard_alone()
    {
        var password = await registry.AdminPasswordAsync();
        await using var tab = await registry.OpenTabAsync("keyboard-signin");
        await tab.GotoAsync("/signin", "signin");
        var keyboard = tab.Page.Keyboard;

        // The first Tab reaches the skip link, which shows itself; the form's first field follows the header.
        await keyboard.PressAsync("Tab");
        await Expect(tab.Page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        await tab.ShotAsync("skip-link-focused");
        var userName = tab.Page.GetByLabel("User name");
        for (var presses = 0; presses < 3 && !await userName.EvaluateAsync<bool>("e => e === document.activeElement"); presses++)
            await keyboard.PressAsync("Tab");
        await Expect(userName).ToBeFocusedAsync();
        await keyboard.TypeAsync("admin");
        await keyboard.PressAsync("Tab");
        await Expect(tab.Page.GetByLabel("Password", new() { Exact = true })).ToBeFocusedAsync();
        await keyboard.TypeAsync(password);
        await tab.ShotAsync("filled");

        await tab.NavigateByAsync(() => keyboard.PressAsync("Enter"), "studies");
        await tab.ExpectHeadingAsync("Studies");
    }
}
