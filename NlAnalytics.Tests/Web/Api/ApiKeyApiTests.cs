using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Web.Components.Account;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>/api/keys and the X-API-Key header: personal keys made with the cookie, shown once, stored hashed, revocable.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiKeyApiTests(ApiApp app)
{
    [Fact]
    public async Task A_key_is_shown_once_authenticates_the_api_records_last_use_and_stops_working_when_revoked()
    {
        var (id, key) = await CreateKeyAsync(app.Alice, "reporting script");
        Assert.StartsWith("nla_", key);
        // 32 random bytes in base64url without padding are 43 characters.
        Assert.Equal(4 + 43, key.Length);
        Assert.Matches("^nla_[A-Za-z0-9_-]{43}$", key);

        using (var anonymous = app.Factory.CreateSession())
        {
            var aliceThread = await ApiApp.CreateThreadAsync(app.Alice, "Alice's keyed thread");
            using var threads = await SendWithKeyAsync(anonymous, HttpMethod.Get, "/api/threads", key);
            Assert.Equal(HttpStatusCode.OK, threads.StatusCode);
            var ids = (await ApiApp.ReadJsonAsync(threads)).AsArray().Select(t => t!["id"]!.GetValue<Guid>()).ToList();
            Assert.Contains(aliceThread, ids);
            Assert.False(anonymous.IsSignedIn);

            // The key writes as Alice too.
            using var create = new HttpRequestMessage(HttpMethod.Post, "/api/threads") { Content = JsonContent.Create(new { dataSource = "demo", title = "Made with a key" }) };
            create.Headers.Add("X-API-Key", key);
            using var created = await anonymous.Http.SendAsync(create);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var madeWithKey = (await ApiApp.ReadJsonAsync(created))["id"]!.GetValue<Guid>();
            using var seenByAlice = await app.Alice.Http.GetAsync($"/api/threads/{madeWithKey}");
            Assert.Equal(HttpStatusCode.OK, seenByAlice.StatusCode);
        }

        var listed = await ListAsync(app.Alice, "");
        var entry = listed.Single(k => k!["id"]!.GetValue<Guid>() == id)!;
        Assert.Equal("reporting script", entry["name"]!.GetValue<string>());
        Assert.NotNull(entry["lastUsedAt"]);
        Assert.Null(entry["key"]);
        Assert.DoesNotContain(key, listed.ToJsonString());

        using (var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/keys/{id}") { Headers = { { "X-Requested-With", "test" } } })
        using (var revoked = await app.Alice.Http.SendAsync(revoke))
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);

        using var anonymousAgain = app.Factory.CreateSession();
        using var refused = await SendWithKeyAsync(anonymousAgain, HttpMethod.Get, "/api/threads", key);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Contains("revoked", (await ApiApp.ReadJsonAsync(refused))["detail"]!.GetValue<string>());
        // Cookies are unaffected.
        using var cookie = await app.Alice.Http.GetAsync("/api/threads");
        Assert.Equal(HttpStatusCode.OK, cookie.StatusCode);
    }

    [Fact]
    public async Task An_expired_or_unknown_key_gets_401_problem_details()
    {
        var (id, key) = await CreateKeyAsync(app.Bob, "short lived", DateTimeOffset.UtcNow.AddHours(1));
        // Expire it in the table (the API refuses an expiry in the past).
        await using (var context = await Contexts.CreateDbContextAsync())
            await context.ApiKeys.Where(k => k.Id == id).ExecuteUpdateAsync(k => k.SetProperty(x => x.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));

        using var anonymous = app.Factory.CreateSession();
        using var expired = await SendWithKeyAsync(anonymous, HttpMethod.Get, "/api/threads", key);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("application/problem+json", expired.Content.Headers.ContentType!.MediaType);
        Assert.Contains("expired", (await ApiApp.ReadJsonAsync(expired))["detail"]!.GetValue<string>());

        using var unknown = await SendWithKeyAsync(anonymous, HttpMethod.Get, "/api/threads", "nla_" + new string('A', 43));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType!.MediaType);

        using var past = await app.Bob.Http.PostAsJsonAsync("/api/keys", new { name = "already gone", expiresAt = DateTimeOffset.UtcNow.AddDays(-1) });
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
    }

    [Fact]
    public async Task Another_user_cannot_see_or_revoke_my_key_but_an_admin_can()
    {
        var (id, key) = await CreateKeyAsync(app.Alice, "alice only");

        using (var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/keys/{id}") { Headers = { { "X-Requested-With", "test" } } })
        using (var bobs = await app.Bob.Http.SendAsync(request))
            Assert.Equal(HttpStatusCode.NotFound, bobs.StatusCode);
        Assert.DoesNotContain((await ListAsync(app.Bob, "?all=true")), k => k!["id"]!.GetValue<Guid>() == id);

        using var anonymous = app.Factory.CreateSession();
        using (var stillWorks = await SendWithKeyAsync(anonymous, HttpMethod.Get, "/api/threads", key))
            Assert.Equal(HttpStatusCode.OK, stillWorks.StatusCode);

        Assert.Contains(await ListAsync(app.Admin, "?all=true"), k => k!["id"]!.GetValue<Guid>() == id);
        Assert.DoesNotContain(await ListAsync(app.Admin, ""), k => k!["id"]!.GetValue<Guid>() == id);
        using (var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/keys/{id}") { Headers = { { "X-Requested-With", "test" } } })
        using (var admins = await app.Admin.Http.SendAsync(request))
            Assert.Equal(HttpStatusCode.NoContent, admins.StatusCode);
        using var refused = await SendWithKeyAsync(anonymous, HttpMethod.Get, "/api/threads", key);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task The_table_stores_a_hash_not_the_key_and_a_key_cannot_make_keys()
    {
        var (id, key) = await CreateKeyAsync(app.Bob, "stored");
        await using (var context = await Contexts.CreateDbContextAsync())
        {
            var row = await context.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == id);
            Assert.NotEqual(key, row.KeyHash);
            Assert.DoesNotContain(key[4..], row.KeyHash);
            Assert.Matches("^[0-9a-f]{64}$", row.KeyHash);
            // Nothing in the row holds the secret.
            Assert.DoesNotContain(key[4..], string.Join("|", row.Name, row.UserId, row.KeyHash));
        }

        using var anonymous = app.Factory.CreateSession();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = JsonContent.Create(new { name = "child" }) };
        request.Headers.Add("X-API-Key", key);
        using var response = await anonymous.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task The_key_of_a_disabled_account_stops_working()
    {
        var email = WebAppFixture.NewEmail("keyed");
        using var carol = await app.Factory.RegisterAsync(email, "carol passphrase");
        var (_, key) = await CreateKeyAsync(carol, "carol's");
        using var anonymous = app.Factory.CreateSession();
        using (var works = await SendWithKeyAsync(anonymous, HttpMethod.Get, "/api/threads", key))
            Assert.Equal(HttpStatusCode.OK, works.StatusCode);

        var carolId = await app.UserIdAsync(email);
        var adminId = await app.UserIdAsync(ApiApp.AdminEmail);
        using (var scope = app.Factory.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<UserAdministration>().SetDisabledAsync(adminId, carolId, true, CancellationToken.None);

        using var refused = await SendWithKeyAsync(anonymous, HttpMethod.Get, "/api/threads", key);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("disabled", (await ApiApp.ReadJsonAsync(refused))["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_key_scoped_to_one_source_finds_nothing_of_another_and_cannot_ask_there()
    {
        // Alice has two sources: the demo (open to everyone) and an upload of her own.
        var upload = await ApiApp.UploadAsync(app.Alice, "scoped-prices.csv", "item,price\nkettle,25\nlamp,40\n"u8.ToArray());
        var demoThread = await ApiApp.CreateThreadAsync(app.Alice, "Keyed demo thread");
        var uploadThread = await ApiApp.CreateThreadAsync(app.Alice, "Keyed upload thread", upload);
        var empty = new NlAnalytics.Core.Execution.QueryResult([new NlAnalytics.Core.Execution.ResultColumn("n", "integer")], [[1]], false, TimeSpan.Zero);
        var uploadMessage = await app.StoreAnswerAsync(ApiApp.AliceEmail, uploadThread, "How many items?", empty);
        var demoMessage = await app.StoreAnswerAsync(ApiApp.AliceEmail, demoThread, "How many orders?", empty);

        using (var refusedScope = await app.Alice.Http.PostAsJsonAsync("/api/keys", new { name = "not mine", sources = new[] { "demo", "no-such-source" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refusedScope.StatusCode);
            Assert.Contains("no-such-source", (await ApiApp.ReadJsonAsync(refusedScope))["errors"]!["sources"]!.ToJsonString());
        }
        var (id, key) = await CreateKeyAsync(app.Alice, "demo only", sources: ["DEMO"]);
        var listed = (await ListAsync(app.Alice, "")).Single(k => k!["id"]!.GetValue<Guid>() == id)!;
        Assert.Equal(["demo"], listed["sources"]!.AsArray().Select(s => s!.GetValue<string>()));

        using var anonymous = app.Factory.CreateSession();
        // Inside the scope: as with the cookie.
        using (var own = await SendWithKeyAsync(anonymous, HttpMethod.Get, $"/api/threads/{demoThread}", key))
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        using (var ownMessage = await SendWithKeyAsync(anonymous, HttpMethod.Get, $"/api/messages/{demoMessage}", key))
            Assert.Equal(HttpStatusCode.OK, ownMessage.StatusCode);

        // Outside it: the upload's thread and message do not exist for the key, on every route that names them.
        foreach (var path in new[]
        {
            $"/api/threads/{uploadThread}", $"/api/threads/{uploadThread}/messages", $"/api/threads/{uploadThread}/totals",
            $"/api/messages/{uploadMessage}", $"/api/messages/{uploadMessage}/progress", $"/api/messages/{uploadMessage}/result.csv",
        })
        {
            using var response = await SendWithKeyAsync(anonymous, HttpMethod.Get, path, key);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        }
        using (var ask = new HttpRequestMessage(HttpMethod.Post, $"/api/threads/{uploadThread}/messages") { Content = JsonContent.Create(new { question = "How many items?", clientRequestId = Guid.NewGuid() }) })
        {
            ask.Headers.Add("X-API-Key", key);
            using var asked = await anonymous.Http.SendAsync(ask);
            Assert.Equal(HttpStatusCode.NotFound, asked.StatusCode);
        }
        using (var create = new HttpRequestMessage(HttpMethod.Post, "/api/threads") { Content = JsonContent.Create(new { dataSource = upload, title = "Outside" }) })
        {
            create.Headers.Add("X-API-Key", key);
            using var created = await anonymous.Http.SendAsync(create);
            Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        }
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/uploads/{upload}") { Headers = { { "X-API-Key", key }, { "X-Requested-With", "test" } } })
        using (var deleted = await anonymous.Http.SendAsync(delete))
            Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);

        // Lists hold only the scope's.
        var threads = await ReadArrayWithKeyAsync(anonymous, "/api/threads", key);
        Assert.Contains(threads, t => t!["id"]!.GetValue<Guid>() == demoThread);
        Assert.DoesNotContain(threads, t => t!["id"]!.GetValue<Guid>() == uploadThread);
        Assert.Equal(["demo"], (await ReadArrayWithKeyAsync(anonymous, "/api/data-sources", key)).Select(s => s!["name"]!.GetValue<string>()));
        Assert.Empty(await ReadArrayWithKeyAsync(anonymous, "/api/uploads", key));

        // What the analyst knows about a source outside the scope does not exist for the key either; the usage report,
        // which names threads of every source, is refused to a scoped key, while the user's own totals are not.
        foreach (var path in new[] { "instructions", "glossary", "documents", "knowledge/history" })
        {
            using (var cookie = await app.Alice.Http.GetAsync($"/api/sources/{upload}/{path}"))
                Assert.True(cookie.StatusCode == HttpStatusCode.OK, $"cookie {path}: {(int)cookie.StatusCode}");
            using var outside = await SendWithKeyAsync(anonymous, HttpMethod.Get, $"/api/sources/{upload}/{path}", key);
            Assert.True(outside.StatusCode == HttpStatusCode.NotFound, $"key {path}: {(int)outside.StatusCode}");
        }
        using (var teach = new HttpRequestMessage(HttpMethod.Put, $"/api/sources/{upload}/instructions")
               { Content = JsonContent.Create(new { text = "Prices are in francs." }), Headers = { { "X-API-Key", key }, { "X-Requested-With", "test" } } })
        using (var taught = await anonymous.Http.SendAsync(teach))
            Assert.Equal(HttpStatusCode.NotFound, taught.StatusCode);
        foreach (var path in new[] { "/api/costs/usage", "/api/costs/usage.csv" })
        {
            using var usage = await SendWithKeyAsync(anonymous, HttpMethod.Get, path, key);
            Assert.True(usage.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)usage.StatusCode}");
        }
        using (var mine = await SendWithKeyAsync(anonymous, HttpMethod.Get, "/api/costs/me", key))
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);

        // The cookie still sees both; a key scoped to the upload sees the upload's thread and not the demo's.
        using (var cookie = await app.Alice.Http.GetAsync($"/api/threads/{uploadThread}"))
            Assert.Equal(HttpStatusCode.OK, cookie.StatusCode);
        var (_, uploadKey) = await CreateKeyAsync(app.Alice, "upload only", sources: [upload]);
        using (var theirs = await SendWithKeyAsync(anonymous, HttpMethod.Get, $"/api/threads/{uploadThread}", uploadKey))
            Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
        using (var demo = await SendWithKeyAsync(anonymous, HttpMethod.Get, $"/api/messages/{demoMessage}", uploadKey))
            Assert.Equal(HttpStatusCode.NotFound, demo.StatusCode);
        // A key limited to some sources cannot add one.
        using var form = new MultipartFormDataContent { { new ByteArrayContent("a,b\n1,2\n"u8.ToArray()), "file", "more.csv" } };
        using var uploadRequest = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = form, Headers = { { "X-API-Key", uploadKey }, { "X-Requested-With", "test" } } };
        using var uploaded = await anonymous.Http.SendAsync(uploadRequest);
        Assert.Equal(HttpStatusCode.Forbidden, uploaded.StatusCode);
    }

    private static async Task<JsonArray> ReadArrayWithKeyAsync(BrowserSession session, string path, string key)
    {
        using var response = await SendWithKeyAsync(session, HttpMethod.Get, path, key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ApiApp.ReadJsonAsync(response)).AsArray();
    }

    private IDbContextFactory<AppDbContext> Contexts => app.Factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    private static async Task<(Guid Id, string Key)> CreateKeyAsync(BrowserSession session, string name, DateTimeOffset? expiresAt = null, string[]? sources = null)
    {
        using var response = await session.Http.PostAsJsonAsync("/api/keys", new { name, expiresAt, sources });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await ApiApp.ReadJsonAsync(response);
        return (body["id"]!.GetValue<Guid>(), body["key"]!.GetValue<string>());
    }

    private static async Task<JsonArray> ListAsync(BrowserSession session, string query)
    {
        using var response = await session.Http.GetAsync("/api/keys" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ApiApp.ReadJsonAsync(response)).AsArray();
    }

    private static Task<HttpResponseMessage> SendWithKeyAsync(BrowserSession session, HttpMethod method, string path, string key)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-API-Key", key);
        return session.Http.SendAsync(request);
    }
}
