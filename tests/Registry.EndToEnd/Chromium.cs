using Microsoft.Playwright;

namespace Registry.EndToEnd;

/// <summary>
/// Debian's chromium, headless, driven by Playwright. Nothing here downloads a browser: Playwright is pointed at the
/// system binary, and its own browser download is switched off for the driver it starts.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"The browser tests need Debian's chromium at {ExecutablePath}: apt-get install -y chromium (.ci/run does).");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        // Each launch gets a fresh temporary profile (user-data dir), removed when the browser closes.
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }
}
