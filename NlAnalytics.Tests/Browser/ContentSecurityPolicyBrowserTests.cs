using Microsoft.Playwright;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// The app under its Content-Security-Policy (script-src 'self'), in Chromium: the circuit, MudBlazor, a Plotly chart
/// and the SQL editor all work, and the browser reports no violation.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ContentSecurityPolicyBrowserTests(ChatBrowserFixture app, ITestOutputHelper output) : IClassFixture<ChatBrowserFixture>
{
    [Fact]
    public async Task Asking_charting_and_editing_sql_under_the_policy_reports_no_violation()
    {
        var context = await app.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString() });
        context.SetDefaultTimeout(60_000);
        // Recorded from the first script of every page, before the app's own scripts run.
        await context.AddInitScriptAsync("""
            window.__cspViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
            """);
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") console.Add(message.Text); };
        try
        {
            await page.GotoAsync("account/login");
            var headers = await (await page.GotoAsync("account/login"))!.AllHeadersAsync();
            Assert.Contains("script-src 'self'", headers["content-security-policy"]);
            await page.FillAsync("#email", app.Email);
            await page.FillAsync("#password", ChatBrowserFixture.Password);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForSelectorAsync(ChatBrowserFixture.ComposerSelector);
            await page.GotoAsync("chat");
            await page.WaitForSelectorAsync(ChatBrowserFixture.ComposerSelector);

            await page.FillAsync(ChatBrowserFixture.ComposerSelector, "What were total sales by month last year?");
            await page.PressAsync(ChatBrowserFixture.ComposerSelector, "Enter");
            var answer = page.Locator("article.message").First;
            await answer.Locator(".answer-footer").WaitForAsync(new() { Timeout = 120_000 });
            Assert.Equal("Succeeded", await answer.GetAttributeAsync("data-status"));
            await answer.Locator(".chart-surface svg.main-svg").First.WaitForAsync();
            await answer.GetByRole(AriaRole.Tab, new() { Name = "SQL" }).ClickAsync();
            Assert.Contains("SELECT", await ChatBrowserTests.SqlTextAsync(answer), StringComparison.OrdinalIgnoreCase);
            // The cost badge opens a MudBlazor dialog.
            await answer.Locator("button.cost-badge").ClickAsync();
            await page.Locator(".mud-dialog").WaitForAsync();

            var violations = await page.EvaluateAsync<string[]>("() => window.__cspViolations");
            Assert.Empty(violations);
            Assert.DoesNotContain(console, c => c.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            foreach (var line in console)
                output.WriteLine("browser: " + line);
            await context.CloseAsync();
        }
    }
}
