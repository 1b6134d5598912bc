using Microsoft.Playwright;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Infrastructure;

/// <summary>The steps the Chromium tests share: a page of its own, the registration and sign-in forms, the live circuit.</summary>
public static class BrowserPages
{
    /// <summary>A page in a context of its own (own cookies), with generous waits and the page's script errors in the test output.</summary>
    public static async Task<IPage> NewPageAsync(IBrowser browser, Uri address, ITestOutputHelper output, int width, int height, string label = "page")
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString(), ViewportSize = new() { Width = width, Height = height } });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => output.WriteLine($"{label} error: " + error);
        return page;
    }

    /// <summary>Fills the registration form on the page and sends it.</summary>
    public static async Task SubmitRegistrationAsync(IPage page, string email, string password)
    {
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.FillAsync("#confirm-password", password);
        await page.ClickAsync("button[type=submit]");
    }

    /// <summary>Fills the sign-in form on the page and sends it.</summary>
    public static async Task SubmitSignInAsync(IPage page, string email, string password)
    {
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
    }

    /// <summary>Waits until the page's Blazor circuit is connected (the layout says so).</summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        Assertions.Expect(page.Locator(".app-layout[data-interactive='true']")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
}
