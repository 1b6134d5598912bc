using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NlAnalytics.Core.Data;
using NlAnalytics.Web.Components.Layout;
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
        await page.ClickAsync(".app-drawer >> text=Schema");
        await page.WaitForURLAsync("**/admin/schema");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Schema", Exact = true })).ToBeVisibleAsync();
        await WaitForCircuitAsync(page);

        // The schema browser's tree lists the demo's tables (loaded with the app) and opens one.
        await page.Locator(".schema-table-node").First.ClickAsync();
        await Assertions.Expect(page.Locator("#schema-table-name")).Not.ToBeEmptyAsync();

        await page.ClickAsync("button.theme-toggle");
        await Assertions.Expect(page.Locator(".app-layout[data-theme='dark']")).ToHaveCountAsync(1);
        // The choice is the user's, kept with the account: read on the server, so the first paint after a reload is dark.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await ThemeClaimAsync("owner@example.test") != "dark" && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal("dark", await ThemeClaimAsync("owner@example.test"));
        var response = await page.ReloadAsync();
        var html = await response!.TextAsync();
        Assert.Contains("data-theme=\"dark\"", html);
        await WaitForCircuitAsync(page);
        Assert.Equal("rgb(22, 23, 27)", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));

        // Under a loaded machine a click can land while the reloaded page is still wiring the button up and be lost;
        // click again (the sign-out itself is checked by what follows: "/" goes to the sign-in page).
        for (var attempt = 1; ; attempt++)
        {
            await page.ClickAsync("button[aria-label='Sign out']");
            try
            {
                await page.WaitForURLAsync("**/account/login**", new() { Timeout = 30_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
        }
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

        var chatLink = page.Locator(".app-drawer .mud-nav-link").Filter(new() { HasText = "Chat" });
        await Assertions.Expect(chatLink).Not.ToBeInViewportAsync();
        await WaitForCircuitAsync(page);

        await page.ClickAsync("button[aria-label='Toggle navigation']");
        await Assertions.Expect(chatLink).ToBeInViewportAsync();

        // Choosing a destination closes the sidebar again, which on a phone covers the page.
        await page.ClickAsync(".app-drawer >> text=Schema");
        await page.WaitForURLAsync("**/admin/schema");
        await Assertions.Expect(chatLink).Not.ToBeInViewportAsync();
    }

    private async Task<string?> ThemeClaimAsync(string email)
    {
        using var scope = _factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByEmailAsync(email);
        return user is null ? null : (await users.GetClaimsAsync(user)).SingleOrDefault(c => c.Type == ThemePreference.ClaimType)?.Value;
    }

    private static Task WaitForCircuitAsync(IPage page) =>
        Assertions.Expect(page.Locator(".app-layout[data-interactive='true']")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
}
