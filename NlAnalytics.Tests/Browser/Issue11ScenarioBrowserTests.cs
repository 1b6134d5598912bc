using System.Text;
using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// Issue 11's "done when", in Chromium: a new Admin connects a second PostgreSQL database from the browser, grants it to one
/// analyst only, adds a glossary term and a document; that analyst uploads a CSV and asks about both (offline about the CSV
/// and the term, with the scripted model about the document). Screenshots docs/screenshots/issue11-*.png.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class Issue11ScenarioBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminEmail = "scenario-admin@example.test";
    private const string AnalystEmail = "scenario-analyst@example.test";
    private const string OtherEmail = "scenario-other@example.test";
    private const string Password = "a long enough passphrase";

    private ScriptedOpenAiServer _llm = null!;
    private ShopDatabase _shop = null!;
    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _shop = await ShopDatabase.CreateAsync();
        _llm = await ScriptedOpenAiServer.StartAsync();
        _llm.WhenSystemPromptContains("You are the SQL writer",
            ScriptStep.Reply("```sql\nSELECT id, ordered_on, amount FROM shop.orders WHERE ordered_on >= DATE '2026-02-01' ORDER BY id\n```\nInterpretation: Orders placed in the 30 days before the last one.\nChart: table"));
        _llm.WhenSystemPromptContains("You are the narrator", ScriptStep.Reply("Two orders are still within the 30-day refund window."));
        var settings = _llm.LlmSettings();
        settings["Analyst:Mode"] = "Offline";
        settings["Analyst:LlmReview"] = "false";
        settings["Demo:Seed"] = "4242";
        settings["Demo:Scale"] = "0.002";
        settings["Demo:EndDate"] = "2025-06-30";
        settings["Demo:ReaderRole"] = $"nla_reader_issue11_{Guid.NewGuid():N}"[..30];
        _factory = await NlAnalyticsWebFactory.CreateAsync(settings);
        _address = _factory.StartKestrel();
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
        await _llm.DisposeAsync();
        await _shop.DisposeAsync();
    }

    [Fact]
    public async Task A_new_Admin_connects_grants_and_teaches_a_database_and_the_one_granted_analyst_uploads_a_CSV_and_asks_about_both()
    {
        var admin = await NewPageAsync();
        await admin.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(admin, AdminEmail, Password);
        await Assertions.Expect(admin.Locator(".app-user-name")).ToHaveTextAsync(AdminEmail);
        var analyst = await RegisterAsync(AnalystEmail);
        var other = await RegisterAsync(OtherEmail);

        // 1. The second database, from the browser, as its read-only role.
        await admin.GotoAsync("admin/sources");
        await BrowserPages.WaitForCircuitAsync(admin);
        await admin.ClickAsync("button.source-add");
        await FillAsync(admin, "source-name", "shop");
        await FillAsync(admin, "source-display-name", "Shop orders");
        await FillAsync(admin, "source-query-connection", _shop.ReaderConnectionString);
        await FillAsync(admin, "source-schemas", "shop");
        await admin.ClickAsync("button.source-save");
        var row = admin.Locator("tr.source-row[data-name=shop]");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-origin", "Stored", new() { Timeout = 60_000 });

        // 2. Granted to one analyst only.
        await row.Locator("button.source-access").ClickAsync();
        var access = admin.Locator(".access-dialog");
        await access.Locator($"[data-testid='grant-user-{AnalystEmail}']").CheckAsync();
        await access.Locator("button.access-save").ClickAsync();
        await Assertions.Expect(admin.Locator(".mud-snackbar", new() { HasText = "granted to" })).ToContainTextAsync("granted to 1 user(s)");

        // 3. A glossary term and a document.
        await row.Locator("button.source-knowledge").ClickAsync();
        var knowledge = admin.Locator(".knowledge-dialog");
        await knowledge.Locator("button.knowledge-add").ClickAsync();
        await FillAsync(admin, "knowledge-term", "takings");
        await FillAsync(admin, "knowledge-synonyms", "till receipts");
        await knowledge.Locator(".knowledge-kind").GetByText("Expression").ClickAsync();
        await FillAsync(admin, "knowledge-table", "shop.orders");
        await FillAsync(admin, "knowledge-meaning", "SUM(amount)");
        await knowledge.Locator("button.knowledge-save-term").ClickAsync();
        await Assertions.Expect(knowledge.Locator("tr.knowledge-term[data-term=takings]")).ToContainTextAsync("SUM(amount) over shop.orders");
        await admin.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("issue11-1-glossary.png") });
        await knowledge.GetByRole(AriaRole.Tab, new() { Name = "Documents (0)" }).ClickAsync();
        await knowledge.Locator("input.knowledge-document-input:not(.d-none)").SetInputFilesAsync(new FilePayload
        {
            Name = "refund-policy.md", MimeType = "text/markdown",
            Buffer = Encoding.UTF8.GetBytes("# Shop policies\n\n## Refunds\n\nA customer may return an order within 30 days of the order date for a full refund.\n\n## Deliveries\n\nParcels leave the warehouse on weekdays at four."),
        });
        await Assertions.Expect(knowledge.Locator("tr.knowledge-document[data-document='refund-policy.md'] .knowledge-document-passages")).ToHaveTextAsync("2", new() { Timeout = 60_000 });
        await admin.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("issue11-2-document.png") });
        await knowledge.Locator("button.knowledge-close").ClickAsync();
        await Assertions.Expect(knowledge).ToBeHiddenAsync();
        await admin.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("issue11-0-sources.png") });

        // The other analyst has no such option.
        await other.GotoAsync("chat");
        await BrowserPages.WaitForCircuitAsync(other);
        // The page offers a choice of source only when there are several: the demo is all this one may query.
        await Assertions.Expect(other.Locator(".chat-empty")).ToBeVisibleAsync();
        Assert.Equal(0, await other.Locator(".source-select").CountAsync());
        Assert.DoesNotContain("Shop orders", await other.ContentAsync());

        // 4. The granted analyst uploads a CSV and asks about it offline.
        var upload = await UploadsBrowserTests.UploadUnilAsync(analyst, "fbm-etudiants.csv");
        await upload.Locator(".upload-ask").ClickAsync();
        await analyst.WaitForURLAsync("**/chat?source=upload-*");
        await BrowserPages.WaitForCircuitAsync(analyst);
        await Assertions.Expect(analyst.Locator(".thread-source")).ToContainTextAsync("fbm-etudiants", new() { Timeout = 60_000 });
        var women = await AskAsync(analyst, "how many women in 2015?");
        await Assertions.Expect(women.Locator(".result-grid tbody tr").First).ToContainTextAsync("1,735");
        await analyst.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("issue11-3-csv-answer.png") });

        // 5. ... and about the database: the glossary term offline, the document with the model.
        await analyst.GotoAsync("chat");
        await BrowserPages.WaitForCircuitAsync(analyst);
        await analyst.Locator(".source-select").ClickAsync();
        await analyst.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Shop orders" }).ClickAsync();
        await Assertions.Expect(analyst.Locator(".source-select input")).ToHaveValueAsync("shop", new() { Timeout = 60_000 });
        var takings = await AskAsync(analyst, "Total takings");
        // 10.50 + 20.00 + 7.25, the orders' amounts.
        await Assertions.Expect(takings.Locator(".result-grid tbody tr").First).ToContainTextAsync("37.75");
        await analyst.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("issue11-4-glossary-answer.png") });
        // A thread of its own: in this one it would be a follow-up, which the model first rewrites.
        await analyst.GotoAsync("chat");
        await BrowserPages.WaitForCircuitAsync(analyst);
        await analyst.Locator(".source-select").ClickAsync();
        await analyst.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Shop orders" }).ClickAsync();
        await Assertions.Expect(analyst.Locator(".source-select input")).ToHaveValueAsync("shop", new() { Timeout = 60_000 });
        await ChatBrowserTests.ChooseModeAsync(analyst, "Language model");
        var refunds = await AskAsync(analyst, "Which orders can a customer still return for a refund?");
        await refunds.GetByRole(AriaRole.Tab, new() { Name = "Sources used (1)" }).ClickAsync();
        await Assertions.Expect(refunds.Locator(".answer-source-name")).ToContainTextAsync("refund-policy.md / Refunds");
        await Assertions.Expect(refunds.Locator(".answer-source-text")).ToContainTextAsync("within 30 days of the order date");
        await analyst.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("issue11-5-document-answer.png") });
        var writer = Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains("You are the SQL writer"));
        Assert.Contains("takings (also: till receipts): SUM(amount) over shop.orders", writer.SystemPrompt);
        Assert.DoesNotContain("Parcels leave", writer.SystemPrompt);
    }

    /// <summary>Asks in the open thread and returns the answer once it finished successfully.</summary>
    private static async Task<ILocator> AskAsync(IPage page, string question)
    {
        var before = await page.Locator("article.message").CountAsync();
        await page.FillAsync(ChatBrowserFixture.ComposerSelector, question);
        await page.PressAsync(ChatBrowserFixture.ComposerSelector, "Enter");
        var answer = page.Locator("article.message").Nth(before);
        await answer.Locator(".answer-footer").WaitForAsync(new() { Timeout = 120_000 });
        Assert.Equal("Succeeded", await answer.GetAttributeAsync("data-status"));
        return answer;
    }

    private async Task<IPage> RegisterAsync(string email)
    {
        var page = await NewPageAsync();
        await page.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(page, email, Password);
        await page.Locator("#registered-note").WaitForAsync();
        await BrowserPages.SubmitSignInAsync(page, email, Password);
        await Assertions.Expect(page.Locator(".app-user-name")).ToHaveTextAsync(email);
        return page;
    }

    private static async Task FillAsync(IPage page, string testId, string value)
    {
        var input = page.Locator($"[data-testid={testId}]");
        await input.FillAsync(value);
        await input.BlurAsync();
    }

    private static string Screenshot(string name) => Path.Combine(ChatBrowserTests.ScreenshotFolder, name);

    private Task<IPage> NewPageAsync() => BrowserPages.NewPageAsync(_browser, _address, output, 1400, 1000);
}
