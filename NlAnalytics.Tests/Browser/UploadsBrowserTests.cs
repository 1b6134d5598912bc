using System.Text;
using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// An analyst uploads the semicolon CSV on "Your files": the preview shows the columns and their inferred types, the
/// analyst says what two French headers mean, creates the table, opens a thread on it and asks in English. The uploader
/// shares it in the Share dialog with another analyst, who finds it in the source picker until it is unshared.
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

    [Fact]
    public async Task The_uploader_shares_a_file_in_the_share_dialog_and_the_other_analyst_picks_it_and_asks_until_it_is_unshared()
    {
        const string owner = "share-owner@example.test", friend = "share-friend@example.test";
        // The first account is the Admin; the uploader and the friend are plain analysts.
        using var _ = await _factory.RegisterAsync("share-admin@example.test", Password);
        using var __ = await _factory.RegisterAsync(owner, Password);
        using var friendApi = await _factory.RegisterAsync(friend, Password);
        var page = await SignedInPageAsync(owner, "owner");
        var row = await UploadUnilAsync(page, "enrolment.csv");
        await Assertions.Expect(row.Locator(".upload-shared")).ToHaveTextAsync("only you");

        // Share it with the friend: an e-mail typed, no list of accounts shown.
        await row.Locator("button.upload-share").ClickAsync();
        var dialog = page.Locator(".share-upload-dialog");
        await dialog.Locator("[data-testid='share-upload-emails']").FillAsync("nobody@example.test");
        await dialog.Locator("button.share-upload-save").ClickAsync();
        await Assertions.Expect(dialog.Locator(".share-upload-error")).ToContainTextAsync("No account has the email or id 'nobody@example.test'");
        await dialog.Locator("[data-testid='share-upload-emails']").FillAsync(friend);
        Assert.Equal(0, await dialog.GetByText("share-admin@example.test").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatBrowserTests.ScreenshotFolder, "upload-share-dialog.png") });
        await dialog.Locator("button.share-upload-save").ClickAsync();
        await Assertions.Expect(row.Locator(".upload-shared")).ToHaveTextAsync(friend);

        // The friend picks it in the chat's source picker and asks about it.
        var other = await SignedInPageAsync(friend, "friend");
        await other.GotoAsync("chat");
        await BrowserPages.WaitForCircuitAsync(other);
        await other.Locator(".source-select").ClickAsync();
        await other.Locator(".mud-popover-open .mud-list-item", new() { HasText = "enrolment" }).ClickAsync();
        await Assertions.Expect(other.Locator(".source-select input")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^upload-enrolment-"), new() { Timeout = 60_000 });
        await other.FillAsync(ChatBrowserFixture.ComposerSelector, "how many women in 2015?");
        await other.PressAsync(ChatBrowserFixture.ComposerSelector, "Enter");
        var answer = other.Locator("article.message").First;
        await answer.Locator(".answer-footer").WaitForAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(answer.Locator(".result-grid tbody tr").First).ToContainTextAsync("1,735");

        // Unshared: the friend's picker no longer offers it (the demo is all that is left, so there is no picker).
        await row.Locator("button.upload-share").ClickAsync();
        await dialog.Locator("button.share-upload-stop").ClickAsync();
        await Assertions.Expect(row.Locator(".upload-shared")).ToHaveTextAsync("only you");
        await other.GotoAsync("chat");
        await BrowserPages.WaitForCircuitAsync(other);
        await Assertions.Expect(other.Locator(".chat-empty")).ToBeVisibleAsync();
        Assert.Equal(0, await other.Locator(".source-select").CountAsync());
        using var sources = await friendApi.GetAsync("/api/data-sources");
        Assert.DoesNotContain("upload-enrolment-", await sources.Content.ReadAsStringAsync());
    }

    private async Task<IPage> SignedInPageAsync(string email, string label)
    {
        var page = await BrowserPages.NewPageAsync(_browser, _address, output, 1400, 900, label);
        await page.GotoAsync("account/login");
        await BrowserPages.SubmitSignInAsync(page, email, Password);
        await Assertions.Expect(page.Locator(".app-user-name")).ToHaveTextAsync(email);
        return page;
    }

    /// <summary>Uploads the UNIL CSV on "Your files" (femmes meaning women) and returns its row in the list.</summary>
    internal static async Task<ILocator> UploadUnilAsync(IPage page, string fileName)
    {
        await page.GotoAsync("uploads");
        await BrowserPages.WaitForCircuitAsync(page);
        await page.Locator("input.upload-input").SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(Web.Api.UploadApiTests.UnilCsv) });
        await Assertions.Expect(page.Locator(".upload-summary")).ToContainTextAsync("11 rows, 6 columns", new() { Timeout = 60_000 });
        await page.Locator("input[aria-label='Meaning of femmes']").FillAsync("women");
        await page.Locator("input[aria-label='Meaning of femmes']").BlurAsync();
        await page.ClickAsync("button.upload-create");
        var row = page.Locator(".upload-list tbody tr").First;
        await Assertions.Expect(row).ToContainTextAsync(Path.GetFileNameWithoutExtension(fileName), new() { Timeout = 60_000 });
        return row;
    }
}
