using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// The Documents tab of the Knowledge dialog: an Admin uploads a Markdown document (and an empty one, refused), asks with the
/// scripted model, and the answer card lists the passage under "Sources used".
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DocumentsBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminEmail = "documents-admin@example.test";
    private const string Password = "a long enough passphrase";

    private ScriptedOpenAiServer _llm = null!;
    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        _llm.WhenSystemPromptContains("You are the SQL writer",
            ScriptStep.Reply("```sql\nSELECT count(*) AS order_lines FROM sales.order_lines\n```\nInterpretation: Order lines that may be returned.\nChart: kpi"));
        _llm.WhenSystemPromptContains("You are the narrator", ScriptStep.Reply("Every order line can be returned within 30 days."));
        var settings = _llm.LlmSettings();
        settings["Analyst:Mode"] = "Llm";
        settings["Analyst:LlmReview"] = "false";
        settings["Demo:Seed"] = "4242";
        settings["Demo:Scale"] = "0.002";
        settings["Demo:EndDate"] = "2025-06-30";
        settings["Demo:ReaderRole"] = $"nla_reader_docsui_{Guid.NewGuid():N}"[..30];
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
    }

    [Fact]
    public async Task An_Admin_uploads_a_document_in_the_Knowledge_dialog_and_the_answer_lists_its_passage_under_sources_used()
    {
        var page = await BrowserPages.NewPageAsync(_browser, _address, output, 1400, 1000);
        await page.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(page, AdminEmail, Password);
        await Assertions.Expect(page.Locator(".app-user-name")).ToHaveTextAsync(AdminEmail);

        await page.GotoAsync("admin/sources");
        await BrowserPages.WaitForCircuitAsync(page);
        await page.Locator("tr.source-row[data-name=demo] button.source-knowledge").ClickAsync();
        var dialog = page.Locator(".knowledge-dialog");
        await dialog.GetByRole(AriaRole.Tab, new() { Name = "Documents (0)" }).ClickAsync();
        // MudFileUpload keeps a used input hidden and adds a fresh one for the next file.
        var input = dialog.Locator("input.knowledge-document-input:not(.d-none)");
        await input.SetInputFilesAsync(new FilePayload { Name = "empty.md", MimeType = "text/markdown", Buffer = [] });
        await Assertions.Expect(dialog.Locator(".knowledge-message")).ToContainTextAsync("'empty.md' is empty.");
        await input.SetInputFilesAsync(new FilePayload
        {
            Name = "returns-policy.md", MimeType = "text/markdown",
            Buffer = System.Text.Encoding.UTF8.GetBytes("# Returns\n\n## Refunds\n\nA customer may return an order line within 30 days of the order date for a full refund.\n\n## Office plants\n\nThe ficus in the lobby is watered every Tuesday."),
        });
        var row = dialog.Locator("tr.knowledge-document[data-document='returns-policy.md']");
        await Assertions.Expect(row.Locator(".knowledge-document-passages")).ToHaveTextAsync("2", new() { Timeout = 60_000 });
        await Assertions.Expect(dialog.GetByRole(AriaRole.Tab, new() { Name = "Documents (1)" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "knowledge-documents.png") });
        await dialog.Locator("button.knowledge-close").ClickAsync();

        await page.GotoAsync("chat");
        await BrowserPages.WaitForCircuitAsync(page);
        await page.FillAsync(ChatBrowserFixture.ComposerSelector, "How long can a customer return an order line for a refund?");
        await page.PressAsync(ChatBrowserFixture.ComposerSelector, "Enter");
        var answer = page.Locator("article.message").Last;
        await answer.Locator(".answer-footer").WaitForAsync(new() { Timeout = 120_000 });
        Assert.Equal("Succeeded", await answer.GetAttributeAsync("data-status"));
        await answer.GetByRole(AriaRole.Tab, new() { Name = "Sources used (1)" }).ClickAsync();
        var source = answer.Locator(".answer-source");
        await Assertions.Expect(source.Locator(".answer-source-name")).ToContainTextAsync("returns-policy.md / Refunds");
        await Assertions.Expect(source.Locator(".answer-source-text")).ToHaveTextAsync("A customer may return an order line within 30 days of the order date for a full refund.");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "sources-used.png") });
        Assert.Contains("within 30 days", Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains("You are the SQL writer")).SystemPrompt);
    }
}
