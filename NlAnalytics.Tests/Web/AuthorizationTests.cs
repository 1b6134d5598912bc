using System.Net;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web;

public sealed class AuthorizationTests(AuthorizationTests.Users users) : IClassFixture<AuthorizationTests.Users>
{
    /// <summary>An app with an administrator (registered first) and an analyst.</summary>
    public sealed class Users : IAsyncLifetime
    {
        public NlAnalyticsWebFactory Factory { get; private set; } = null!;
        public BrowserSession Admin { get; private set; } = null!;
        public BrowserSession Analyst { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Factory = await NlAnalyticsWebFactory.CreateAsync();
            Admin = await Factory.RegisterAsync("admin@example.test", "admin passphrase");
            Analyst = await Factory.RegisterAsync("analyst@example.test", "analyst passphrase");
        }

        public async Task DisposeAsync()
        {
            Admin.Dispose();
            Analyst.Dispose();
            await Factory.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/admin/schema")]
    public async Task Anonymous_visitors_are_sent_to_the_login_page(string path)
    {
        using var visitor = users.Factory.CreateSession();

        using var response = await visitor.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.Contains("/account/login", location);
        Assert.Contains($"ReturnUrl={Uri.EscapeDataString(path)}", location);
    }

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/account/register")]
    [InlineData("/account/denied")]
    public async Task Account_pages_are_open_to_anonymous_visitors(string path)
    {
        using var visitor = users.Factory.CreateSession();

        using var response = await visitor.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Signed_in_users_get_the_shell_with_their_name_and_the_chat_page()
    {
        using var response = await users.Analyst.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("NlAnalytics", page);
        Assert.Contains("analyst@example.test", page);
        Assert.Contains("aria-label=\"Conversation\"", page);
    }

    [Fact]
    public async Task An_admin_can_open_the_schema_browser()
    {
        using var response = await users.Admin.GetAsync("/admin/schema");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<title>Schema · NlAnalytics</title>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_analyst_is_sent_to_access_denied_for_the_schema_browser()
    {
        using var response = await users.Analyst.GetAsync("/admin/schema");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/account/denied", response.Headers.Location!.ToString());
        var denied = await users.Analyst.Http.GetStringAsync(response.Headers.Location);
        Assert.Contains("for administrators", denied);
    }

    [Fact]
    public async Task A_return_url_pointing_to_another_site_is_not_followed_after_sign_in()
    {
        using var session = users.Factory.CreateSession();

        using var response = await session.SubmitFormAsync("/account/login?ReturnUrl=%2F%2Fevil.example", new Dictionary<string, string>
        {
            ["Input.Email"] = "analyst@example.test",
            ["Input.Password"] = "analyst passphrase",
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.DoesNotContain("evil.example", response.Headers.Location!.ToString());
    }
}
