using System.Net;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Web.Components.Account;
using static NlAnalytics.Tests.Web.Accounts.AccountsTestApp;

namespace NlAnalytics.Tests.Web.Accounts;

/// <summary>
/// A cookie captured from a session stops working when the session ends: at sign-out, when an Admin disables the account
/// or signs it out everywhere, and when its role changes. The app here re-checks cookies on every request
/// (Auth:SessionCheckSeconds=0); the shipped default re-checks every 60 seconds.
/// </summary>
public sealed class SessionEndTests
{
    private const string Password = "an analyst's long passphrase";

    [Fact]
    public async Task A_cookie_captured_before_sign_out_is_refused_afterwards()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;
        using var analyst = await factory.RegisterAsync("out@example.test", Password);
        var captured = analyst.CookieHeader;
        using (var before = await ReplayAsync(factory, captured, "/"))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using (var signedOut = await analyst.SignOutAsync())
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);

        using var page = await ReplayAsync(factory, captured, "/");
        Assert.True(IsLoginRedirect(page), $"the captured cookie still opened / ({(int)page.StatusCode})");
        using var api = await ReplayAsync(factory, captured, "/api/threads");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task With_the_shipped_session_check_a_cookie_captured_before_sign_out_or_a_password_change_is_refused_at_once()
    {
        // The shipped default (Auth:SessionCheckSeconds 60): the database check alone left a captured cookie working for
        // up to a minute after its owner signed out; the instance that ended the session refuses it on the next request.
        var factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?> { ["Auth:Registration"] = "Open" });
        await using var _ = factory;
        using var admin = await factory.RegisterAsync("admin@example.test", AdminPassword);
        using var analyst = await factory.RegisterAsync("prompt@example.test", Password);
        var captured = analyst.CookieHeader;
        using var elsewhere = await factory.SignInAsync("prompt@example.test", Password);
        using (var before = await ReplayAsync(factory, captured, "/api/threads"))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using (var signedOut = await analyst.SignOutAsync())
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);

        using (var api = await ReplayAsync(factory, captured, "/api/threads"))
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using (var page = await ReplayAsync(factory, captured, "/"))
            Assert.True(IsLoginRedirect(page), $"the captured cookie still opened / ({(int)page.StatusCode})");
        // Every session of the account ended, the other device's too; a new sign-in works, and so does its password change,
        // which keeps the changing session (its fresh cookie carries the new stamp) and ends the one captured before it.
        using (var other = await ReplayAsync(factory, elsewhere.CookieHeader, "/api/threads"))
            Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        using var again = await factory.SignInAsync("prompt@example.test", Password);
        using var third = await factory.SignInAsync("prompt@example.test", Password);
        using (var changed = await again.SubmitFormAsync("/account/password", new Dictionary<string, string>
               {
                   ["Input.CurrentPassword"] = Password, ["Input.Password"] = Password + " changed", ["Input.ConfirmPassword"] = Password + " changed",
               }))
            Assert.Contains("Your password was changed", await changed.Content.ReadAsStringAsync());
        using (var kept = await again.GetAsync("/api/threads"))
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        using (var ended = await ReplayAsync(factory, third.CookieHeader, "/api/threads"))
            Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
    }

    [Fact]
    public async Task A_disabled_account_loses_its_sessions_and_cannot_sign_in_until_enabled()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;
        using var analyst = await factory.RegisterAsync("disabled@example.test", Password);
        var captured = analyst.CookieHeader;
        var id = (await FindAsync(factory, "disabled@example.test"))!.Id;
        var adminId = (await FindAsync(factory, "admin@example.test"))!.Id;

        Assert.True((await AdministerAsync(factory, a => a.SetDisabledAsync(adminId, id, true, CancellationToken.None))).Succeeded);

        using (var page = await ReplayAsync(factory, captured, "/"))
            Assert.True(IsLoginRedirect(page));
        using (var api = await ReplayAsync(factory, captured, "/api/threads"))
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var refused = factory.CreateSession();
        using (var response = await refused.SignInAsync("disabled@example.test", Password))
            Assert.Contains("do not match an account", BrowserSession.FormErrors(await response.Content.ReadAsStringAsync()));
        Assert.False(refused.IsSignedIn);

        Assert.True((await AdministerAsync(factory, a => a.SetDisabledAsync(adminId, id, false, CancellationToken.None))).Succeeded);
        using var back = await factory.SignInAsync("disabled@example.test", Password);
        Assert.True(back.IsSignedIn);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_of_the_account_but_keeps_its_password()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;
        using var laptop = await factory.RegisterAsync("forced@example.test", Password);
        using var phone = await factory.SignInAsync("forced@example.test", Password);
        var id = (await FindAsync(factory, "forced@example.test"))!.Id;

        Assert.True((await AdministerAsync(factory, a => a.SignOutEverywhereAsync(id, CancellationToken.None))).Succeeded);

        foreach (var session in new[] { laptop, phone })
            using (var page = await ReplayAsync(factory, session.CookieHeader, "/"))
                Assert.True(IsLoginRedirect(page));
        // The Admin's own session is untouched.
        using (var adminPage = await admin.GetAsync("/"))
            Assert.Equal(HttpStatusCode.OK, adminPage.StatusCode);
        using var again = await factory.SignInAsync("forced@example.test", Password);
        Assert.True(again.IsSignedIn);
    }

    [Fact]
    public async Task A_role_change_ends_the_sessions_and_the_next_sign_in_carries_the_new_role()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;
        using var analyst = await factory.RegisterAsync("promoted@example.test", Password);
        Assert.DoesNotContain("admin/users", await analyst.Http.GetStringAsync("/"));
        var id = (await FindAsync(factory, "promoted@example.test"))!.Id;
        var adminId = (await FindAsync(factory, "admin@example.test"))!.Id;

        Assert.True((await AdministerAsync(factory, a => a.SetRoleAsync(adminId, id, "Admin", CancellationToken.None))).Succeeded);

        using (var old = await ReplayAsync(factory, analyst.CookieHeader, "/"))
            Assert.True(IsLoginRedirect(old));
        Assert.Equal(["Admin"], await RolesOfAsync(factory, "promoted@example.test"));
        using var promoted = await factory.SignInAsync("promoted@example.test", Password);
        Assert.Contains("admin/users", await promoted.Http.GetStringAsync("/"));
    }

    [Fact]
    public async Task An_Admin_cannot_disable_or_demote_themselves()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;
        var adminId = (await FindAsync(factory, "admin@example.test"))!.Id;

        var disabled = await AdministerAsync(factory, a => a.SetDisabledAsync(adminId, adminId, true, CancellationToken.None));
        var demoted = await AdministerAsync(factory, a => a.SetRoleAsync(adminId, adminId, "Analyst", CancellationToken.None));

        Assert.False(disabled.Succeeded);
        Assert.False(demoted.Succeeded);
        Assert.Equal(["Admin"], await RolesOfAsync(factory, "admin@example.test"));
        using var page = await admin.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private static async Task<AdminActionResult> AdministerAsync(NlAnalyticsWebFactory factory, Func<UserAdministration, Task<AdminActionResult>> action)
    {
        using var scope = factory.Services.CreateScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserAdministration>());
    }
}
