using System.Text;
using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// An analyst uploads the semicolon CSV on "Your files": the preview shows the columns and their inferred types, the
/// analyst says what two French headers mean, creates the table, opens a thread on it and asks in English.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class UploadsBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
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
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task An_analyst_uploads_a_semicolon_CSV_corrects_its_meaning_and_asks_about_it()
    {
        var page = await BrowserPages.NewPageAsync(_browser, _address, output, 1400, 900);
        await page.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(page, "uploader@example.test", Password);
        await Assertions.Expect(page.Locator(".app-user-name")).ToHaveTextAsync("uploader@example.test");
        await BrowserPages.WaitForCircuitAsync(page);

        await page.ClickAsync(".app-drawer >> text=Your files");
        await page.WaitForURLAsync("**/uploads");
        await BrowserPages.WaitForCircuitAsync(page);
        var csv = Encoding.UTF8.GetBytes(Web.Api.UploadApiTests.UnilCsv);
        await page.Locator("input.upload-input").SetInputFilesAsync(new FilePayload { Name = "fbm-etudiants.csv", MimeType = "text/csv", Buffer = csv });

        await Assertions.Expect(page.Locator(".upload-summary")).ToContainTextAsync("11 rows, 6 columns, UTF-8, separated by semicolons", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator(".upload-preview tbody tr")).ToHaveCountAsync(11);
        // annee is typed a year, femmes a whole number (the select shows the type's value).
        await Assertions.Expect(page.Locator(".upload-preview th").Nth(0).Locator(".upload-type input").First).ToHaveValueAsync("Year");
        await Assertions.Expect(page.Locator(".upload-preview th").Nth(1).Locator(".upload-type input").First).ToHaveValueAsync("Integer");
        await page.Locator("input[aria-label='Meaning of femmes']").FillAsync("women");
        await page.Locator("input[aria-label='Meaning of femmes']").BlurAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "upload-preview.png"), FullPage = true });
        await page.ClickAsync("button.upload-create");

        var row = page.Locator(".upload-list tbody tr").First;
        await Assertions.Expect(row).ToContainTextAsync("fbm-etudiants", new() { Timeout = 60_000 });
        await Assertions.Expect(row).ToContainTextAsync("11");
        await row.Locator(".upload-ask").ClickAsync();
        await page.WaitForURLAsync("**/chat?source=upload-*");
        await BrowserPages.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator(".thread-source")).ToContainTextAsync("fbm-etudiants", new() { Timeout = 60_000 });
        await page.FillAsync(ChatBrowserFixture.ComposerSelector, "how many women in 2015?");
        await page.PressAsync(ChatBrowserFixture.ComposerSelector, "Enter");
        var answer = page.Locator("article.message").First;
        await answer.Locator(".answer-footer").WaitForAsync(new() { Timeout = 120_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "upload-answer.png") });
        Assert.Equal("Succeeded", await answer.GetAttributeAsync("data-status"));
        await Assertions.Expect(answer.Locator(".result-grid tbody tr").First).ToContainTextAsync("1,735");
    }
}
