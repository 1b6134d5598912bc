using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web;

/// <summary>The shell in a real Chromium against the app on Kestrel: forms, the interactive circuit, the theme cookie.</summary>
public sealed class ShellBrowserTests : IAsyncLifetime
{
    private NlAnalyticsWebFactory _factory = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        // The app and the browser share two cores with the test run; give pages time.
        Assertions.SetDefaultExpectTimeout(15_000);
        _factory = await NlAnalyticsWebFactory.CreateAsync();
        _address = _factory.StartKestrel();
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task A_new_admin_registers_moves_around_the_shell_and_keeps_the_dark_theme_after_a_reload()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _address.ToString(), ViewportSize = new() { Width = 1280, Height = 800 } });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/account/login**");
        await page.ClickAsync("text=Create one");
        await page.WaitForURLAsync("**/account/register**");
        // Enhanced navigation changes the URL before it swaps the form; the login page has an #email too.
        await page.Locator("#confirm-password").WaitForAsync();
        await page.FillAsync("#email", "owner@example.test");
        await page.FillAsync("#password", "a calm long passphrase");
        await page.FillAsync("#confirm-password", "a calm long passphrase");
        await page.ClickAsync("button[type=submit]");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Ask a question about your data" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".app-user-name")).ToHaveTextAsync("owner@example.test");
        await WaitForCircuitAsync(page);

        // In-circuit navigation through the sidebar (no page load) reaches the admin page.
        await page.ClickAsync(".rz-sidebar >> text=Schema");
        await page.WaitForURLAsync("**/admin/schema");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Schema", Exact = true })).ToBeVisibleAsync();
        await WaitForCircuitAsync(page);

        await page.ClickAsync(".rz-header button[title='Light or dark theme']");
        await Assertions.Expect(page.Locator("link[href*='material-dark']")).ToHaveCountAsync(1);
        await page.ReloadAsync();
        // Read from the cookie on the server: the dark theme is there before the circuit starts.
        await Assertions.Expect(page.Locator("link[href*='material-dark']")).ToHaveCountAsync(1);
        await WaitForCircuitAsync(page);
        var themeCookie = (await context.CookiesAsync()).SingleOrDefault(c => c.Name == "NlAnalytics.Theme");
        Assert.Equal("material-dark", themeCookie?.Value);

        await page.ClickAsync(".rz-profile-menu");
        await page.ClickAsync("text=Sign out");
        await page.WaitForURLAsync("**/account/login**");
        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/account/login**");
    }

    [Fact]
    public async Task On_a_narrow_window_the_sidebar_starts_collapsed_and_the_toggle_opens_it()
    {
        (await _factory.RegisterAsync("narrow@example.test", "narrow passphrase")).Dispose();
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _address.ToString(), ViewportSize = new() { Width = 400, Height = 800 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", "narrow@example.test");
        await page.FillAsync("#password", "narrow passphrase");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Ask a question about your data" })).ToBeVisibleAsync();

        var chatLink = page.Locator(".rz-sidebar .rz-navigation-item-text").Filter(new() { HasText = "Chat" });
        await Assertions.Expect(chatLink).Not.ToBeInViewportAsync();
        await WaitForCircuitAsync(page);

        await page.ClickAsync("button[aria-label='Toggle navigation']");
        await Assertions.Expect(chatLink).ToBeInViewportAsync();

        // Choosing a destination closes the sidebar again, which on a phone covers the page.
        await page.ClickAsync(".rz-sidebar >> text=Schema");
        await page.WaitForURLAsync("**/admin/schema");
        await Assertions.Expect(chatLink).Not.ToBeInViewportAsync();
    }

    private static Task WaitForCircuitAsync(IPage page) =>
        Assertions.Expect(page.Locator(".app-layout[data-interactive='true']")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
}
