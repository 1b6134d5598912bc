using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// The usage page in Chromium after a few priced LLM answers (the scripted model, on priced models): the totals, the
/// charts, the budget bars and the costliest answers linked to their threads; it takes the screenshot docs/screenshots/usage.png.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class UsageBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "a long enough passphrase";

    private ScriptedOpenAiServer _llm = null!;
    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        // Writer on gpt-4o: 12,000 tokens in (4,000 cached), 300 out = $0.0300 - $0.0050 + $0.0030 = $0.0280 a call.
        _llm.WhenSystemPromptContains("You are the SQL writer",
            ScriptStep.Reply("```sql\nSELECT count(*) AS stores FROM sales.stores\n```", inputTokens: 12_000, outputTokens: 300, cachedInputTokens: 4_000));
        _llm.WhenSystemPromptContains("You are the narrator", ScriptStep.Reply("There are a few stores.", inputTokens: 1_500, outputTokens: 80));
        _llm.When(_ => true, ScriptStep.Reply("OK", inputTokens: 400, outputTokens: 20));
        var settings = _llm.LlmSettings();
        settings["Llm:Models:sql-writer"] = "gpt-4o";
        settings["Budgets:MonthlyUsdPerUser"] = "0.50";
        settings["Budgets:MonthlyUsdTotal"] = "5";
        settings["Demo:Seed"] = "4242";
        settings["Demo:Scale"] = "0.002";
        settings["Demo:EndDate"] = "2025-06-30";
        settings["Demo:ReaderRole"] = $"nla_reader_usage_{Guid.NewGuid():N}"[..30];
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
    public async Task The_usage_page_shows_the_priced_calls_budgets_and_the_costliest_answers_of_everyone_for_an_admin()
    {
        using var admin = await _factory.RegisterAsync("usage-admin@example.test", Password);
        using var analyst = await _factory.RegisterAsync("usage-analyst@example.test", Password);
        foreach (var (session, questions) in new[] { (admin, 2), (analyst, 3) })
        {
            var thread = await Web.Api.ApiApp.CreateThreadAsync(session, $"Stores, asked {questions} times");
            for (var i = 0; i < questions; i++)
            {
                using var asked = await session.Http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true",
                    new { question = $"How many stores are there? ({i + 1})", clientRequestId = Guid.NewGuid(), mode = "llm" });
                Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
            }
        }
        using var all = await admin.Http.GetAsync("/api/costs/usage?all=true");
        var report = await Web.Api.ApiApp.ReadJsonAsync(all);
        var total = report["total"]!["costUsd"]!.GetValue<decimal>();
        Assert.True(total > 0, report.ToJsonString());

        var page = await BrowserPages.NewPageAsync(_browser, _address, output, 1400, 1300);
        await page.GotoAsync("account/login");
        await BrowserPages.SubmitSignInAsync(page, "usage-admin@example.test", Password);
        await Assertions.Expect(page.Locator(".app-user-name")).ToHaveTextAsync("usage-admin@example.test");
        await BrowserPages.WaitForCircuitAsync(page);
        await page.ClickAsync(".app-drawer >> text=Usage and cost");
        await page.WaitForURLAsync("**/usage");
        await BrowserPages.WaitForCircuitAsync(page);

        // The page's dollars are the API's, everyone's (the Admin's default).
        await Assertions.Expect(page.Locator(".usage-figure-value").First).ToHaveTextAsync("$" + total.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("[data-testid=usage-budget]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("tr.usage-costly-answer")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("[data-testid=usage-by-day] .main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".usage-table").First).ToContainTextAsync("usage-analyst@example.test");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "usage.png"), FullPage = true });

        // The costliest answer opens its thread.
        await page.Locator("tr.usage-costly-answer a").First.ClickAsync();
        await page.WaitForURLAsync("**/chat/*");
    }
}
