using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// A new user's first ten minutes in Chromium: register, ask, follow up, switch the chart, edit the SQL, reload,
/// dark theme, phone width. Each step leaves a screenshot in artifacts/screenshots/ for a person to look at.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FirstTenMinutesBrowserTests(ChatBrowserFixture app, ITestOutputHelper output) : IClassFixture<ChatBrowserFixture>
{
    private const string Composer = ChatBrowserFixture.ComposerSelector;

    [Fact]
    public async Task A_new_user_registers_asks_follows_up_charts_edits_sql_reloads_goes_dark_and_uses_a_phone()
    {
        var folder = ChatBrowserTests.ScreenshotFolder;
        Directory.CreateDirectory(folder);
        var email = $"new-{Guid.NewGuid():N}"[..16] + "@example.test";
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => output.WriteLine("page error: " + error);
        async Task Shot(string name) => await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name) });

        // Register.
        await page.GotoAsync("account/register");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", ChatBrowserFixture.Password);
        await page.FillAsync("#confirm-password", ChatBrowserFixture.Password);
        await Shot("01-register.png");
        await page.ClickAsync("button[type=submit]");
        // Registering leads to the sign-in form (the same answer for a taken address); then sign in.
        await page.Locator("#registered-note").WaitForAsync();
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", ChatBrowserFixture.Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync(Composer);
        await Assertions.Expect(page.Locator(".example-chip").First).ToBeVisibleAsync();

        // Ask a question that splits by a second category: the chart shows one bar series per part.
        await AskAsync(page, "Number of students by faculty and sex in 2021");
        var first = page.Locator("article.message").Nth(0);
        Assert.Equal("Succeeded", await first.GetAttributeAsync("data-status"));
        await first.Locator(".chart-surface svg.main-svg").First.WaitForAsync();
        Assert.Equal("Bar", await first.Locator(".chart-panel").GetAttributeAsync("data-kind"));
        Assert.True(await first.Locator(".chart-surface .legend .traces").CountAsync() >= 2, "the split by sex has a legend entry per part");
        Assert.True(await first.Locator(".interpretation").IsVisibleAsync());
        await Shot("02-answer.png");

        // Follow up.
        await AskAsync(page, "and in 2020?");
        var followUp = page.Locator("article.message").Nth(1);
        Assert.Equal("Succeeded", await followUp.GetAttributeAsync("data-status"));
        await followUp.Locator(".chart-surface svg.main-svg").First.WaitForAsync();
        await Shot("03-follow-up.png");

        // Switch the chart: stacked bars, then a line.
        await first.ScrollIntoViewIfNeededAsync();
        await first.Locator("button.chart-bars-toggle").ClickAsync();
        await first.Locator("button.chart-kind-line").ClickAsync();
        await Assertions.Expect(first.Locator(".chart-panel")).ToHaveAttributeAsync("data-kind", "Line");
        await first.Locator(".chart-surface.chart-line svg.main-svg").First.WaitForAsync();
        await Shot("04-chart-type.png");

        // Edit the SQL in the editor and run it: a new answer from the user's own SQL.
        await first.GetByRole(AriaRole.Tab, new() { Name = "SQL" }).ClickAsync();
        var sql = await ChatBrowserTests.SqlTextAsync(first);
        Assert.Contains("SELECT", sql, StringComparison.OrdinalIgnoreCase);
        // The editor completes the data source's table names.
        await first.Locator("button.sql-edit").ClickAsync();
        var editor = first.Locator(".sql-panel[data-editing=true] .cm-content[contenteditable=true]");
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync(" university.facu");
        await page.Locator(".cm-tooltip-autocomplete li", new() { HasText = "faculties" }).First.WaitForAsync();
        await Shot("05a-sql-completion.png");
        await page.Keyboard.PressAsync("Escape");
        await first.Locator("button.sql-cancel").ClickAsync();
        await Assertions.Expect(first.Locator(".sql-panel[data-editing=false]")).ToHaveCountAsync(1);
        Assert.Equal(sql, await ChatBrowserTests.SqlTextAsync(first));
        var edited = sql.TrimEnd().TrimEnd(';') + "\nLIMIT 3";
        await ChatBrowserTests.EditSqlAsync(page, first, edited);
        await Shot("05-edit-sql.png");
        var before = await page.Locator("article.message .answer-footer").CountAsync();
        await first.Locator("button.sql-run").ClickAsync();
        var manual = page.Locator("article.message").Nth(before);
        await manual.Locator(".answer-footer").WaitForAsync(new() { Timeout = 120_000 });
        if (await manual.GetAttributeAsync("data-status") != "Succeeded")
            output.WriteLine("edited SQL:\n" + edited + "\nanswer: " + await manual.InnerTextAsync());
        Assert.Equal("Succeeded", await manual.GetAttributeAsync("data-status"));
        Assert.Contains("Your SQL", await manual.Locator(".answer-path").InnerTextAsync());

        // Reload: everything is still there.
        var url = page.Url;
        await page.ReloadAsync();
        await page.WaitForSelectorAsync(Composer);
        Assert.Equal(url, page.Url);
        Assert.Equal(3, await page.Locator("article.message").CountAsync());
        await page.Locator("article.message").Nth(0).Locator(".chart-surface svg.main-svg").First.WaitForAsync();

        // Dark theme, kept after a reload.
        await page.ClickAsync("button.theme-toggle");
        await Assertions.Expect(page.Locator(".app-layout[data-theme='dark']")).ToHaveCountAsync(1);
        await page.Locator("article.message").Nth(0).ScrollIntoViewIfNeededAsync();
        await Shot("06-dark.png");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await page.ReloadAsync();
            if (await page.Locator(".app-layout[data-theme='dark']").CountAsync() == 1)
                break;
        }
        await page.WaitForSelectorAsync(Composer);
        await Assertions.Expect(page.Locator(".app-layout[data-theme='dark']")).ToHaveCountAsync(1);
        await page.Locator("article.message").Nth(0).Locator(".chart-surface svg.main-svg").First.WaitForAsync();
        // Plotly draws on the page's dark background: its own background is transparent.
        Assert.Equal("rgba(0, 0, 0, 0)", await page.Locator(".chart-surface svg.main-svg").First.EvaluateAsync<string>("svg => getComputedStyle(svg).backgroundColor"));
        await Shot("07-dark-after-reload.png");

        // Phone width: the drawer starts closed, nothing overflows sideways, bars lie horizontally.
        var phone = await app.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 390, Height = 844 }, StorageState = await context.StorageStateAsync() });
        phone.SetDefaultTimeout(60_000);
        var small = await phone.NewPageAsync();
        await small.GotoAsync(url);
        await small.WaitForSelectorAsync(Composer);
        await small.Locator(".app-layout[data-interactive='true']").WaitForAsync();
        await small.Locator("article.message").Nth(1).Locator(".chart-surface svg.main-svg").First.WaitForAsync();
        await Assertions.Expect(small.Locator(".app-drawer .mud-nav-link").Filter(new() { HasText = "Chat" })).Not.ToBeInViewportAsync();
        Assert.True(await small.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"), "nothing overflows the phone's width");
        await small.Locator("article.message").Nth(1).ScrollIntoViewIfNeededAsync();
        await small.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "08-phone.png") });
        await small.ClickAsync("button[aria-label='Toggle navigation']");
        await Assertions.Expect(small.Locator(".app-drawer .mud-nav-link").Filter(new() { HasText = "Chat" })).ToBeInViewportAsync();
        await small.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "09-phone-drawer.png") });
        await phone.CloseAsync();
        await context.CloseAsync();
    }

    private static async Task AskAsync(IPage page, string question)
    {
        var before = await page.Locator("article.message .answer-footer").CountAsync();
        await page.FillAsync(Composer, question);
        await page.PressAsync(Composer, "Enter");
        await page.Locator("article.message .answer-footer").Nth(before).WaitForAsync(new() { Timeout = 120_000 });
    }
}
