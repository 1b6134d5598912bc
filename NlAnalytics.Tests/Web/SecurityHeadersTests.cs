using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web;

/// <summary>
/// Attack 42: the headers of a running app on Kestrel, over plain HTTP and behind a TLS proxy on this machine
/// (X-Forwarded-Proto), and the problem details of an oversized body.
/// </summary>
public sealed class SecurityHeadersTests(SecurityHeadersTests.App app) : IClassFixture<SecurityHeadersTests.App>
{
    private const string Password = "header passphrase";

    public sealed class App : IAsyncLifetime
    {
        public NlAnalyticsWebFactory Factory { get; private set; } = null!;
        public Uri BaseAddress { get; private set; } = null!;
        public BrowserSession Analyst { get; private set; } = null!;
        public string Email { get; } = WebAppFixture.NewEmail("headers");

        public async Task InitializeAsync()
        {
            Factory = await NlAnalyticsWebFactory.CreateAsync();
            BaseAddress = Factory.StartKestrel();
            Analyst = await Factory.RegisterAsync(Email, Password);
        }

        public async Task DisposeAsync()
        {
            Analyst.Dispose();
            await Factory.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/")]
    [InlineData("/api/threads")]
    public async Task Every_answer_carries_a_script_src_self_policy_nosniff_and_a_referrer_policy(string path)
    {
        using var response = await app.Analyst.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        // Plain HTTP: no HSTS (a browser would ignore it, and it must not pin a development address).
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Api_answers_and_csv_downloads_are_never_stored_while_pages_may_be()
    {
        var messageId = await StoreAnswerAsync();

        using var list = await app.Analyst.GetAsync("/api/threads");
        using var csv = await app.Analyst.GetAsync($"/api/messages/{messageId}/result.csv");

        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.StartsWith("text/csv", csv.Content.Headers.ContentType!.ToString());
        Assert.True(list.Headers.CacheControl!.NoStore, "the thread list is no-store");
        Assert.True(csv.Headers.CacheControl!.NoStore, "the CSV download is no-store");
    }

    [Fact]
    public async Task Behind_a_tls_proxy_the_app_sends_hsts_and_sets_secure_cookies()
    {
        using var http = ProxiedClient();

        using var login = await http.GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.StartsWith("max-age=31536000", Assert.Single(login.Headers.GetValues("Strict-Transport-Security")));
        // Every cookie of the page, the antiforgery one too (not Secure by default even over HTTPS).
        Assert.All(login.Headers.GetValues("Set-Cookie"), c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));

        // Sign in through the form as the proxy forwards it: the authentication cookie is Secure.
        var cookies = CookiePairs(login);
        var form = BrowserSession.HiddenFields(await login.Content.ReadAsStringAsync());
        form["Input.Email"] = app.Email;
        form["Input.Password"] = Password;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login") { Content = new FormUrlEncodedContent(form) };
        post.Headers.Add("Cookie", string.Join("; ", cookies));
        using var signedIn = await http.SendAsync(post);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var authCookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(BrowserSession.AuthCookieName + "=", StringComparison.Ordinal));
        Assert.Contains("; secure", authCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", authCookie, StringComparison.OrdinalIgnoreCase);
        // Redirects name the public scheme and host, not the app's own http://127.0.0.1.
        Assert.StartsWith("https://analytics.example.test/", new Uri(new Uri("https://analytics.example.test/"), signedIn.Headers.Location!).ToString());
    }

    [Fact]
    public async Task Without_the_proxy_header_the_same_sign_in_cookie_is_not_marked_secure()
    {
        using var session = app.Factory.CreateSession();
        using var response = await session.SignInAsync(app.Email, Password);

        var authCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(BrowserSession.AuthCookieName + "=", StringComparison.Ordinal));
        Assert.DoesNotContain("; secure", authCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_40_mb_body_gets_413_with_problem_details()
    {
        var body = new string('x', 40 * 1024 * 1024);
        using var content = new StringContent($"{{\"dataSource\":\"demo\",\"title\":\"{body}\"}}", System.Text.Encoding.UTF8, "application/json");

        // As curl and browsers' upload clients do for a large body: headers first, the body only once the server agrees.
        // The client waits for the server's word however long it takes: by default it sends the body anyway after one
        // second, and on a busy machine the server's 413 then closes the connection under the upload (a broken pipe).
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, Expect100ContinueTimeout = Timeout.InfiniteTimeSpan })
            { BaseAddress = app.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/threads") { Content = content };
        request.Headers.ExpectContinue = true;
        request.Headers.Add("Cookie", app.Analyst.CookieHeader);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
        Assert.Equal(413, problem!["status"]!.GetValue<int>());
    }

    private HttpClient ProxiedClient()
    {
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.BaseAddress };
        // What a TLS-terminating proxy on this machine adds to each request it forwards.
        http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        http.DefaultRequestHeaders.Add("X-Forwarded-Host", "analytics.example.test");
        http.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
        return http;
    }

    private static List<string> CookiePairs(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]).ToList() : [];

    private async Task<Guid> StoreAnswerAsync()
    {
        var services = app.Factory.Services;
        await using var context = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var userId = await context.Users.Where(u => u.Email == app.Email).Select(u => u.Id).SingleAsync();
        using var created = await app.Analyst.Http.PostAsJsonAsync("/api/threads", new { dataSource = "demo", title = "Headers" });
        created.EnsureSuccessStatusCode();
        var threadId = (await created.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<Guid>();
        var store = services.GetRequiredService<ThreadStore>();
        var (message, _) = await store.AddQuestionAsync(userId, threadId, "Stores?", Guid.NewGuid(), CancellationToken.None);
        var result = new QueryResult([new ResultColumn("store", "text")], [["Lausanne"]], false, TimeSpan.FromMilliseconds(3));
        await store.SaveAnswerAsync(userId, message.Id, new AnalystAnswer("Stores?", "Stores?", "SELECT 1", result, null, "Stored by the test.", [], [], [], AnswerPath.Manual), CancellationToken.None);
        return message.Id;
    }
}
