using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web;

public sealed class AccountTests(WebAppFixture app) : IClassFixture<WebAppFixture>
{
    private const string GoodPassword = "correct horse battery staple";

    [Fact]
    public async Task The_first_account_on_an_empty_installation_becomes_Admin_and_the_next_one_Analyst()
    {
        await using var factory = await NlAnalyticsWebFactory.CreateAsync();
        using var visitor = factory.CreateSession();
        Assert.Contains("becomes the <strong>administrator</strong>", await visitor.Http.GetStringAsync("/account/register"));

        using var first = await factory.RegisterAsync("first@example.test", GoodPassword);
        Assert.DoesNotContain("becomes the <strong>administrator</strong>", await visitor.Http.GetStringAsync("/account/register"));
        using var second = await factory.RegisterAsync("second@example.test", GoodPassword);

        Assert.Equal(["Admin"], await RolesOfAsync(factory, "first@example.test"));
        Assert.Equal(["Analyst"], await RolesOfAsync(factory, "second@example.test"));
        // What each of them sees: only the administrator gets the Schema link.
        Assert.Contains("admin/schema", await first.Http.GetStringAsync("/"));
        Assert.DoesNotContain("admin/schema", await second.Http.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_user_can_sign_out_and_sign_in_again()
    {
        var email = WebAppFixture.NewEmail("inout");
        using var session = await app.Factory.RegisterAsync(email, GoodPassword);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/")).StatusCode);

        using var signedOut = await session.SignOutAsync();
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.False(session.IsSignedIn);
        using var afterSignOut = await session.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, afterSignOut.StatusCode);
        Assert.Contains("/account/login", afterSignOut.Headers.Location!.ToString());

        using var signedIn = await session.SignInAsync(email, GoodPassword);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        using var home = await session.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains(email, await home.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Signing_out_requires_the_antiforgery_token()
    {
        using var session = await app.Factory.RegisterAsync(WebAppFixture.NewEmail("csrf"), GoodPassword);

        using var forged = await session.Http.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_and_then_even_the_right_one_is_refused()
    {
        var email = WebAppFixture.NewEmail("lock");
        (await app.Factory.RegisterAsync(email, GoodPassword)).Dispose();
        using var attacker = app.Factory.CreateSession();

        string page = "";
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var response = await attacker.SignInAsync(email, $"wrong password {attempt}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            page = await response.Content.ReadAsStringAsync();
            if (attempt < 5)
                Assert.Contains("do not match an account", page);
        }
        Assert.Contains("Try again in 15 minutes", page);

        using var owner = app.Factory.CreateSession();
        using var refused = await owner.SignInAsync(email, GoodPassword);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("locked", await refused.Content.ReadAsStringAsync());
        Assert.False(owner.IsSignedIn);
    }

    [Fact]
    public async Task A_seven_character_password_is_refused()
    {
        var email = WebAppFixture.NewEmail("short");
        using var session = app.Factory.CreateSession();

        using var response = await session.RegisterAsync(email, "abcdefg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("between 8 and 256 characters", BrowserSession.FormErrors(await response.Content.ReadAsStringAsync()));
        Assert.False(session.IsSignedIn);
        Assert.Null(await FindAsync(app.Factory, email));
    }

    [Theory]
    [InlineData("abcdefgh")]
    [InlineData("all lowercase words and no digits or symbols but one hundred characters long, which is plenty ok now")]
    public async Task Long_or_plain_passwords_of_eight_characters_or_more_are_accepted(string password)
    {
        Assert.True(password.Length is 8 or 100, $"test data: {password.Length} characters");
        var email = WebAppFixture.NewEmail("plain");

        using var session = await app.Factory.RegisterAsync(email, password);
        using var again = await app.Factory.SignInAsync(email, password);

        Assert.True(again.IsSignedIn);
    }

    [Fact]
    public async Task The_register_page_states_the_password_policy_in_words()
    {
        using var session = app.Factory.CreateSession();

        var page = await session.Http.GetStringAsync("/account/register");

        Assert.Contains("At least 8 characters, up to 256", page);
        Assert.Contains("maxlength=\"256\"", page);
    }

    private static async Task<AppUser?> FindAsync(NlAnalyticsWebFactory factory, string email)
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(email);
    }

    private static async Task<IList<string>> RolesOfAsync(NlAnalyticsWebFactory factory, string email)
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        return await users.GetRolesAsync((await users.FindByEmailAsync(email))!);
    }
}
