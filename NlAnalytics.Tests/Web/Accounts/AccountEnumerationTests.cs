using System.Net;
using NlAnalytics.Tests.Infrastructure;
using static NlAnalytics.Tests.Web.Accounts.AccountsTestApp;

namespace NlAnalytics.Tests.Web.Accounts;

/// <summary>Registration and sign-in say nothing about which addresses have accounts (ASVS: no account enumeration).</summary>
public sealed class AccountEnumerationTests
{
    private const string Password = "a visitor's long passphrase";

    [Fact]
    public async Task Registering_a_taken_address_answers_exactly_like_a_free_one_and_changes_nothing()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;
        using (await factory.RegisterAsync("taken@example.test", "the owner's own passphrase")) { }

        using var probeTaken = factory.CreateSession();
        using var taken = await probeTaken.RegisterAsync("taken@example.test", Password);
        using var probeFree = factory.CreateSession();
        using var free = await probeFree.RegisterAsync("free@example.test", Password);

        Assert.Equal(HttpStatusCode.Redirect, taken.StatusCode);
        Assert.Equal(free.StatusCode, taken.StatusCode);
        Assert.EndsWith("/account/login?registered=1", free.Headers.Location!.ToString());
        Assert.Equal(free.Headers.Location, taken.Headers.Location);
        Assert.False(probeTaken.IsSignedIn);
        Assert.False(probeFree.IsSignedIn);
        Assert.Equal(CookieNames(free), CookieNames(taken));
        // The owner's password still works; the prober's does not.
        using var owner = await factory.SignInAsync("taken@example.test", "the owner's own passphrase");
        using var prober = factory.CreateSession();
        using var refused = await prober.SignInAsync("taken@example.test", Password);
        Assert.False(prober.IsSignedIn);
    }

    [Fact]
    public async Task A_weak_password_gets_the_same_errors_for_a_taken_and_a_free_address()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;

        using var taken = await factory.CreateSession().RegisterAsync("admin@example.test", "short");
        using var free = await factory.CreateSession().RegisterAsync("nobody@example.test", "short");

        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        var takenErrors = BrowserSession.FormErrors(await taken.Content.ReadAsStringAsync());
        Assert.Contains("between 8 and 256", takenErrors);
        Assert.Equal(BrowserSession.FormErrors(await free.Content.ReadAsStringAsync()), takenErrors);
    }

    [Fact]
    public async Task Sign_in_refuses_and_locks_out_an_unknown_address_exactly_like_a_known_one()
    {
        var (factory, admin) = await StartAsync("InviteOnly");
        await using var _ = factory;
        using var __ = admin;

        for (var attempt = 1; attempt <= 6; attempt++)
        {
            var known = await SignInPageAsync(factory, "admin@example.test", $"wrong {attempt}");
            var unknown = await SignInPageAsync(factory, "nobody@example.test", $"wrong {attempt}");
            Assert.Equal(known, unknown);
            Assert.Contains(attempt < 5 ? "do not match an account" : "Try again in 15 minutes", known);
        }
    }

    private static string[] CookieNames(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values.Select(v => v[..v.IndexOf('=')]).Order(StringComparer.Ordinal)] : [];

    private static async Task<string> SignInPageAsync(NlAnalyticsWebFactory factory, string email, string password)
    {
        using var session = factory.CreateSession();
        using var response = await session.SignInAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(session.IsSignedIn);
        return BrowserSession.FormErrors(await response.Content.ReadAsStringAsync());
    }
}
