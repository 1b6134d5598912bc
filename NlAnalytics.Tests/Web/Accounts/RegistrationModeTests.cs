using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Infrastructure;
using static NlAnalytics.Tests.Web.Accounts.AccountsTestApp;

namespace NlAnalytics.Tests.Web.Accounts;

/// <summary>Auth:Registration and invitation links, through the register form as a visitor uses it.</summary>
public sealed class RegistrationModeTests
{
    private const string Password = "a visitor's long passphrase";

    [Fact]
    public async Task Invite_only_is_the_default_once_an_Admin_exists_and_a_stranger_gets_no_account()
    {
        // No Auth:Registration at all: the shipped default.
        await using var factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?> { ["Auth:Registration"] = null });
        using (await factory.RegisterAsync("first@example.test", Password))
            Assert.Equal(["Admin"], await RolesOfAsync(factory, "first@example.test"));

        using var stranger = factory.CreateSession();
        var page = await stranger.Http.GetStringAsync("/account/register");
        Assert.Contains("by invitation", page);
        Assert.DoesNotContain("id=\"email\"", page);
        using var response = await stranger.RegisterAsync("stranger@example.test", Password);

        Assert.NotEqual(HttpStatusCode.Redirect, response.StatusCode);
        Assert.False(stranger.IsSignedIn);
        Assert.Null(await FindAsync(factory, "stranger@example.test"));
        Assert.Equal(1, await UserCountAsync(factory));
        // The sign-in page offers no registration link either.
        Assert.DoesNotContain("Create one", await stranger.Http.GetStringAsync("/account/login"));
    }

    [Fact]
    public async Task An_invitation_creates_one_account_with_its_role_and_then_no_more()
    {
        var (factory, admin) = await StartAsync("InviteOnly");
        await using var _ = factory;
        using var __ = admin;
        var invitation = await InviteAsync(factory, "Admin");

        using var invited = factory.CreateSession();
        var page = await invited.Http.GetStringAsync("/" + invitation.RelativeLink);
        Assert.Contains("invited as <strong>administrator</strong>", page);
        using var registered = await invited.SubmitFormAsync("/" + invitation.RelativeLink, Form("invited@example.test"));
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        Assert.Contains("/account/login?registered=1", registered.Headers.Location!.ToString());
        using var signedIn = await factory.SignInAsync("invited@example.test", Password);
        Assert.Equal(["Admin"], await RolesOfAsync(factory, "invited@example.test"));

        // The same link again: refused, no second account.
        using var second = factory.CreateSession();
        Assert.Contains("cannot be used", await second.Http.GetStringAsync("/" + invitation.RelativeLink));
        using var again = await second.SubmitFormAsync("/" + invitation.RelativeLink, Form("second@example.test"));
        Assert.NotEqual(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Null(await FindAsync(factory, "second@example.test"));

        using var scope = factory.Services.CreateScope();
        var row = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Invitations.SingleAsync();
        Assert.Equal("invited@example.test", row.UsedBy);
        // Only a hash of the token is stored.
        Assert.NotEqual(invitation.Token, row.TokenHash);
        Assert.DoesNotContain(invitation.Token, row.TokenHash);
    }

    [Fact]
    public async Task A_revoked_an_expired_and_a_made_up_invitation_are_refused()
    {
        var (factory, admin) = await StartAsync("InviteOnly");
        await using var _ = factory;
        using var __ = admin;
        var revoked = await InviteAsync(factory, "Analyst");
        var expired = await InviteAsync(factory, "Analyst");
        using (var scope = factory.Services.CreateScope())
        {
            var invitations = scope.ServiceProvider.GetRequiredService<NlAnalytics.Web.Components.Account.Invitations>();
            Assert.True(await invitations.RevokeAsync(revoked.Invitation.Id, CancellationToken.None));
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Invitations.Where(i => i.Id == expired.Invitation.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }

        foreach (var (link, email) in new[]
                 {
                     (revoked.RelativeLink, "revoked@example.test"),
                     (expired.RelativeLink, "expired@example.test"),
                     ("account/register?invite=made-up-token", "madeup@example.test"),
                 })
        {
            using var visitor = factory.CreateSession();
            Assert.Contains("cannot be used", await visitor.Http.GetStringAsync("/" + link));
            using var response = await visitor.SubmitFormAsync("/" + link, Form(email));
            Assert.NotEqual(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Null(await FindAsync(factory, email));
        }
    }

    [Fact]
    public async Task Closed_refuses_even_an_invitation_but_the_first_account_of_an_empty_installation_is_still_made_Admin()
    {
        var (factory, admin) = await StartAsync("Closed");
        await using var _ = factory;
        using var __ = admin;
        Assert.Equal(["Admin"], await RolesOfAsync(factory, "admin@example.test"));
        var invitation = await InviteAsync(factory, "Analyst");

        using var visitor = factory.CreateSession();
        Assert.Contains("Registration is closed", await visitor.Http.GetStringAsync("/account/register"));
        Assert.Contains("cannot be used", await visitor.Http.GetStringAsync("/" + invitation.RelativeLink));
        using var response = await visitor.SubmitFormAsync("/" + invitation.RelativeLink, Form("closed@example.test"));

        Assert.NotEqual(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(1, await UserCountAsync(factory));
    }

    [Fact]
    public async Task Open_lets_a_stranger_register_as_Analyst()
    {
        var (factory, admin) = await StartAsync("Open");
        await using var _ = factory;
        using var __ = admin;

        using var stranger = await factory.RegisterAsync("open@example.test", Password);

        Assert.True(stranger.IsSignedIn);
        Assert.Equal(["Analyst"], await RolesOfAsync(factory, "open@example.test"));
    }

    private static Dictionary<string, string> Form(string email) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = Password,
        ["Input.ConfirmPassword"] = Password,
    };
}
