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
    private readonly RegistryServer _registry;
    private readonly string _test;
    private int _shots;

    public IPage Page { get; }

    private BrowserTab(IBrowserContext context, IPage page, RegistryServer registry, string test)
    {
        _context = context;
        _registry = registry;
        Page = page;
        _test = test;
    }

    public static async Task<BrowserTab> OpenAsync(IBrowser browser, RegistryServer registry, string test)
    {
        // A laptop screen; the screenshots are full-page, so nothing below the fold is lost.
        var context = await browser.NewContextAsync(new() { BaseURL = registry.Address.ToString(), ViewportSize = new() { Width = 1366, Height = 768 }, Locale = "en-GB" });
        // Generous for a loaded CI machine: the dashboard computes every view on the first request.
        context.SetDefaultTimeout(60_000);
        return new BrowserTab(context, await context.NewPageAsync(), registry, test);
    }

    /// <summary>Opens a path of the registry; the response, for its status.</summary>
    public async Task<IResponse> GotoAsync(string path, string step)
    {
        var response = await Page.GotoAsync(path) ?? throw new InvalidOperationException($"No response for {path}.");
        await ShotAsync(step);
        AnsweredWithoutFailing(response, step);
        return response;
    }

    /// <summary>Presses a button that submits a form or follows a link, and waits for the page it leads to.</summary>
    public Task<IResponse> SubmitAsync(ILocator button, string step) => NavigateByAsync(() => button.ClickAsync(), step);

    /// <summary>Does what leads to another page (a click, Enter in a field) and waits for the page it lands on.</summary>
    public async Task<IResponse> NavigateByAsync(Func<Task> action, string step)
    {
        // The page being left is marked: the next one is there when a document without the mark is complete. (Waiting
        // for the load event after the response now and then missed it and waited 30 s.)
        await Page.EvaluateAsync("() => { window.leftBehind = true; }");
        var response = await Page.RunAndWaitForResponseAsync(action, r => r.Request.IsNavigationRequest && r.Request.Frame == Page.MainFrame && r.Status is < 300 or >= 400);
        await Page.WaitForFunctionAsync("() => window.leftBehind === undefined && document.readyState === 'complete'");
        await ShotAsync(step);
        AnsweredWithoutFailing(response, step);
        return response;
    }

    public Task<IResponse> SubmitAsync(string buttonName, string step) =>
        SubmitAsync(Page.GetByRole(AriaRole.Button, new() { Name = buttonName, Exact = true }), step);

    /// <summary>A page that failed (500) is a bug in the registry: the test says so, with the end of the registry's log.</summary>
    private void AnsweredWithoutFailing(IResponse response, string step)
    {
        if (response.Status < 500) return;
        var log = _registry.Output.Split('\n');
        throw new InvalidOperationException($"{_test} {step}: {response.Url} answered {response.Status}. The registry's log ends:\n{string.Join('\n', log.TakeLast(80))}");
    }

    /// <summary>Saves the page as it is, and holds it to a laptop screen: nothing may stick out past its right edge.</summary>
    public async Task ShotAsync(string step)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var name = $"{_test}-{++_shots:00}-{step}.png";
        // Chromium now and then refuses a capture just after a navigation ("Unable to capture screenshot", a fresh clone's
        // run on a loaded machine); the page is there, so the capture is asked again.
        for (var attempt = 1; ; attempt++)
            try
            {
                await Page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name), FullPage = true });
                break;
            }
            catch (PlaywrightException refused) when (attempt < 3 && refused.Message.Contains("Unable to capture screenshot"))
            {
                await Task.Delay(500);
            }
        var overflow = await Page.EvaluateAsync<string?>(WiderThanTheScreen);
        Assert.True(overflow is null, $"{name}: the page is wider than the {Page.ViewportSize!.Width}px screen: {overflow}");
    }

    /// <summary>The outermost element that reaches past the window's right edge, and how far; null when none does.</summary>
    private const string WiderThanTheScreen = """
        () => {
            const width = window.innerWidth;
            if (document.documentElement.scrollWidth <= width) return null;
            const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
            for (const e of document.body.querySelectorAll('*')) {
                const right = e.getBoundingClientRect().right + window.scrollX;
                if (right > width && !e.closest('.visually-hidden')) return `${name(e)} ends at ${Math.round(right)}px`;
            }
            return `the document is ${document.documentElement.scrollWidth}px wide`;
        }
        """;

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
