using Microsoft.Playwright;

namespace Registry.EndToEnd;

/// <summary>
/// One real registry (demo studies loaded, about a minute on first start) and one headless Chromium for every
/// browser test of the run; each test opens its own tabs, each with its own cookies.
/// </summary>
public sealed class RegistryInBrowser : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public RegistryServer Registry { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var registry = RegistryServer.StartAsync(TimeSpan.FromMinutes(5));
        (_playwright, Browser) = await Chromium.LaunchAsync();
        Registry = await registry;
    }

    public Task<BrowserTab> OpenTabAsync(string test) => BrowserTab.OpenAsync(Browser, Registry.Address, test);

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
