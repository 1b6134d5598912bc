using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>/api/sources: Admins add, read, change, test and remove sources with problem details on bad input; analysts get 403.</summary>
[Collection(ApiCollection.Name)]
public sealed class SourceApiTests(ApiApp app) : IAsyncLifetime
{
    private ShopDatabase _shop = null!;

    public async Task InitializeAsync() => _shop = await ShopDatabase.CreateAsync();

    public async Task DisposeAsync() => await _shop.DisposeAsync();

    [Fact]
    public async Task An_Admin_adds_reads_changes_tests_and_removes_a_source_and_an_analyst_granted_it_can_start_a_thread_on_it()
    {
        var name = $"shop-{Guid.NewGuid():N}"[..13];
        using var created = await app.Admin.Http.PostAsJsonAsync("/api/sources", new
        {
            name,
            displayName = "Shop",
            queryConnectionString = _shop.ReaderConnectionString,
            schemas = new[] { "shop" },
            rowCap = 100,
        });
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, createdText);
        Assert.Equal($"/api/sources/{name}", created.Headers.Location!.ToString());
        Assert.DoesNotContain(ShopDatabase.ReaderPassword, createdText);
        var body = JsonNode.Parse(createdText)!;
        Assert.Equal($"{_shop.ReaderRole}@127.0.0.1", body["source"]!["queryConnection"]!.GetValue<string>().Split(':')[0]);
        Assert.Equal("Stored", body["source"]!["origin"]!.GetValue<string>());
        Assert.True(body["test"]!["accepted"]!.GetValue<bool>());
        Assert.Equal(["customers", "orders"], body["test"]!["schemas"]![0]!["readableTables"]!.AsArray().Select(t => t!.GetValue<string>()));

        using var list = await app.Admin.GetAsync("/api/sources");
        var listText = await list.Content.ReadAsStringAsync();
        Assert.DoesNotContain(ShopDatabase.ReaderPassword, listText);
        var sources = JsonNode.Parse(listText)!.AsArray();
        Assert.Equal("Demo", sources.Single(s => s!["name"]!.GetValue<string>() == "demo")!["origin"]!.GetValue<string>());
        Assert.False(sources.Single(s => s!["name"]!.GetValue<string>() == "demo")!["editable"]!.GetValue<bool>());
        Assert.Equal(100, sources.Single(s => s!["name"]!.GetValue<string>() == name)!["rowCap"]!.GetValue<int>());

        // A change without the connection keeps the stored one (it passes the test again).
        using var changed = await app.Admin.Http.PutAsJsonAsync($"/api/sources/{name}", new { displayName = "Shop orders", schemas = new[] { "shop" }, timeoutSeconds = 5 });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        using var one = await app.Admin.GetAsync($"/api/sources/{name}");
        var source = await ApiApp.ReadJsonAsync(one);
        Assert.Equal("Shop orders", source["displayName"]!.GetValue<string>());
        Assert.Equal(5, source["timeoutSeconds"]!.GetValue<int>());
        Assert.Null(source["rowCap"]);

        using var tested = await app.Admin.Http.PostAsync($"/api/sources/{name}/test", JsonContent.Create(new { }));
        var test = await ApiApp.ReadJsonAsync(tested);
        Assert.True(test["readOnly"]!.GetValue<bool>());
        Assert.Equal(_shop.ReaderRole, test["role"]!.GetValue<string>());
        Assert.Null(test["roleScript"]);

        // The registry serves it at once: an analyst it is granted to starts a thread on it.
        using var granted = await app.Admin.Http.PutAsJsonAsync($"/api/sources/{name}/grants", new { users = new[] { ApiApp.AliceEmail } });
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        var thread = await ApiApp.CreateThreadAsync(app.Alice, "Shop questions", name);
        Assert.NotEqual(Guid.Empty, thread);

        using var duplicate = await app.Admin.Http.PostAsJsonAsync("/api/sources", new { name, queryConnectionString = _shop.ReaderConnectionString, schemas = new[] { "shop" } });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        using var removed = await Delete(app.Admin, $"/api/sources/{name}");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        using var gone = await app.Admin.GetAsync($"/api/sources/{name}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType!.MediaType);
        using var again = await Delete(app.Admin, $"/api/sources/{name}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task A_role_that_can_write_is_refused_with_422_and_the_role_script()
    {
        var name = $"writer-{Guid.NewGuid():N}"[..15];
        using var refused = await app.Admin.Http.PostAsJsonAsync("/api/sources", new { name, queryConnectionString = _shop.WriterConnectionString, schemas = new[] { "shop" } });
        Assert.Equal((HttpStatusCode)422, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        var problem = await ApiApp.ReadJsonAsync(refused);
        Assert.StartsWith($"Refused: the role {_shop.WriterRole} can change the database", problem["detail"]!.GetValue<string>());
        var test = problem["test"]!;
        Assert.False(test["readOnly"]!.GetValue<bool>());
        Assert.Contains(test["writeCapabilities"]!.AsArray(), w => w!.GetValue<string>() == "it can write to 2 tables (shop.customers, shop.orders)");
        Assert.Contains("ALTER ROLE \"nla_reader\" SET default_transaction_read_only = on", test["roleScript"]!.GetValue<string>());
        Assert.DoesNotContain(ShopDatabase.WriterPassword, problem.ToJsonString());

        using var absent = await app.Admin.GetAsync($"/api/sources/{name}");
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
    }

    [Fact]
    public async Task Bad_input_gets_problem_details_naming_the_fields()
    {
        using var invalid = await app.Admin.Http.PostAsJsonAsync("/api/sources", new { name = "Not A Name!", queryConnectionString = "just words", schemas = Array.Empty<string>(), rowCap = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await ApiApp.ReadJsonAsync(invalid))["errors"]!.AsObject();
        Assert.Equal(["name", "queryConnectionString", "rowCap", "schemas"], errors.Select(e => e.Key).Order());

        using var notJson = await app.Admin.Http.PostAsync("/api/sources", new StringContent("{ name: ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.NotNull((await ApiApp.ReadJsonAsync(notJson))["errors"]!["body"]);

        using var reserved = await app.Admin.Http.PostAsJsonAsync("/api/sources", new { name = "chinook", queryConnectionString = _shop.ReaderConnectionString, schemas = new[] { "shop" } });
        Assert.Equal(HttpStatusCode.BadRequest, reserved.StatusCode);

        // The demo is not stored in the app: it cannot be changed or removed here.
        using var changeDemo = await app.Admin.Http.PutAsJsonAsync("/api/sources/demo", new { displayName = "Mine", schemas = new[] { "sales" } });
        Assert.Equal(HttpStatusCode.Conflict, changeDemo.StatusCode);
        using var removeDemo = await Delete(app.Admin, "/api/sources/demo");
        Assert.Equal(HttpStatusCode.Conflict, removeDemo.StatusCode);
        using var missing = await app.Admin.Http.PostAsync("/api/sources/no-such-source/test", JsonContent.Create(new { }));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static Task<HttpResponseMessage> Delete(BrowserSession session, string path) =>
        session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, path) { Headers = { { "X-Requested-With", "test" } } });

    [Fact]
    public async Task An_analyst_gets_403_from_every_source_endpoint()
    {
        using var list = await app.Alice.GetAsync("/api/sources");
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        using var add = await app.Alice.Http.PostAsJsonAsync("/api/sources", new { name = "mine", queryConnectionString = _shop.ReaderConnectionString, schemas = new[] { "shop" } });
        Assert.Equal(HttpStatusCode.Forbidden, add.StatusCode);
        using var test = await app.Alice.Http.PostAsync("/api/sources/demo/test", JsonContent.Create(new { }));
        Assert.Equal(HttpStatusCode.Forbidden, test.StatusCode);
        using var remove = await Delete(app.Alice, "/api/sources/demo");
        Assert.Equal(HttpStatusCode.Forbidden, remove.StatusCode);
    }
}
