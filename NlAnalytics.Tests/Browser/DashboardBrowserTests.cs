using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Tests.Web.Api;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// Dashboards in Chromium, on a source of the test's own (the shop database, configured and open to everyone): an answer
/// saved from its card onto a new dashboard, two more pinned, the three cards drawn with the time of their data, a
/// change in the data shown after Refresh all (past the result cache); the thread list's totals are the ledger's. It
/// takes the screenshot docs/screenshots/dashboard.png.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "a long enough passphrase";
    private const string Owner = "dash-owner@example.test";

    private ShopDatabase _shop = null!;
    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _shop = await ShopDatabase.CreateAsync();
        _factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Llm:Endpoint"] = "",
            ["Analyst:Mode"] = "",
            ["Demo:Scale"] = "0.002",
            ["Demo:ReaderRole"] = $"nla_reader_dash_{Guid.NewGuid():N}"[..30],
            ["DataSources:0:Name"] = "shop",
            ["DataSources:0:DisplayName"] = "Shop",
            ["DataSources:0:QueryConnectionString"] = _shop.ReaderConnectionString,
            ["DataSources:0:Schemas:0"] = "shop",
            ["SourceAccess:OpenToEveryone:0"] = "shop",
        });
        _address = _factory.StartKestrel();
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
        await _shop.DisposeAsync();
    }

    [Fact]
    public async Task An_answer_saved_from_its_card_starts_a_dashboard_of_three_cards_that_shows_new_data_after_refresh_all()
    {
        using var owner = await _factory.RegisterAsync(Owner, Password);
        var thread = await ApiApp.CreateThreadAsync(owner, "Shop orders", "shop");
        var first = await AnswerAsync(owner, thread, null, "SELECT count(*) AS orders FROM shop.orders");
        var byCity = await AnswerAsync(owner, thread, first, "SELECT c.city, sum(o.amount) AS amount FROM shop.orders AS o JOIN shop.customers AS c ON c.id = o.customer_id GROUP BY c.city ORDER BY amount DESC");
        var byMonth = await AnswerAsync(owner, thread, first, "SELECT date_trunc('month', ordered_on)::date AS month, sum(amount) AS amount FROM shop.orders GROUP BY 1 ORDER BY 1");
        // The ledger's rows of the thread, which its line in the thread list sums: 1,200 + 800 in, 300 + 50 out, $0.0125 + $0.0031.
        await using (var context = await _factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var userId = await context.Users.Where(u => u.Email == Owner).Select(u => u.Id).SingleAsync();
            context.LlmCalls.AddRange(Call(first.Sql, thread, userId, 1200, 300, 0.0125m), Call(first.Sql, thread, userId, 800, 50, 0.0031m));
            await context.SaveChangesAsync();
        }

        var page = await BrowserPages.NewPageAsync(_browser, _address, output, 1400, 1000);
        await page.GotoAsync("account/login");
        await BrowserPages.SubmitSignInAsync(page, Owner, Password);
        await BrowserPages.WaitForCircuitAsync(page);
        await page.GotoAsync($"chat/{thread}");
        await BrowserPages.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator($".thread-item[data-thread-id='{thread}'] .thread-totals")).ToHaveTextAsync("2,000 in · 350 out · $0.0156");

        // "Save" on the first SQL answer's card, onto a new dashboard.
        var card = page.Locator($"article.message[data-message-id='{first.Sql}']");
        await card.Locator(".answer-save").ClickAsync();
        await page.Locator("[data-testid=save-title]").FillAsync("Orders");
        await page.Locator(".save-dashboard").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "A new dashboard" }).ClickAsync();
        await page.Locator("[data-testid=save-new-dashboard]").FillAsync("Shop at a glance");
        await Assertions.Expect(page.Locator(".save-dashboard input")).ToHaveValueAsync("A new dashboard…");
        await page.Locator(".save-question-confirm").ClickAsync();
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/dashboards/[0-9a-f-]{36}$"), new() { Timeout = 60_000 });
        }
        catch (PlaywrightException)
        {
            output.WriteLine("The save dialog said: " + await page.Locator(".mud-dialog").AllInnerTextsAsync().ContinueWith(t => string.Join(" | ", t.Result)));
            throw;
        }
        var dashboard = Guid.Parse(page.Url.Split('/')[^1]);

        // Two more answers pinned as an analyst's script would (the same services as the page).
        await PinAsync(owner, dashboard, byCity.Sql, "Amount by city", "Bar", 6);
        await PinAsync(owner, dashboard, byMonth.Sql, "Amount by month", "Line", 12);
        await page.ReloadAsync();
        await BrowserPages.WaitForCircuitAsync(page);

        var cards = page.Locator(".dashboard-card");
        await Assertions.Expect(cards).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator(".dashboard-card[data-status='Ok']")).ToHaveCountAsync(3);
        await Assertions.Expect(cards.Nth(0).Locator(".dashboard-card-title")).ToHaveTextAsync("Orders");
        await Assertions.Expect(cards.Nth(0).Locator(".kpi-value")).ToHaveTextAsync("3");
        await Assertions.Expect(cards.Nth(0).Locator(".dashboard-card-age")).ToContainTextAsync("data as of ");
        await Assertions.Expect(cards.Nth(1).Locator(".main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(cards.Nth(2).Locator(".main-svg").First).ToBeVisibleAsync();

        // New data under the dashboard: shown only once Refresh all reads past the result cache.
        await Sql.ExecuteAsync(_shop.SuperuserConnectionString, "INSERT INTO shop.orders VALUES (4, 3, 100.00, '2026-03-01'), (5, 4, 42.00, '2026-03-09')");
        await page.ReloadAsync();
        await BrowserPages.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator(".dashboard-card[data-status='Ok']")).ToHaveCountAsync(3);
        await Assertions.Expect(cards.Nth(0).Locator(".kpi-value")).ToHaveTextAsync("3");
        await page.Locator(".dashboard-refresh-all").ClickAsync();
        await Assertions.Expect(cards.Nth(0).Locator(".kpi-value")).ToHaveTextAsync("5");
        await Assertions.Expect(page.Locator(".dashboard-card[data-status='Ok']")).ToHaveCountAsync(3);
        await Assertions.Expect(cards.Nth(1).Locator(".main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(cards.Nth(2).Locator(".main-svg").First).ToBeVisibleAsync();

        // A card's chart downloads as a PNG image (Plotly draws it in the browser).
        var png = await page.RunAndWaitForDownloadAsync(() => cards.Nth(1).Locator("button.chart-png").ClickAsync());
        Assert.EndsWith(".png", png.SuggestedFilename);
        var image = await File.ReadAllBytesAsync(await png.PathAsync());
        Assert.True(image.Length > 1000 && image.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }),
            $"{png.SuggestedFilename}: {image.Length} bytes, not a PNG");

        Directory.CreateDirectory(ChatBrowserTests.ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "dashboard.png"), FullPage = true });
    }

    /// <summary>Runs <paramref name="sql"/> as an answer of the thread (from <paramref name="from"/>, else after a first question) and returns the ids.</summary>
    private static async Task<(Guid Question, Guid Sql)> AnswerAsync(BrowserSession owner, Guid thread, (Guid Question, Guid Sql)? from, string sql)
    {
        var question = from?.Question ?? Guid.Empty;
        if (from is null)
        {
            using var asked = await owner.Http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true", new { question = "How many customers are there?", clientRequestId = Guid.NewGuid() });
            question = (await ApiApp.ReadJsonAsync(asked))["id"]!.GetValue<Guid>();
        }
        using var ran = await owner.Http.PostAsJsonAsync($"/api/messages/{question}/sql?wait=true", new { sql, clientRequestId = Guid.NewGuid() });
        var message = await ApiApp.ReadJsonAsync(ran);
        Assert.True(message["status"]!.GetValue<string>() == "Succeeded", message.ToJsonString());
        return (question, message["id"]!.GetValue<Guid>());
    }

    private static async Task PinAsync(BrowserSession owner, Guid dashboard, Guid message, string title, string chartType, int width)
    {
        using var saved = await owner.Http.PostAsJsonAsync("/api/questions", new { messageId = message, title, chartType });
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var question = (await ApiApp.ReadJsonAsync(saved))["id"]!.GetValue<Guid>();
        using var pinned = await owner.Http.PostAsJsonAsync($"/api/dashboards/{dashboard}/cards", new { questionId = question, width });
        Assert.Equal(HttpStatusCode.Created, pinned.StatusCode);
    }

    private static LlmCallRow Call(Guid message, Guid thread, string user, long input, long output, decimal cost) => new()
    {
        MessageId = message, ThreadId = thread, UserId = user, Agent = "sql-writer", Model = "gpt-4o",
        InputTokens = input, OutputTokens = output, CostUsd = cost, CreatedAt = DateTimeOffset.Parse("2025-03-01T10:00:00Z", CultureInfo.InvariantCulture),
    };
}
