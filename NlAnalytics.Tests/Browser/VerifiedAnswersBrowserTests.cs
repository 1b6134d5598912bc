using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// The verified memory in Chromium: an analyst marks an answer correct in the chat, another analyst does not get it
/// and cannot withdraw it, the Admin approves it on Verified answers, and then the other analyst's same question is
/// answered from it, saying who verified and approved it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class VerifiedAnswersBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Question = "How many orders are there?";
    private const string Password = "a long browser passphrase";

    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Analyst:Mode"] = "Offline",
            ["Demo:Scale"] = "0.005",
            ["Demo:ReaderRole"] = "nla_reader_vbrw_" + Guid.NewGuid().ToString("N")[..8],
        });
        _address = _factory.StartKestrel();
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(8));
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task An_answer_marked_correct_serves_others_only_after_the_Admin_approves_it_on_the_Verified_page()
    {
        var admin = await SignedInAsync("admin@verified.test");
        var alice = await SignedInAsync("alice@verified.test");
        var bob = await SignedInAsync("bob@verified.test");

        var aliceAnswer = await AskAsync(alice, Question);
        await aliceAnswer.Locator("button.verify-toggle").ClickAsync();
        await aliceAnswer.Locator("button.verify-toggle.verified").WaitForAsync();

        // Bob: not answered from Alice's entry; he sees no entry to withdraw or approve.
        var bobAnswer = await AskAsync(bob, Question);
        Assert.DoesNotContain("Reusing the verified answer", await bobAnswer.InnerTextAsync());
        await bob.GotoAsync("verified");
        await Assertions.Expect(bob.Locator("#verified-empty")).ToBeVisibleAsync();

        // The Admin sees it waiting and approves it.
        await admin.GotoAsync("verified");
        var row = admin.Locator("tr.verified-row");
        await Assertions.Expect(row.Locator(".verified-by")).ToContainTextAsync("alice@verified.test");
        await Assertions.Expect(row.Locator(".approved-by")).ToContainTextAsync("waiting for approval");
        await row.Locator("button.verified-approve").ClickAsync();
        await Assertions.Expect(admin.Locator("tr.verified-row[data-approved=true] .approved-by")).ToContainTextAsync("approved by admin@verified.test");

        // Now Bob's same question is answered from it, with who vouches for it; he still cannot withdraw it.
        await bob.GotoAsync("chat");
        var reused = await AskAsync(bob, Question);
        await Assertions.Expect(reused).ToContainTextAsync("verified by alice@verified.test");
        await Assertions.Expect(reused).ToContainTextAsync("approved by admin@verified.test");
        await bob.GotoAsync("verified");
        await Assertions.Expect(bob.Locator("tr.verified-row[data-approved=true]")).ToHaveCountAsync(1);
        Assert.Equal(0, await bob.Locator("button.verified-withdraw").CountAsync());
        Assert.Equal(0, await bob.Locator("button.verified-approve").CountAsync());
    }

    private async Task<IPage> SignedInAsync(string email)
    {
        var page = await BrowserPages.NewPageAsync(_browser, _address, output, 1280, 900, $"{email} page");
        await page.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(page, email, Password);
        if (await ChatBrowserFixture.RegisteredWithoutSignInAsync(page))
            await BrowserPages.SubmitSignInAsync(page, email, Password);
        await page.GotoAsync("chat");
        await page.WaitForSelectorAsync(ChatBrowserFixture.ComposerSelector);
        return page;
    }

    private static async Task<ILocator> AskAsync(IPage page, string question)
    {
        await BrowserPages.WaitForCircuitAsync(page);
        var before = await page.Locator("article.message").CountAsync();
        await page.FillAsync(ChatBrowserFixture.ComposerSelector, question);
        await page.PressAsync(ChatBrowserFixture.ComposerSelector, "Enter");
        var answer = page.Locator("article.message").Nth(before);
        await answer.Locator(".answer-footer").WaitForAsync(new() { Timeout = 120_000 });
        Assert.Equal("Succeeded", await answer.GetAttributeAsync("data-status"));
        return answer;
    }
}
