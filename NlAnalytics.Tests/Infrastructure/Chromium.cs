using Microsoft.Playwright;

namespace NlAnalytics.Tests.Infrastructure;

/// <summary>
/// Launches the machine's Chromium (/usr/bin/chromium, or NLANALYTICS_CHROMIUM) through Playwright, headless,
/// with the flags that keep it from calling out to the network. Playwright's own browser download is never used.
/// </summary>
public static class Chromium
{
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("NLANALYTICS_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return (playwright, browser);
    }
}
