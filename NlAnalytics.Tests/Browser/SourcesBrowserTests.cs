using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// Data sources in the browser: an Admin connects a second database (a read-only role made with the role script)
/// after the write-capable role is refused; the connection is stored encrypted and never logged; an analyst then
/// asks about it. A source from configuration is listed read-only.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SourcesBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminEmail = "sources-admin@example.test";
    private const string AnalystEmail = "sources-analyst@example.test";
    private const string Password = "a long enough passphrase";

    private readonly RecordedLogs _logs = new();
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
            ["Analyst:Mode"] = "Offline",
            // Every level, Npgsql's and EF's included: the connection strings must appear in none of it.
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
            ["DataSources:0:Name"] = "configured-shop",
            ["DataSources:0:DisplayName"] = "Shop from configuration",
            ["DataSources:0:QueryConnectionString"] = _shop.ReaderConnectionString,
            ["DataSources:0:Schemas:0"] = "shop",
            // Open to every signed-in user by the setting; the stored source below is granted in the Access dialog.
            ["SourceAccess:OpenToEveryone:0"] = "configured-shop",
        });
        _factory.ConfigureHost = builder => builder.ConfigureLogging(logging => logging.AddProvider(_logs));
        _address = _factory.StartKestrel();
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
    public async Task An_Admin_is_refused_a_writing_role_adds_the_read_only_one_and_an_analyst_asks_about_it()
    {
        var admin = await NewPageAsync();
        await admin.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(admin, AdminEmail, Password);
        await Assertions.Expect(admin.Locator(".app-user-name")).ToHaveTextAsync(AdminEmail);
        await WaitForCircuitAsync(admin);

        await admin.ClickAsync(".app-drawer >> text=Sources");
        await admin.WaitForURLAsync("**/admin/sources");
        await WaitForCircuitAsync(admin);
        // The configured source is listed, without a password and without Edit or Remove.
        var configured = admin.Locator("tr.source-row[data-name=configured-shop]");
        await Assertions.Expect(configured).ToHaveAttributeAsync("data-origin", "Configuration");
        await Assertions.Expect(configured.Locator(".source-origin")).ToContainTextAsync("configuration (read-only)");
        await Assertions.Expect(configured).ToContainTextAsync($"{_shop.ReaderRole}@127.0.0.1");
        Assert.Equal(0, await configured.Locator("button.source-edit, button.source-remove").CountAsync());

        // A role that can write is refused, with the role script to make a read-only one.
        await admin.ClickAsync("button.source-add");
        await FillAsync(admin, "source-name", "shop");
        await FillAsync(admin, "source-display-name", "Shop orders");
        await FillAsync(admin, "source-query-connection", _shop.WriterConnectionString);
        await FillAsync(admin, "source-schemas", "shop");
        await FillAsync(admin, "source-row-cap", "500");
        await FillAsync(admin, "source-timeout", "10");
        await admin.ClickAsync("button.source-save");
        var refused = admin.Locator(".source-form .source-test-report[data-accepted=false]");
        await Assertions.Expect(refused.Locator(".source-test-summary")).ToContainTextAsync($"Refused: the role {_shop.WriterRole} can change the database");
        await Assertions.Expect(refused).ToContainTextAsync("Can write: it can write to 2 tables (shop.customers, shop.orders)");
        var script = await refused.Locator("[data-testid=role-script]").InnerTextAsync();
        // The same script as `role-script --database <db> --schemas shop` prints (for a new role: grants of the refused one would stay).
        Assert.Equal(ExecutionRoleProvisioner.Script(_shop.Database, "nla_reader", ["shop"]).Trim(), script.Trim());
        Assert.Contains("default_transaction_read_only", script);
        await Assertions.Expect(admin.Locator("tr.source-row[data-name=shop]")).ToHaveCountAsync(0);

        // The read-only role (made with that script) is tested, then saved.
        await FillAsync(admin, "source-query-connection", _shop.ReaderConnectionString);
        await admin.ClickAsync("button.source-form-test");
        var accepted = admin.Locator(".source-form .source-test-report[data-accepted=true]");
        await Assertions.Expect(accepted.Locator(".source-test-summary")).ToContainTextAsync($"Read-only: {_shop.ReaderRole} reads 2 tables and views in shop");
        await Assertions.Expect(accepted.Locator(".source-test-schema[data-schema=shop]")).ToContainTextAsync("2 readable (customers, orders)");
        Assert.Equal(0, await accepted.Locator("[data-testid=role-script]").CountAsync());
        await admin.ClickAsync("button.source-save");
        var row = admin.Locator("tr.source-row[data-name=shop]");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-origin", "Stored");
        await Assertions.Expect(row).ToContainTextAsync("Shop orders");
        await Assertions.Expect(row).ToContainTextAsync($"{_shop.ReaderRole}@127.0.0.1");
        await Assertions.Expect(row).ToContainTextAsync("500 rows, 10 s");
        Assert.DoesNotContain(ShopDatabase.ReaderPassword, await admin.ContentAsync());

        // Catalog refresh shows its progress, then what it read.
        await row.Locator("button.source-refresh").ClickAsync();
        await Assertions.Expect(admin.Locator("tr.source-status-row[data-name=shop] .source-status")).ToContainTextAsync("Catalog read: 2 tables, 7 columns");

        // Edit without retyping the connection: it is kept.
        await row.Locator("button.source-edit").ClickAsync();
        Assert.Equal("", await admin.Locator("[data-testid=source-query-connection]").InputValueAsync());
        await FillAsync(admin, "source-display-name", "Shop (orders and customers)");
        await admin.ClickAsync("button.source-save");
        await Assertions.Expect(row).ToContainTextAsync("Shop (orders and customers)");
        await admin.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "sources-admin.png"), FullPage = true });

        // Stored encrypted: the app table holds a Data Protection payload, not the connection string.
        var stored = (string)(await Sql.ScalarAsync(_factory.AppConnectionString, "SELECT \"QueryConnectionProtected\" FROM data_sources WHERE \"Name\" = 'shop'"))!;
        Assert.DoesNotContain(ShopDatabase.ReaderPassword, stored);
        Assert.DoesNotContain(_shop.ReaderRole, stored);
        Assert.DoesNotContain("Host=", stored, StringComparison.OrdinalIgnoreCase);
        var protector = _factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("NlAnalytics.DataSources.ConnectionStrings.v1");
        Assert.Equal(_shop.ReaderConnectionString, protector.Unprotect(stored));

        // An analyst sees the configured source (open to everyone by the setting) but not the new one until it is granted.
        var analyst = await RegisterAnalystAsync();
        await analyst.GotoAsync("chat");
        await WaitForCircuitAsync(analyst);
        await analyst.Locator(".source-select").ClickAsync();
        await Assertions.Expect(analyst.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Shop from configuration" })).ToBeVisibleAsync();
        Assert.Equal(0, await analyst.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Shop (orders and customers)" }).CountAsync());

        // The Admin grants it to that analyst in the Access dialog.
        await row.Locator("button.source-access").ClickAsync();
        var dialog = admin.Locator(".access-dialog");
        await dialog.Locator($"[data-testid='grant-user-{AnalystEmail}']").CheckAsync();
        await admin.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "sources-access-dialog.png") });
        await dialog.Locator("button.access-save").ClickAsync();
        // The "Saved" snackbar of the step before may still be showing: find the grant's own.
        await Assertions.Expect(admin.Locator(".mud-snackbar", new() { HasText = "granted to 1 user(s)" })).ToBeVisibleAsync();
        string adminId;
        await using (var context = await _factory.Services.GetRequiredService<IDbContextFactory<NlAnalytics.Core.Data.AppDbContext>>().CreateDbContextAsync())
            adminId = await context.Users.Where(u => u.Email == AdminEmail).Select(u => u.Id).SingleAsync();
        var grants = (await _factory.Services.GetRequiredService<NlAnalytics.Core.Access.SourceAccess>().GrantsAsync("shop", adminId, CancellationToken.None)).Grants;
        Assert.Equal([AnalystEmail], grants!.Users.Select(u => u.Email));

        // Now the analyst picks the new source and asks about it.
        await analyst.ReloadAsync();
        await WaitForCircuitAsync(analyst);
        await analyst.Locator(".source-select").ClickAsync();
        await analyst.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Shop (orders and customers)" }).ClickAsync();
        // The choice is the circuit's once the select shows it (the click only reached the browser); asking before
        // that would start the thread on the source shown before.
        await Assertions.Expect(analyst.Locator(".source-select input")).ToHaveValueAsync("shop", new() { Timeout = 60_000 });
        await analyst.FillAsync(ChatBrowserFixture.ComposerSelector, "How many customers are there?");
        await analyst.PressAsync(ChatBrowserFixture.ComposerSelector, "Enter");
        var answer = analyst.Locator("article.message").First;
        await answer.Locator(".answer-footer").WaitForAsync(new() { Timeout = 120_000 });
        await analyst.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "sources-analyst-answer.png") });
        Assert.Equal("Succeeded", await answer.GetAttributeAsync("data-status"));
        await Assertions.Expect(answer.Locator(".result-grid tbody tr").First).ToContainTextAsync("7");

        // Nothing logged, at any level, holds either password or a full connection string.
        output.WriteLine($"{_logs.Count} log lines recorded");
        Assert.True(_logs.Count > 100, "the recorder saw the app's logging");
        var logs = _logs.All;
        foreach (var line in logs.Split('\n').Where(l => l.Contains(ShopDatabase.ReaderPassword, StringComparison.Ordinal) || l.Contains(ShopDatabase.WriterPassword, StringComparison.Ordinal)).Take(5))
            output.WriteLine("leaked: " + line[..Math.Min(line.Length, 600)]);
        Assert.DoesNotContain(ShopDatabase.ReaderPassword, logs);
        Assert.DoesNotContain(ShopDatabase.WriterPassword, logs);
        Assert.DoesNotContain(_shop.ReaderConnectionString, logs);
    }

    private static async Task FillAsync(IPage page, string testId, string value)
    {
        var input = page.Locator($"[data-testid={testId}]");
        await input.FillAsync(value);
        await input.BlurAsync();
    }

    private async Task<IPage> RegisterAnalystAsync()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(page, AnalystEmail, Password);
        await page.Locator("#registered-note").WaitForAsync();
        await BrowserPages.SubmitSignInAsync(page, AnalystEmail, Password);
        await Assertions.Expect(page.Locator(".app-user-name")).ToHaveTextAsync(AnalystEmail);
        return page;
    }

    private static Task WaitForCircuitAsync(IPage page) => BrowserPages.WaitForCircuitAsync(page);

    private Task<IPage> NewPageAsync() => BrowserPages.NewPageAsync(_browser, _address, output, 1400, 900);
}
