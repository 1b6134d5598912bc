using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// The chat page's book button opens what the analyst knows about the thread's source: read-only for an analyst, until
/// an Admin lets analysts edit it; then the analyst's change is saved under their name.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class KnowledgeForAnalystsBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminEmail = "knowledge-owner@example.test";
    private const string AnalystEmail = "knowledge-analyst@example.test";
    private const string Password = "a long enough passphrase";

    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?> { ["Analyst:Mode"] = "Offline", ["Auth:Registration"] = "Open" });
        _address = _factory.StartKestrel();
        (_playwright, _browser) = await Chromium.LaunchAsync();
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task An_analyst_reads_the_sources_knowledge_from_the_chat_and_edits_it_once_an_Admin_allows_it()
    {
        var admin = await BrowserPages.NewPageAsync(_browser, _address, output, 1400, 1000);
        await admin.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(admin, AdminEmail, Password);
        await Assertions.Expect(admin.Locator(".app-user-name")).ToHaveTextAsync(AdminEmail);
        var analyst = await BrowserPages.NewPageAsync(_browser, _address, output, 1400, 1000);
        await analyst.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(analyst, AnalystEmail, Password);
        await analyst.Locator("#registered-note").WaitForAsync();
        await BrowserPages.SubmitSignInAsync(analyst, AnalystEmail, Password);
        await Assertions.Expect(analyst.Locator(".app-user-name")).ToHaveTextAsync(AnalystEmail);

        // The Admin writes an instruction.
        var dialog = await OpenFromChatAsync(admin);
        await FillAsync(admin, "knowledge-instructions", "Amounts are in CHF.");
        await dialog.Locator("button.knowledge-save-instructions").ClickAsync();
        await Assertions.Expect(dialog.Locator(".knowledge-version")).ToContainTextAsync(AdminEmail);
        await dialog.Locator("button.knowledge-close").ClickAsync();

        // The analyst reads it, and cannot change it.
        dialog = await OpenFromChatAsync(analyst);
        await Assertions.Expect(dialog.Locator("[data-testid=knowledge-instructions]")).ToHaveValueAsync("Amounts are in CHF.");
        await Assertions.Expect(dialog.Locator("[data-testid=knowledge-instructions]")).ToBeDisabledAsync();
        await Assertions.Expect(dialog.Locator("button.knowledge-save-instructions")).ToHaveCountAsync(0);
        await Assertions.Expect(dialog.Locator("button.knowledge-add")).ToHaveCountAsync(0);
        await Assertions.Expect(dialog.Locator("[data-testid=knowledge-analysts-may-edit]")).ToHaveCountAsync(0);
        await dialog.Locator("button.knowledge-close").ClickAsync();

        // The Admin lets analysts edit.
        dialog = await OpenFromChatAsync(admin);
        await dialog.Locator("input[data-testid=knowledge-analysts-may-edit], [data-testid=knowledge-analysts-may-edit] input").First.CheckAsync();
        await dialog.Locator("button.knowledge-save-instructions").ClickAsync();
        await Assertions.Expect(dialog.Locator("input[data-testid=knowledge-analysts-may-edit], [data-testid=knowledge-analysts-may-edit] input").First).ToBeCheckedAsync();
        await dialog.Locator("button.knowledge-close").ClickAsync();

        // Now the analyst's change is saved under their name (still without the Admin's setting).
        dialog = await OpenFromChatAsync(analyst);
        await Assertions.Expect(dialog.Locator("[data-testid=knowledge-analysts-may-edit]")).ToHaveCountAsync(0);
        await FillAsync(analyst, "knowledge-instructions", "Amounts are in CHF, VAT included.");
        await dialog.Locator("button.knowledge-save-instructions").ClickAsync();
        await Assertions.Expect(dialog.Locator(".knowledge-version")).ToContainTextAsync(AnalystEmail);
        Assert.Equal("Amounts are in CHF, VAT included.",
            await Sql.ScalarAsync(_factory.AppConnectionString, "SELECT \"Instructions\" FROM source_knowledge WHERE \"DataSource\" = 'demo'"));
    }

    private static async Task<ILocator> OpenFromChatAsync(IPage page)
    {
        await page.GotoAsync("chat");
        await BrowserPages.WaitForCircuitAsync(page);
        await page.Locator("button.source-knowledge").ClickAsync();
        var dialog = page.Locator(".knowledge-dialog");
        await Assertions.Expect(dialog.Locator("[data-testid=knowledge-instructions]")).ToBeVisibleAsync();
        return dialog;
    }

    private static async Task FillAsync(IPage page, string testId, string value)
    {
        var input = page.Locator($"[data-testid={testId}]");
        await input.FillAsync(value);
        await input.BlurAsync();
    }
}
