using Microsoft.Playwright;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// Registration by invitation in Chromium, on an installation in the shipped default mode (InviteOnly): the Admin makes
/// a link on the Users page, a stranger without one gets no form, the invited person registers once, and an Admin's
/// "Disable" ends the open page of that person (the circuit re-checks the account every second here).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class InvitationBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminEmail = "owner@example.test";
    private const string AdminPassword = "the owner's long passphrase";
    private const string InviteePassword = "the invitee's long passphrase";

    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?>
        {
            // The app's default mode, not the tests' Open.
            ["Auth:Registration"] = null,
            ["Auth:SessionCheckSeconds"] = "1",
            ["Analyst:Mode"] = "Offline",
        });
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
    public async Task An_Admin_invites_a_stranger_cannot_register_the_invitee_registers_once_and_a_disable_ends_their_page()
    {
        var admin = await NewPageAsync();
        // The first account of the empty installation: created and signed in as Admin.
        await admin.GotoAsync("account/register");
        await BrowserPages.SubmitRegistrationAsync(admin, AdminEmail, AdminPassword);
        await Assertions.Expect(admin.Locator(".app-user-name")).ToHaveTextAsync(AdminEmail);
        await WaitForCircuitAsync(admin);

        // The Users page, reached through the sidebar; an invitation for an analyst.
        await admin.ClickAsync(".app-drawer >> text=Users");
        await admin.WaitForURLAsync("**/admin/users");
        await Assertions.Expect(admin.Locator("#registration-mode")).ToContainTextAsync("by invitation only");
        await admin.Locator("button.invite-create").ClickAsync();
        var linkBox = admin.Locator("[data-testid=invitation-link]");
        await linkBox.WaitForAsync();
        var link = await linkBox.InputValueAsync();
        Assert.StartsWith(_address.ToString() + "account/register?invite=", link);
        await Assertions.Expect(admin.Locator("tr.invitation-row[data-state=Open]")).ToHaveCountAsync(1);

        // A stranger without the link: no form.
        var stranger = await NewPageAsync();
        await stranger.GotoAsync("account/register");
        await Assertions.Expect(stranger.Locator("#registration-closed")).ToContainTextAsync("by invitation");
        Assert.Equal(0, await stranger.Locator("#email").CountAsync());
        await stranger.GotoAsync("account/login");
        Assert.Equal(0, await stranger.GetByText("Create one").CountAsync());

        // The invitee registers with the link, then signs in.
        var invitee = await NewPageAsync();
        await invitee.GotoAsync(link);
        await Assertions.Expect(invitee.Locator("#invitation-note")).ToContainTextAsync("analyst");
        await BrowserPages.SubmitRegistrationAsync(invitee, "invitee@example.test", InviteePassword);
        await invitee.Locator("#registered-note").WaitForAsync();
        await BrowserPages.SubmitSignInAsync(invitee, "invitee@example.test", InviteePassword);
        await Assertions.Expect(invitee.Locator(".app-user-name")).ToHaveTextAsync("invitee@example.test");
        Assert.Equal(0, await invitee.Locator(".app-drawer >> text=Users").CountAsync());

        // The link works once.
        await stranger.GotoAsync(link);
        await Assertions.Expect(stranger.Locator("#registration-closed")).ToContainTextAsync("cannot be used");
        Assert.Equal(0, await stranger.Locator("#email").CountAsync());

        // The Admin sees it used and the new account; a second invitation is revoked and its link refused.
        await admin.ReloadAsync();
        await WaitForCircuitAsync(admin);
        await Assertions.Expect(admin.Locator("tr.invitation-row[data-state=Used] .invitation-state")).ToContainTextAsync("Used by invitee@example.test");
        await Assertions.Expect(admin.Locator("tr.user-row[data-email='invitee@example.test']")).ToHaveCountAsync(1);
        await admin.Locator("button.invite-create").ClickAsync();
        await Assertions.Expect(admin.Locator("tr.invitation-row[data-state=Open]")).ToHaveCountAsync(1);
        var second = await admin.Locator("[data-testid=invitation-link]").InputValueAsync();
        Assert.NotEqual(link, second);
        await admin.Locator("tr.invitation-row[data-state=Open] button.invite-revoke").ClickAsync();
        await Assertions.Expect(admin.Locator("tr.invitation-row[data-state=Revoked]")).ToHaveCountAsync(1);
        await stranger.GotoAsync(second);
        await Assertions.Expect(stranger.Locator("#registration-closed")).ToContainTextAsync("cannot be used");

        // Disable: the invitee's open page (a live circuit) is sent to sign in, and signing in is refused.
        await invitee.GotoAsync("chat");
        await Assertions.Expect(invitee.Locator(".app-user-name")).ToHaveTextAsync("invitee@example.test");
        await WaitForCircuitAsync(invitee);
        var row = admin.Locator("tr.user-row[data-email='invitee@example.test']");
        await row.Locator("button.user-disable").ClickAsync();
        await Assertions.Expect(admin.Locator("tr.user-row[data-email='invitee@example.test'][data-state=disabled]")).ToHaveCountAsync(1);
        await invitee.WaitForURLAsync("**/account/login**", new() { Timeout = 60_000 });
        await BrowserPages.SubmitSignInAsync(invitee, "invitee@example.test", InviteePassword);
        await Assertions.Expect(invitee.Locator("#login-error")).ToContainTextAsync("do not match an account");
    }

    private static Task WaitForCircuitAsync(IPage page) => BrowserPages.WaitForCircuitAsync(page);

    private Task<IPage> NewPageAsync() => BrowserPages.NewPageAsync(_browser, _address, output, 1280, 800);
}
