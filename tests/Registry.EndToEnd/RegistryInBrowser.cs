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
    private readonly SemaphoreSlim _once = new(1, 1);
    private string? _adminPassword;

    public RegistryServer Registry { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var registry = RegistryServer.StartAsync(TimeSpan.FromMinutes(5));
        (_playwright, Browser) = await Chromium.LaunchAsync();
        Registry = await registry;
    }

    public Task<BrowserTab> OpenTabAsync(string test) => BrowserTab.OpenAsync(Browser, Registry.Address, test);

    /// <summary>
    /// The first admin's password: the first call signs in with the one-time password the registry printed and, when
    /// the registry asks for it, chooses <see cref="AdminPassword"/> (screenshots <c>first-admin-*</c>).
    /// </summary>
    public async Task<string> AdminPasswordAsync()
    {
        await _once.WaitAsync();
        try
        {
            return _adminPassword ??= await FirstAdminSignsInAsync();
        }
        finally { _once.Release(); }
    }

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

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (Registry is not null) await Registry.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RegistryInBrowserCollection : ICollectionFixture<RegistryInBrowser>
{
    public const string Name = "A registry in a browser";
}
