using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

[Collection(RegistryInBrowserCollection.Name)]
public sealed class AdminTests(RegistryInBrowser registry)
{
    [Fact]
    public async Task The_admin_opens_accounts_for_a_coordinator_an_investigator_and_an_auditor_who_then_sign_in_as_themselves()
    {
        var oneTime = await registry.AccountsAsync();
        Assert.Equal(People.All.Length, oneTime.Values.Distinct().Count());

        await using var tab = await registry.AdminTabAsync("admin-users");
        await tab.GotoAsync("/admin/users", "users");
        var accounts = tab.Page.GetByRole(AriaRole.Table, new() { Name = "User accounts" });
        foreach (var person in People.All)
        {
            var row = accounts.GetByRole(AriaRole.Row).Filter(new() { Has = tab.Page.GetByRole(AriaRole.Link, new() { Name = person.UserName, Exact = true }) });
            var cells = row.GetByRole(AriaRole.Cell);
            await Expect(cells.Nth(1)).ToHaveTextAsync(person.DisplayName);
            await Expect(cells.Nth(2)).ToHaveTextAsync(person.Role);
            await Expect(cells.Nth(3)).ToHaveTextAsync(person.Sites);
        }

        await using var investigator = await registry.SignedInAsync("admin-users-investigator", People.Investigator);
        await Expect(investigator.Page.GetByRole(AriaRole.Banner)).ToContainTextAsync("Signed in as Ivan Osei (investigator)");
    }
}
