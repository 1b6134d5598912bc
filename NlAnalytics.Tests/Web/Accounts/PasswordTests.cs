using System.Net;
using System.Text.RegularExpressions;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Web.Components.Account;
using static NlAnalytics.Tests.Web.Accounts.AccountsTestApp;

namespace NlAnalytics.Tests.Web.Accounts;

/// <summary>The common-password check, changing a password while signed in, and resetting it with a link from the log.</summary>
public sealed partial class PasswordTests
{
    private const string Password = "an analyst's long passphrase";
    private const string NewPassword = "a brand new long passphrase";

    [Fact]
    public void The_shipped_list_holds_at_least_the_ten_thousand_most_common_passwords()
    {
        Assert.True(CommonPasswordValidator.Count >= 10_000, $"{CommonPasswordValidator.Count} passwords");
        Assert.True(CommonPasswordValidator.IsCommon("baseball"));
        Assert.False(CommonPasswordValidator.IsCommon(Password));
    }

    [Theory]
    [InlineData("12345678")]
    [InlineData("Password1")]
    [InlineData("QWERTYUIOP")]
    [InlineData("trustno1")]
    [InlineData("sunshine1")]
    public async Task Registering_with_a_common_password_is_refused_with_a_reason(string common)
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;
        using var visitor = factory.CreateSession();

        using var response = await visitor.RegisterAsync("common@example.test", common);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("one of the most common passwords", BrowserSession.FormErrors(await response.Content.ReadAsStringAsync()));
        Assert.Null(await FindAsync(factory, "common@example.test"));
    }

    [Fact]
    public async Task The_address_itself_is_refused_as_a_password()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;

        using var response = await factory.CreateSession().RegisterAsync("mylongname@example.test", "mylongname");

        Assert.Contains("cannot be your email address", BrowserSession.FormErrors(await response.Content.ReadAsStringAsync()));
        Assert.Null(await FindAsync(factory, "mylongname@example.test"));
    }

    [Fact]
    public async Task Changing_the_password_keeps_this_session_ends_the_others_and_refuses_a_common_one()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;
        using var here = await factory.RegisterAsync("changer@example.test", Password);
        using var elsewhere = await factory.SignInAsync("changer@example.test", Password);

        using (var common = await here.SubmitFormAsync("/account/password", ChangeForm(Password, "iloveyou")))
            Assert.Contains("one of the most common passwords", BrowserSession.FormErrors(await common.Content.ReadAsStringAsync()));
        using (var wrong = await here.SubmitFormAsync("/account/password", ChangeForm("not my password", NewPassword)))
            Assert.Contains("current password is not right", BrowserSession.FormErrors(await wrong.Content.ReadAsStringAsync()));
        using (var changed = await here.SubmitFormAsync("/account/password", ChangeForm(Password, NewPassword)))
            Assert.Contains("Your password was changed", await changed.Content.ReadAsStringAsync());

        using (var page = await here.GetAsync("/"))
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using (var other = await ReplayAsync(factory, elsewhere.CookieHeader, "/"))
            Assert.True(IsLoginRedirect(other), "the other device's cookie still works");
        using var old = factory.CreateSession();
        using (await old.SignInAsync("changer@example.test", Password))
            Assert.False(old.IsSignedIn);
        using var fresh = await factory.SignInAsync("changer@example.test", NewPassword);
        Assert.True(fresh.IsSignedIn);
    }

    [Fact]
    public async Task The_change_password_page_sends_a_visitor_to_sign_in()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;

        using var response = await factory.CreateSession().GetAsync("/account/password");

        Assert.True(IsLoginRedirect(response));
    }

    [Fact]
    public async Task A_reset_link_goes_to_the_log_only_for_an_account_works_once_and_ends_old_sessions_and_no_password_is_logged()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;
        using var victim = await factory.RegisterAsync("forgetful@example.test", Password);

        var known = await RequestResetAsync(factory, "forgetful@example.test");
        var unknown = await RequestResetAsync(factory, "nobody@example.test");
        Assert.Equal(known, unknown);
        Assert.Contains("If an account exists for that address", known);
        Assert.DoesNotContain("nobody@example.test", factory.Logs.All);
        var links = ResetLink().Matches(factory.Logs.All).Select(m => m.Value).ToList();
        var link = Assert.Single(links);
        Assert.Contains("forgetful@example.test", factory.Logs.Lines.Single(l => l.Contains(link, StringComparison.Ordinal)));

        var path = new Uri(link).PathAndQuery;
        using var visitor = factory.CreateSession();
        using (var common = await visitor.SubmitFormAsync(path, ResetForm("password1")))
            Assert.Contains("one of the most common passwords", BrowserSession.FormErrors(await common.Content.ReadAsStringAsync()));
        using (var reset = await visitor.SubmitFormAsync(path, ResetForm(NewPassword)))
        {
            Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
            Assert.EndsWith("/account/login?reset=1", reset.Headers.Location!.ToString());
        }

        using (var old = await ReplayAsync(factory, victim.CookieHeader, "/"))
            Assert.True(IsLoginRedirect(old));
        using (var signedIn = await factory.SignInAsync("forgetful@example.test", NewPassword))
            Assert.True(signedIn.IsSignedIn);
        using (var again = await factory.CreateSession().SubmitFormAsync(path, ResetForm("yet another long passphrase")))
            Assert.Contains("cannot be used", BrowserSession.FormErrors(await again.Content.ReadAsStringAsync()));
        // Neither password, old or new, is in any log line.
        Assert.DoesNotContain(Password, factory.Logs.All);
        Assert.DoesNotContain(NewPassword, factory.Logs.All);
    }

    private static async Task<string> RequestResetAsync(NlAnalyticsWebFactory factory, string email)
    {
        using var session = factory.CreateSession();
        using var response = await session.SubmitFormAsync("/account/forgot", new Dictionary<string, string> { ["Input.Email"] = email });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var start = html.IndexOf("id=\"reset-requested\"", StringComparison.Ordinal);
        Assert.True(start > 0, "the page confirms the request");
        return html[start..html.IndexOf("</div>", start, StringComparison.Ordinal)];
    }

    private static Dictionary<string, string> ChangeForm(string current, string next) => new()
    {
        ["Input.CurrentPassword"] = current,
        ["Input.Password"] = next,
        ["Input.ConfirmPassword"] = next,
    };

    private static Dictionary<string, string> ResetForm(string password) => new()
    {
        ["Input.Password"] = password,
        ["Input.ConfirmPassword"] = password,
    };

    [GeneratedRegex(@"https?://\S+/account/reset\?user=[^\s&]+&code=[A-Za-z0-9_-]+")]
    private static partial Regex ResetLink();
}
