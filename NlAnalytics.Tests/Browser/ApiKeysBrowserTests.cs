using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// API keys in Chromium: an analyst makes a key on the profile page (shown once), a script uses it over HTTP, the page
/// then shows when it was last used, and an Admin revokes it on the API keys page, after which the script gets 401.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiKeysBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "a long enough passphrase";

    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?> { ["Analyst:Mode"] = "Offline" });
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
    public async Task An_analyst_makes_a_key_on_the_profile_page_a_script_uses_it_and_an_admin_revokes_it()
    {
        // The first account is the Admin.
        var admin = await RegisterAsync("keys-admin@example.test");
        var analyst = await RegisterAsync("keys-analyst@example.test");

        await analyst.ClickAsync("a.app-profile");
        await analyst.WaitForURLAsync("**/profile");
        await BrowserPages.WaitForCircuitAsync(analyst);
        await Assertions.Expect(analyst.Locator(".api-keys-empty")).ToBeVisibleAsync();
        await analyst.Locator("[data-testid=api-key-name]").FillAsync("nightly export");
        await analyst.Locator("button.api-key-create").ClickAsync();
        var secretBox = analyst.Locator("[data-testid=api-key-secret]");
        await secretBox.WaitForAsync();
        var key = await secretBox.InputValueAsync();
        Assert.Matches("^nla_[A-Za-z0-9_-]{43}$", key);
        var row = analyst.Locator("tr.api-key-row");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator(".api-key-name")).ToHaveTextAsync("nightly export");
        await Assertions.Expect(row.Locator(".api-key-last-used")).ToHaveTextAsync("never");
        await Assertions.Expect(row.Locator(".api-key-sources")).ToHaveTextAsync("all yours");

        // A script with only the key.
        using var script = new HttpClient { BaseAddress = _address };
        script.DefaultRequestHeaders.Add("X-API-Key", key);
        using (var created = await script.PostAsJsonAsync("api/threads", new { dataSource = "demo", title = "From a script" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var threads = await script.GetAsync("api/threads"))
        {
            Assert.Equal(HttpStatusCode.OK, threads.StatusCode);
            Assert.Contains("From a script", await threads.Content.ReadAsStringAsync());
        }

        // Shown once: after a reload only the row, now with a last use.
        await analyst.ReloadAsync();
        await BrowserPages.WaitForCircuitAsync(analyst);
        await Assertions.Expect(row.Locator(".api-key-last-used")).Not.ToHaveTextAsync("never");
        Assert.Equal(0, await analyst.Locator("[data-testid=api-key-secret]").CountAsync());
        Assert.DoesNotContain(key, await analyst.ContentAsync());
        await analyst.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "api-keys.png") });

        // The Admin sees it among everyone's and revokes it.
        await admin.ClickAsync(".app-drawer >> text=API keys");
        await admin.WaitForURLAsync("**/admin/keys");
        await BrowserPages.WaitForCircuitAsync(admin);
        var adminRow = admin.Locator("tr.api-key-row", new() { HasText = "keys-analyst@example.test" });
        await Assertions.Expect(adminRow).ToHaveCountAsync(1);
        await adminRow.Locator("button.api-key-revoke").ClickAsync();
        await Assertions.Expect(adminRow).ToHaveAttributeAsync("data-state", "revoked");

        using var refused = await script.GetAsync("api/threads");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("revoked", await refused.Content.ReadAsStringAsync());
    }

    private async Task<IPage> RegisterAsync(string email)
    {
        var page = await BrowserPages.NewPageAsync(_browser, _address, output, 1400, 900, email);
        await page.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(page, email, Password);
        // Any account but the first is registered and then signs in.
        if (await ChatBrowserFixture.RegisteredWithoutSignInAsync(page))
            await BrowserPages.SubmitSignInAsync(page, email, Password);
        await Assertions.Expect(page.Locator(".app-user-name")).ToHaveTextAsync(email);
        await BrowserPages.WaitForCircuitAsync(page);
        return page;
    }
}
