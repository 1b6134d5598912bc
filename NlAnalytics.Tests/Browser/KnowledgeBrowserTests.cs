using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>The Knowledge dialog of the Sources page: an Admin adds a glossary term, and a question using it is answered.</summary>
[Collection(BrowserCollection.Name)]
public sealed class KnowledgeBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminEmail = "knowledge-admin@example.test";
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
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task An_Admin_adds_a_glossary_term_in_the_Knowledge_dialog_and_a_question_using_it_is_answered()
    {
        var page = await BrowserPages.NewPageAsync(_browser, _address, output, 1400, 1000);
        await page.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(page, AdminEmail, Password);
        await Assertions.Expect(page.Locator(".app-user-name")).ToHaveTextAsync(AdminEmail);

        // Before: the word means nothing to the offline analyst.
        Assert.Equal("Declined", await AskAsync(page, "Total takings"));

        await page.GotoAsync("admin/sources");
        await BrowserPages.WaitForCircuitAsync(page);
        await page.Locator("tr.source-row[data-name=demo] button.source-knowledge").ClickAsync();
        var dialog = page.Locator(".knowledge-dialog");
        await Assertions.Expect(dialog.Locator(".knowledge-glossary .knowledge-empty")).ToBeVisibleAsync();
        await dialog.Locator("button.knowledge-add").ClickAsync();
        await FillAsync(page, "knowledge-term", "takings");
        await FillAsync(page, "knowledge-synonyms", "till receipts, CA");
        await dialog.Locator(".knowledge-kind").GetByText("Expression").ClickAsync();
        await FillAsync(page, "knowledge-table", "sales.order_lines");
        await FillAsync(page, "knowledge-meaning", "SUM(net_amount)");
        await FillAsync(page, "knowledge-description", "What the tills took, before returns.");
        await dialog.Locator("button.knowledge-save-term").ClickAsync();
        var row = dialog.Locator("tr.knowledge-term[data-term=takings]");
        await Assertions.Expect(row).ToContainTextAsync("till receipts, CA");
        await Assertions.Expect(row).ToContainTextAsync("SUM(net_amount) over sales.order_lines");
        await Assertions.Expect(row.Locator(".knowledge-term-version")).ToContainTextAsync($"1 · {AdminEmail}");

        await FillAsync(page, "knowledge-instructions", "Amounts are in CHF, VAT included.");
        await dialog.Locator("button.knowledge-save-instructions").ClickAsync();
        await Assertions.Expect(dialog.Locator(".knowledge-version")).ToContainTextAsync($"version 1 · {AdminEmail}");
        await dialog.Locator(".knowledge-history .mud-expand-panel-header").ClickAsync();
        await Assertions.Expect(dialog.Locator(".knowledge-change")).ToHaveCountAsync(2);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "knowledge.png") });
        await dialog.Locator("button.knowledge-close").ClickAsync();

        // After: the same question is answered with the term's meaning.
        var answer = await AskAsync(page, "Total takings");
        Assert.Equal("Succeeded", answer);
        var sql = (string)(await Sql.ScalarAsync(_factory.AppConnectionString, "SELECT \"Sql\" FROM messages WHERE \"Question\" = 'Total takings' AND \"Status\" = 'Succeeded'"))!;
        Assert.Contains("net_amount", sql);
        // The figure it answered is the one hand-written SQL gives.
        Assert.Equal(await Sql.ScalarAsync(_factory.DemoConnectionString, "SELECT SUM(net_amount) FROM sales.order_lines"), await Sql.ScalarAsync(_factory.DemoConnectionString, sql));
    }

    /// <summary>Asks in a new thread on the demo and returns the answer's status.</summary>
    private static async Task<string?> AskAsync(IPage page, string question)
    {
        await page.GotoAsync("chat");
        await BrowserPages.WaitForCircuitAsync(page);
        await page.FillAsync(ChatBrowserFixture.ComposerSelector, question);
        await page.PressAsync(ChatBrowserFixture.ComposerSelector, "Enter");
        var answer = page.Locator("article.message").Last;
        await answer.Locator(".answer-footer").WaitForAsync(new() { Timeout = 120_000 });
        return await answer.GetAttributeAsync("data-status");
    }

    private static async Task FillAsync(IPage page, string testId, string value)
    {
        var input = page.Locator($"[data-testid={testId}]");
        await input.FillAsync(value);
        await input.BlurAsync();
    }
}
