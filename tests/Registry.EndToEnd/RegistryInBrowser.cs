using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

/// <summary>
/// One real registry (demo studies loaded, about a minute on first start) and one headless Chromium for every
/// browser test of the run; each test opens its own tabs, each with its own cookies. What several tests build on —
/// the first admin's own password — is done once, by whichever test needs it first.
/// </summary>
public sealed class RegistryInBrowser : IAsyncLifetime
{
    /// <summary>What the first admin chooses in place of the one-time password.</summary>
    public const string AdminPassword = "a long admin passphrase for the e2e run";

    private IPlaywright? _playwright;
    // Done once, by whichever test needs it first; a failure is kept, so every test that needed it says why.
    private readonly Lazy<Task<string>> _adminPassword;
    private readonly Lazy<Task<Dictionary<Person, string>>> _oneTimePasswords;
    private readonly HashSet<Person> _signedInBefore = [];

    public RegistryInBrowser()
    {
        _adminPassword = new(FirstAdminSignsInAsync);
        _oneTimePasswords = new(AdminOpensAccountsAsync);
    }

    public RegistryServer Registry { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(15_000);
        var registry = RegistryServer.StartAsync(TimeSpan.FromMinutes(5));
        try
        {
            (_playwright, Browser) = await Chromium.LaunchAsync();
            Registry = await registry;
        }
        catch
        {
            // A fixture whose start failed is never disposed: what did start beside it is stopped here.
            if (Browser is not null) await Browser.CloseAsync();
            _playwright?.Dispose();
            if (await StartedAsync(registry) is { } started) await started.DisposeAsync();
            throw;
        }
    }

    /// <summary>The registry once started; null when its start failed (that failure is the one reported).</summary>
    private static async Task<RegistryServer?> StartedAsync(Task<RegistryServer> start)
    {
        try
        {
            return await start;
        }
        catch (Exception)
        {
            return null;
        }
    }

    public Task<BrowserTab> OpenTabAsync(string test) => BrowserTab.OpenAsync(Browser, Registry, test);

    /// <summary>
    /// The first admin's password: the first call signs in with the one-time password the registry printed and, when
    /// the registry asks for it, chooses <see cref="AdminPassword"/> (screenshots <c>first-admin-*</c>).
    /// </summary>
    public Task<string> AdminPasswordAsync() => _adminPassword.Value;

    private async Task<string> FirstAdminSignsInAsync()
    {
        var oneTime = await Registry.OneTimePassword;
        await using var tab = await OpenTabAsync("first-admin");
        await tab.GotoAsync("/", "signin");
        await tab.SignInAsync("admin", oneTime, "after-signin");
        var password = await tab.ChooseOwnPasswordIfAskedAsync(oneTime, AdminPassword) ? AdminPassword : oneTime;
        await tab.ExpectHeadingAsync("Studies");
        return password;
    }

    /// <summary>A tab signed in as the admin, on the study list.</summary>
    public async Task<BrowserTab> AdminTabAsync(string test)
    {
        var password = await AdminPasswordAsync();
        var tab = await OpenTabAsync(test);
        await tab.SignInAsync("admin", password, "studies");
        await tab.ExpectHeadingAsync("Studies");
        return tab;
    }

    /// <summary>
    /// Opens the accounts of <see cref="People.All"/> through the admin's Users page, once (screenshots
    /// <c>admin-opens-accounts-*</c>); the one-time password of each, as the page showed it.
    /// </summary>
    public async Task<IReadOnlyDictionary<Person, string>> AccountsAsync() => await _oneTimePasswords.Value;

    private async Task<Dictionary<Person, string>> AdminOpensAccountsAsync()
    {
        var adminPassword = await AdminPasswordAsync();
        await using var tab = await OpenTabAsync("admin-opens-accounts");
        await tab.SignInAsync("admin", adminPassword, "studies");
        var opened = new Dictionary<Person, string>();
        foreach (var person in People.All)
        {
            await tab.GotoAsync("/admin/users", $"users-before-{person.Role}");
            var page = tab.Page;
            await page.GetByLabel("User name").FillAsync(person.UserName);
            await page.GetByLabel("Name", new() { Exact = true }).FillAsync(person.DisplayName);
            await page.GetByLabel("Role").SelectOptionAsync(person.Role);
            await page.GetByLabel("Sites").FillAsync(person.Sites);
            await tab.SubmitAsync("Open account", $"{person.Role}-opened");
            var shown = page.GetByRole(AriaRole.Status).Locator("code");
            await Expect(shown).ToHaveCountAsync(1);
            opened[person] = await shown.InnerTextAsync();
        }
        return opened;
    }

    /// <summary>
    /// A tab signed in as <paramref name="person"/> on the study list; their first sign-in replaces the one-time
    /// password with <see cref="Person.OwnPassword"/>, as the registry asks.
    /// </summary>
    public async Task<BrowserTab> SignedInAsync(string test, Person person)
    {
        var oneTime = (await AccountsAsync())[person];
        var tab = await OpenTabAsync(test);
        var first = _signedInBefore.Add(person);
        await tab.SignInAsync(person.UserName, first ? oneTime : person.OwnPassword, "signed-in");
        if (first && !await tab.ChooseOwnPasswordIfAskedAsync(oneTime, person.OwnPassword))
            throw new InvalidOperationException($"{person.UserName}'s first sign-in with a one-time password did not ask for their own.");
        await tab.ExpectHeadingAsync("Studies");
        return tab;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (Registry is not null)
        {
            await Registry.DisposeAsync();
            // What the registry logged, beside the screenshots: a page that answered 500 is explained there.
            Directory.CreateDirectory(BrowserTab.ScreenshotDirectory);
            await File.WriteAllTextAsync(Path.Combine(BrowserTab.ScreenshotDirectory, "..", "registry.log"), Registry.Output);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RegistryInBrowserCollection : ICollectionFixture<RegistryInBrowser>
{
    public const string Name = "A registry in a browser";
}
