using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// Per-source access (ADR 0020) through the API: a source an Admin adds is closed until granted; a grant to a user or
/// a role opens it; a revoked source's thread stays readable but cannot ask more; every route that takes the source
/// refuses a user without access the way it refuses a source that does not exist.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SourceAccessApiTests(ApiApp app) : IAsyncLifetime
{
    private ShopDatabase _shop = null!;
    private string _name = "";

    public async Task InitializeAsync()
    {
        _shop = await ShopDatabase.CreateAsync();
        _name = $"grants-{Guid.NewGuid():N}"[..15];
        using var created = await app.Admin.Http.PostAsJsonAsync("/api/sources", new { name = _name, displayName = "Granted shop", queryConnectionString = _shop.ReaderConnectionString, schemas = new[] { "shop" } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        using var _ = await Delete(app.Admin, $"/api/sources/{_name}");
        await _shop.DisposeAsync();
    }

    [Fact]
    public async Task A_new_source_is_closed_to_analysts_until_an_Admin_grants_it_to_them_or_their_role()
    {
        Assert.DoesNotContain(_name, await ApiApp.SourceNamesAsync(app.Alice));
        Assert.Contains("demo", await ApiApp.SourceNamesAsync(app.Alice));
        // Refused exactly like a source that does not exist: nothing says it is there.
        await AssertUnknownSourceAsync(app.Alice, _name);
        await AssertUnknownSourceAsync(app.Alice, "no-such-source");
        using (var verified = await app.Alice.GetAsync($"/api/verified?source={_name}"))
            Assert.Equal(HttpStatusCode.BadRequest, verified.StatusCode);

        using var granted = await PutGrantsAsync(app.Admin, new { users = new[] { ApiApp.AliceEmail.ToUpperInvariant() } });
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        var grants = await ApiApp.ReadJsonAsync(granted);
        Assert.Equal([ApiApp.AliceEmail], grants["users"]!.AsArray().Select(u => u!["email"]!.GetValue<string>()));
        Assert.Empty(grants["roles"]!.AsArray());
        Assert.False(grants["openToEveryone"]!.GetValue<bool>());

        Assert.Contains(_name, await ApiApp.SourceNamesAsync(app.Alice));
        Assert.DoesNotContain(_name, await ApiApp.SourceNamesAsync(app.Bob));
        var thread = await ApiApp.CreateThreadAsync(app.Alice, "Granted", _name);
        using (var verified = await app.Alice.GetAsync($"/api/verified?source={_name}"))
            Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        await AssertUnknownSourceAsync(app.Bob, _name);

        // A grant to the Analyst role opens it to every analyst, Bob included.
        using (var toRole = await PutGrantsAsync(app.Admin, new { users = new[] { ApiApp.AliceEmail }, roles = new[] { "analyst" } }))
            Assert.Equal(["Analyst"], (await ApiApp.ReadJsonAsync(toRole))["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Contains(_name, await ApiApp.SourceNamesAsync(app.Bob));
        using (var read = await app.Admin.GetAsync($"/api/sources/{_name}/grants"))
        {
            var stored = await ApiApp.ReadJsonAsync(read);
            Assert.Equal([ApiApp.AliceEmail], stored["users"]!.AsArray().Select(u => u!["email"]!.GetValue<string>()));
            Assert.Equal(["Analyst"], stored["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        }

        // Alice asks once, then everything is revoked: her thread stays readable, but it cannot ask more.
        using var asked = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true", new { question = "How many customers are there?", clientRequestId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var message = await ApiApp.ReadJsonAsync(asked);
        using (var revoked = await PutGrantsAsync(app.Admin, new { users = Array.Empty<string>(), roles = Array.Empty<string>() }))
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        Assert.DoesNotContain(_name, await ApiApp.SourceNamesAsync(app.Alice));
        Assert.DoesNotContain(_name, await ApiApp.SourceNamesAsync(app.Bob));
        using (var messages = await app.Alice.GetAsync($"/api/threads/{thread}/messages"))
            Assert.Single((await ApiApp.ReadJsonAsync(messages)).AsArray());
        using var again = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{thread}/messages", new { question = "And orders?", clientRequestId = Guid.NewGuid() });
        await AssertForbiddenAsync(again);
        using var sql = await app.Alice.Http.PostAsJsonAsync($"/api/messages/{message["id"]}/sql", new { sql = "SELECT count(*) FROM shop.orders", clientRequestId = Guid.NewGuid() });
        await AssertForbiddenAsync(sql);
        using (var messages = await app.Alice.GetAsync($"/api/threads/{thread}/messages"))
            Assert.Single((await ApiApp.ReadJsonAsync(messages)).AsArray());
        using (var verified = await app.Alice.GetAsync($"/api/verified?source={_name}"))
            Assert.Equal(HttpStatusCode.BadRequest, verified.StatusCode);
    }

    [Fact]
    public async Task Only_Admins_change_a_stored_sources_grants_and_bad_input_gets_problem_details()
    {
        // An analyst who may not query the source is told nothing about it; one who may query it (the demo) may not share it.
        using (var analyst = await app.Alice.GetAsync($"/api/sources/{_name}/grants"))
            Assert.Equal(HttpStatusCode.NotFound, analyst.StatusCode);
        using (var analyst = await PutGrantsAsync(app.Alice, new { users = new[] { ApiApp.AliceEmail } }))
            Assert.Equal(HttpStatusCode.NotFound, analyst.StatusCode);
        using (var analyst = await app.Alice.Http.PutAsJsonAsync("/api/sources/demo/grants", new { users = new[] { ApiApp.BobEmail } }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, analyst.StatusCode);
            Assert.Equal("application/problem+json", analyst.Content.Headers.ContentType!.MediaType);
        }
        Assert.DoesNotContain(_name, await ApiApp.SourceNamesAsync(app.Alice));
        using (var refresh = await app.Alice.Http.PostAsync($"/api/data-sources/{_name}/catalog/refresh", JsonContent.Create(new { })))
            Assert.Equal(HttpStatusCode.Forbidden, refresh.StatusCode);

        using var unknown = await PutGrantsAsync(app.Admin, new { users = new[] { ApiApp.AliceEmail, "nobody@example.test" }, roles = new[] { "Wizards" } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType!.MediaType);
        var errors = (await ApiApp.ReadJsonAsync(unknown))["errors"]!;
        Assert.Contains("'nobody@example.test'", errors["users"]![0]!.GetValue<string>());
        Assert.Contains("'Wizards'", errors["roles"]![0]!.GetValue<string>());
        // Refused as a whole: Alice was not granted either.
        Assert.DoesNotContain(_name, await ApiApp.SourceNamesAsync(app.Alice));

        using var missing = await app.Admin.Http.PutAsJsonAsync("/api/sources/no-such-source/grants", new { users = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
        using var demo = await app.Admin.GetAsync("/api/sources/demo/grants");
        Assert.True((await ApiApp.ReadJsonAsync(demo))["openToEveryone"]!.GetValue<bool>());
    }

    private Task<HttpResponseMessage> PutGrantsAsync(BrowserSession session, object body) => session.Http.PutAsJsonAsync($"/api/sources/{_name}/grants", body);

    private static async Task AssertUnknownSourceAsync(BrowserSession session, string source)
    {
        using var response = await session.Http.PostAsJsonAsync("/api/threads", new { dataSource = source, title = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"There is no data source named '{source}'. GET /api/data-sources lists them.",
            (await ApiApp.ReadJsonAsync(response))["errors"]!["dataSource"]![0]!.GetValue<string>());
    }

    private static async Task AssertForbiddenAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("no longer have access", (await ApiApp.ReadJsonAsync(response))["detail"]!.GetValue<string>());
    }

    private static Task<HttpResponseMessage> Delete(BrowserSession session, string path) =>
        session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, path) { Headers = { { "X-Requested-With", "test" } } });
}
