using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Registry.EndToEnd;

/// <summary>
/// One person's browser window (its own cookies) that saves a full-page screenshot of every page it shows, as
/// <c>artifacts/screenshots/&lt;test&gt;-&lt;NN&gt;-&lt;step&gt;.png</c>, numbered in the order they were taken.
/// </summary>
public sealed class BrowserTab : IAsyncDisposable
{
    public static string ScreenshotDirectory { get; } = RepositoryRoot.Combine("artifacts", "screenshots");

    private readonly IBrowserContext _context;
    private readonly string _test;
    private int _shots;

    public IPage Page { get; }

    private BrowserTab(IBrowserContext context, IPage page, string test)
    {
        _context = context;
        Page = page;
        _test = test;
    }

    public static async Task<BrowserTab> OpenAsync(IBrowser browser, Uri registry, string test)
    {
        // A laptop screen; the screenshots are full-page, so nothing below the fold is lost.
        var context = await browser.NewContextAsync(new() { BaseURL = registry.ToString(), ViewportSize = new() { Width = 1366, Height = 768 }, Locale = "en-GB" });
        context.SetDefaultTimeout(30_000);
        return new BrowserTab(context, await context.NewPageAsync(), test);
    }

    /// <summary>Opens a path of the registry; the response, for its status.</summary>
    public async Task<IResponse> GotoAsync(string path, string step)
    {
        var response = await Page.GotoAsync(path) ?? throw new InvalidOperationException($"No response for {path}.");
        await ShotAsync(step);
        return response;
    }

    /// <summary>Presses a button that submits a form or follows a link, and waits for the page it leads to.</summary>
    public Task<IResponse> SubmitAsync(ILocator button, string step) => NavigateByAsync(() => button.ClickAsync(), step);

    /// <summary>Does what leads to another page (a click, Enter in a field) and waits for the page it lands on.</summary>
    public async Task<IResponse> NavigateByAsync(Func<Task> action, string step)
    {
        var response = await Page.RunAndWaitForResponseAsync(action, r => r.Request.IsNavigationRequest && r.Request.Frame == Page.MainFrame && r.Status is < 300 or >= 400);
        await Page.WaitForLoadStateAsync(LoadState.Load);
        await ShotAsync(step);
        return response;
    }

    public Task<IResponse> SubmitAsync(string buttonName, string step) =>
        SubmitAsync(Page.GetByRole(AriaRole.Button, new() { Name = buttonName, Exact = true }), step);

    public async Task ShotAsync(string step)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var name = $"{_test}-{++_shots:00}-{step}.png";
        await Page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name), FullPage = true });
    }

    /// <summary>Signs in through the form; lands wherever the registry sends the user next.</summary>
    public async Task<IResponse> SignInAsync(string userName, string password, string step = "signed-in")
    {
        if (!Page.Url.Contains("/signin")) await GotoAsync("/signin", "signin");
        await Page.GetByLabel("User name").FillAsync(userName);
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        return await SubmitAsync("Sign in", step);
    }

    /// <summary>
    /// A password set for the user (the one-time password, or one an admin set) must be replaced at sign-in; false when
    /// the registry did not ask.
    /// </summary>
    public async Task<bool> ChooseOwnPasswordIfAskedAsync(string current, string chosen)
    {
        if (!new Uri(Page.Url).AbsolutePath.Equals("/account/password", StringComparison.Ordinal)) return false;
        await ExpectHeadingAsync("Change password");
        await Page.GetByLabel("Current password").FillAsync(current);
        await Page.GetByLabel("New password", new() { Exact = true }).FillAsync(chosen);
        await Page.GetByLabel("Confirm new password").FillAsync(chosen);
        await SubmitAsync("Change password", "password-chosen");
        return true;
    }

    public async Task ExpectHeadingAsync(string heading) =>
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(heading);

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
