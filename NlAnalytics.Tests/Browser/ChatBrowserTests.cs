using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Core.Offline;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>The chat workspace as an analyst uses it, in Chromium against the real app on Kestrel.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatBrowserTests(ChatBrowserFixture app, ITestOutputHelper output) : IClassFixture<ChatBrowserFixture>
{
    private const string Composer = ChatBrowserFixture.ComposerSelector;

    [Fact]
    public async Task An_analyst_asks_follows_up_renames_archives_and_finds_everything_after_a_reload()
    {
        var page = await app.SignedInPageAsync(output.WriteLine);
        // "/" opens the user's latest thread (other tests make some); "chat" is a new one.
        await page.GotoAsync("chat");

        // Ask: the question is saved, progress shows, then SQL, grid and a plotly chart.
        var timing = await AskAsync(page, "What were total sales by month last year?");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Offline answer: Send -> first progress {timing.FirstProgressMs:0} ms, Send -> finished answer {timing.FinishedMs:0} ms"));
        var first = page.Locator("article.message").Nth(0);
        Directory.CreateDirectory(ScreenshotFolder);
        try
        {
            Assert.Equal("Succeeded", await first.GetAttributeAsync("data-status"));
            await first.Locator(".chart-surface svg.main-svg").First.WaitForAsync();
        }
        finally
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "answer.png") });
        }
        Assert.True(await first.Locator(".result-grid tbody tr").CountAsync() > 0, "the grid shows rows");
        Assert.Contains("0 - answered offline", await first.Locator(".cost-badge").InnerTextAsync());
        await first.GetByRole(AriaRole.Tab, new() { Name = "SQL" }).ClickAsync();
        var sql = await SqlTextAsync(first);
        Assert.Contains("SELECT", sql, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\n", sql);

        await first.GetByRole(AriaRole.Tab, new() { Name = "Table" }).First.ClickAsync();

        // CSV of the whole result, made on the server and saved by the browser.
        var download = await page.RunAndWaitForDownloadAsync(() => first.Locator("button.result-csv").ClickAsync());
        var csv = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.Equal("what-were-total-sales-by-month-last-year.csv", download.SuggestedFilename);
        Assert.StartsWith("month,", csv.TrimStart('\uFEFF'));
        Assert.True(csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 2, "the CSV has the header and the rows");

        // The cost badge opens the transcript: an offline answer called no model.
        await first.Locator("button.cost-badge").ClickAsync();
        await page.Locator(".mud-dialog .transcript-note", new() { HasText = "No language model was called" }).WaitForAsync();
        await page.Locator(".mud-dialog button.transcript-close").ClickAsync();
        await page.Locator(".mud-dialog").WaitForAsync(new() { State = WaitForSelectorState.Detached });

        // Mark as correct: the message is verified and the pair goes to the verified-query memory the offline analyst reuses.
        await first.Locator("button.verify-toggle").ClickAsync();
        await first.Locator("button.verify-toggle.verified").WaitForAsync();
        var verified = await app.Factory.Services.GetRequiredService<VerifiedQueryStore>().ListAsync("demo", CancellationToken.None);
        Assert.Contains(verified, v => v.Question == "What were total sales by month last year?" && v.Sql.Contains("SELECT", StringComparison.OrdinalIgnoreCase));

        // Edit the SQL and run it: a new message answered by the analyst's own SQL, through the same checks.
        await first.GetByRole(AriaRole.Tab, new() { Name = "SQL" }).ClickAsync();
        var original = await SqlTextAsync(first);
        var edited = original.Contains("ORDER BY", StringComparison.OrdinalIgnoreCase)
            ? original.Replace("ORDER BY", "ORDER BY 2 DESC,", StringComparison.OrdinalIgnoreCase)
            : original.TrimEnd().TrimEnd(';') + "\nORDER BY 2 DESC";
        await EditSqlAsync(page, first, edited);
        await first.Locator("button.sql-run").ClickAsync();
        var manual = page.Locator("article.message").Nth(1);
        await manual.Locator(".answer-footer").WaitForAsync();
        if (await manual.GetAttributeAsync("data-status") != "Succeeded")
            output.WriteLine("edited SQL:\n" + edited + "\nanswer: " + await manual.InnerTextAsync());
        // Under the question it answers, not a new question for the analyst.
        Assert.Equal("What were total sales by month last year?", (await manual.Locator(".question-bubble").InnerTextAsync()).Trim());
        Assert.Contains("Your SQL", await manual.Locator(".answer-path").InnerTextAsync());
        Assert.Equal("Succeeded", await manual.GetAttributeAsync("data-status"));

        // A follow-up in the same thread (one the calibrated offline writer answers: "only for the top 5 stores" it declines as unsure).
        await AskAsync(page, "only online orders");
        Assert.Equal(3, await page.Locator("article.message").CountAsync());
        var followUp = page.Locator("article.message").Nth(2);
        Assert.Equal("Succeeded", await followUp.GetAttributeAsync("data-status"));
        var threadUrl = page.Url;
        Assert.Contains("/chat/", threadUrl);

        // Rename and archive from the sidebar.
        // The actions show while the pointer is on the thread.
        var item = page.Locator(".thread-item.selected");
        await item.HoverAsync();
        await item.Locator(".thread-rename-button").ClickAsync();
        await page.FillAsync("[data-testid=thread-rename]", "Monthly sales review");
        await page.PressAsync("[data-testid=thread-rename]", "Enter");
        await page.Locator("h1.thread-heading", new() { HasText = "Monthly sales review" }).WaitForAsync();
        await page.Locator(".thread-item.selected").HoverAsync();
        await page.Locator(".thread-item.selected .thread-archive-button").ClickAsync();
        await page.Locator(".thread-archived-flag").WaitForAsync();
        await page.Locator(".thread-item", new() { HasText = "Monthly sales review" }).WaitForAsync(new() { State = WaitForSelectorState.Detached });

        // Reload: the same thread, both answers, the chart and the SQL, straight from the database.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync(Composer);
        Assert.Equal(threadUrl, page.Url);
        await page.Locator("h1.thread-heading", new() { HasText = "Monthly sales review" }).WaitForAsync();
        Assert.Equal(3, await page.Locator("article.message").CountAsync());
        await page.Locator("article.message").Nth(0).Locator(".chart-surface svg.main-svg").First.WaitForAsync();
        Assert.Contains("What were total sales by month last year?", await page.Locator("article.message").Nth(0).Locator(".question-bubble").InnerTextAsync());

        // Archived threads are hidden until the toggle shows them; search finds the thread by message text.
        Assert.Equal(0, await page.Locator(".thread-item", new() { HasText = "Monthly sales review" }).CountAsync());
        await page.Locator(".threads-archived").ClickAsync();
        await page.Locator(".thread-item.archived", new() { HasText = "Monthly sales review" }).WaitForAsync();
        await page.FillAsync("[data-testid=thread-search]", "only online orders");
        await page.Locator(".thread-item", new() { HasText = "Monthly sales review" }).WaitForAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Sending_the_same_question_twice_quickly_stores_it_once()
    {
        var page = await app.SignedInPageAsync(output.WriteLine);
        await page.GotoAsync("chat");
        await page.WaitForSelectorAsync(Composer);
        await page.FillAsync(Composer, "How many customers are there?");
        // Two Enters and a click before the first answer is back: one question, one answer.
        await page.PressAsync(Composer, "Enter");
        await page.PressAsync(Composer, "Enter");
        await page.Locator("article.message .answer-footer").First.WaitForAsync();
        await page.ReloadAsync();
        await page.WaitForSelectorAsync(Composer);
        await page.Locator("article.message .answer-footer").First.WaitForAsync();

        Assert.Equal(1, await page.Locator("article.message").CountAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Stop_cancels_a_slow_model_answer_and_keeps_the_question_for_retry()
    {
        var page = await app.SignedInPageAsync(output.WriteLine);
        await page.GotoAsync("chat");
        await page.WaitForSelectorAsync(Composer);
        await ChooseModeAsync(page, "Language model");

        await page.FillAsync(Composer, "Which carriers deliver late most often?");
        await page.PressAsync(Composer, "Enter");
        await page.Locator(".progress-step.step-current[data-step=WritingSql]").WaitForAsync();
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "progress.png") });
        await page.Locator("button.answer-stop").ClickAsync();

        var message = page.Locator("article.message").First;
        await page.Locator("article.message[data-status=Cancelled]").WaitForAsync();
        Assert.Contains("Stopped", await message.Locator(".answer-error").InnerTextAsync());
        Assert.True(await message.Locator("button.answer-retry").IsEnabledAsync());
        var messageId = Guid.Parse((await message.GetAttributeAsync("data-message-id"))!);
        Assert.Equal(MessageStatus.Cancelled, await StatusOfAsync(app.Factory, messageId));
        Assert.Contains(app.Llm.Requests, r => r.SystemPrompt.Contains("You are the SQL writer", StringComparison.Ordinal));

        // After a reload the stopped question is still there, with its Retry.
        await page.ReloadAsync();
        await page.Locator("article.message[data-status=Cancelled] button.answer-retry").WaitForAsync();
        await page.Context.CloseAsync();
    }

    /// <summary>Opens the SQL of an answer for editing and replaces its text the way a user would: select all, paste.</summary>
    internal static async Task EditSqlAsync(IPage page, ILocator message, string sql)
    {
        await message.Locator("button.sql-edit").ClickAsync();
        var content = message.Locator(".sql-panel[data-editing=true] .cm-content[contenteditable=true]");
        await content.WaitForAsync();
        // On a busy machine the focus can land after the key press: select and paste again until the editor holds exactly the new text.
        for (var attempt = 0; attempt < 5 && Lines(string.Join('\n', await message.Locator(".sql-editor .cm-line").AllTextContentsAsync())) != Lines(sql); attempt++)
        {
            await content.ClickAsync();
            await content.FocusAsync();
            await page.Keyboard.PressAsync("Control+a");
            // A paste event carries line breaks intact (typed text would go through completion and auto-indent).
            await content.EvaluateAsync("""
                (element, text) => {
                    const data = new DataTransfer();
                    data.setData('text/plain', text);
                    element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
                }
                """, sql);
        }
        Assert.Equal(Lines(sql), Lines(string.Join('\n', await message.Locator(".sql-editor .cm-line").AllTextContentsAsync())));
    }

    /// <summary>
    /// The SQL in an answer's editor, line by line. Read from the editor's lines once they are visible: the text of a
    /// hidden element (a tab still opening) has no line breaks.
    /// </summary>
    internal static async Task<string> SqlTextAsync(ILocator message)
    {
        var lines = message.Locator(".sql-editor .cm-line");
        await lines.First.WaitForAsync(new() { State = WaitForSelectorState.Visible });
        return string.Join('\n', await lines.AllTextContentsAsync());
    }

    private static string Lines(string text) => string.Join('\n', text.ReplaceLineEndings("\n").Trim().Split('\n').Select(l => l.TrimEnd()));

    /// <summary>Picks how questions are answered in the composer's mode menu.</summary>
    internal static async Task ChooseModeAsync(IPage page, string mode)
    {
        await page.Locator(".mode-select").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = mode }).ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").First.WaitForAsync(new() { State = WaitForSelectorState.Hidden });
    }

    internal static string ScreenshotFolder
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "NlAnalytics.sln")))
                directory = directory.Parent;
            return Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
        }
    }

    private static async Task<MessageStatus> StatusOfAsync(NlAnalyticsWebFactory factory, Guid messageId)
    {
        var contexts = factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var context = await contexts.CreateDbContextAsync();
        return await context.Messages.Where(m => m.Id == messageId).Select(m => m.Status).SingleAsync();
    }

    /// <summary>Types a question, presses Enter and waits for the finished answer; times are measured in the page.</summary>
    private static async Task<(double FirstProgressMs, double FinishedMs)> AskAsync(IPage page, string question)
    {
        await page.WaitForSelectorAsync(Composer);
        var before = await page.Locator("article.message").CountAsync();
        await page.FillAsync(Composer, question);
        // A MutationObserver records when the first progress and the finished answer appear, relative to the Enter key.
        await page.EvaluateAsync("""
            (before) => {
                const t = window.__chatTiming = { sent: 0, progress: 0, done: 0 };
                document.querySelector('.composer textarea').addEventListener('keydown', e => { if (e.key === 'Enter' && !t.sent) t.sent = performance.now(); }, { capture: true, once: true });
                const check = () => {
                    const messages = document.querySelectorAll('article.message');
                    const last = messages.length > before ? messages[messages.length - 1] : null;
                    if (!last) return;
                    if (!t.progress && (last.querySelector('.answer-progress') || last.querySelector('.answer-footer'))) t.progress = performance.now();
                    if (!t.done && last.querySelector('.answer-footer')) { t.done = performance.now(); observer.disconnect(); }
                };
                const observer = new MutationObserver(check);
                observer.observe(document.body, { childList: true, subtree: true, attributes: true });
            }
            """, before);
        await page.PressAsync(Composer, "Enter");
        await page.Locator("article.message .answer-footer").Nth(before).WaitForAsync(new() { Timeout = 120_000 });
        var timing = await page.EvaluateAsync<JsonElement>("() => window.__chatTiming");
        var sent = timing.GetProperty("sent").GetDouble();
        return (timing.GetProperty("progress").GetDouble() - sent, timing.GetProperty("done").GetDouble() - sent);
    }
}

/// <summary>Browser tests start apps and Chromium: they run one class at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection
{
    public const string Name = "Browser";
}
