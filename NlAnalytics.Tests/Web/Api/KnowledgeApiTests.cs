using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// A source's instructions and glossary through the API (ADR 0024): the same rights as the Knowledge dialog, 404 for a user
/// who may not query the source, problem details for bad input, and a term an analyst then asks about offline.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class KnowledgeApiTests(ApiApp app) : IAsyncLifetime
{
    private ShopDatabase _shop = null!;
    private string _name = "";

    public async Task InitializeAsync()
    {
        _shop = await ShopDatabase.CreateAsync();
        _name = $"know-{Guid.NewGuid():N}"[..15];
        using var created = await app.Admin.Http.PostAsJsonAsync("/api/sources", new { name = _name, displayName = "Taught shop", queryConnectionString = _shop.ReaderConnectionString, schemas = new[] { "shop" } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        using var _ = await Delete(app.Admin, $"/api/sources/{_name}");
        await _shop.DisposeAsync();
    }

    [Fact]
    public async Task An_analyst_without_a_grant_gets_404_on_every_knowledge_route_as_for_a_source_that_does_not_exist()
    {
        foreach (var source in new[] { _name, "no-such-source" })
        {
            AssertNotFound(await app.Alice.GetAsync($"/api/sources/{source}/glossary"));
            AssertNotFound(await app.Alice.GetAsync($"/api/sources/{source}/instructions"));
            AssertNotFound(await app.Alice.GetAsync($"/api/sources/{source}/knowledge/history"));
            AssertNotFound(await app.Alice.Http.PostAsJsonAsync($"/api/sources/{source}/glossary", Takings));
            AssertNotFound(await app.Alice.Http.PutAsJsonAsync($"/api/sources/{source}/instructions", new { instructions = "x" }));
            AssertNotFound(await Delete(app.Alice, $"/api/sources/{source}/glossary/1"));
        }
    }

    [Fact]
    public async Task An_admin_teaches_a_term_a_granted_analyst_asks_with_it_offline_and_edits_only_once_allowed()
    {
        using (var bad = await app.Admin.Http.PostAsJsonAsync($"/api/sources/{_name}/glossary", new { term = "takings", kind = "Expression", table = "shop.nowhere", meaning = "SUM(amount)" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            Assert.Contains("no table 'shop.nowhere'", (await ApiApp.ReadJsonAsync(bad))["errors"]!["table"]![0]!.GetValue<string>());
        }
        using (var malformed = await app.Admin.Http.PostAsync($"/api/sources/{_name}/glossary", new StringContent("{\"term\":", System.Text.Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        using var added = await app.Admin.Http.PostAsJsonAsync($"/api/sources/{_name}/glossary", Takings);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var term = await ApiApp.ReadJsonAsync(added);
        var id = term["id"]!.GetValue<long>();
        Assert.Equal(["till receipts"], term["synonyms"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal($"/api/sources/{_name}/glossary/{id}", added.Headers.Location?.OriginalString);
        using (var twice = await app.Admin.Http.PostAsJsonAsync($"/api/sources/{_name}/glossary", Takings))
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        using (var instructions = await app.Admin.Http.PutAsJsonAsync($"/api/sources/{_name}/instructions", new { instructions = "Amounts are in CHF." }))
        {
            Assert.Equal(HttpStatusCode.OK, instructions.StatusCode);
            var view = await ApiApp.ReadJsonAsync(instructions);
            Assert.Equal(1, view["version"]!.GetValue<int>());
            Assert.Equal(ApiApp.AdminEmail, view["updatedBy"]!.GetValue<string>());
        }

        using (var granted = await app.Admin.Http.PutAsJsonAsync($"/api/sources/{_name}/grants", new { users = new[] { ApiApp.AliceEmail } }))
            Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        using (var glossary = await app.Alice.GetAsync($"/api/sources/{_name}/glossary"))
            Assert.Equal(["takings"], (await ApiApp.ReadJsonAsync(glossary)).AsArray().Select(t => t!["term"]!.GetValue<string>()));
        using (var read = await app.Alice.GetAsync($"/api/sources/{_name}/instructions"))
        {
            var view = await ApiApp.ReadJsonAsync(read);
            Assert.Equal("Amounts are in CHF.", view["instructions"]!.GetValue<string>());
            Assert.False(view["canEdit"]!.GetValue<bool>());
        }

        // The analyst asks with the business's word, which no table or column spells: 10.50 + 20.00 + 7.25.
        var thread = await ApiApp.CreateThreadAsync(app.Alice, "Takings", _name);
        using (var asked = await app.Alice.Http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true", new { question = "Total takings", clientRequestId = Guid.NewGuid() }))
        {
            var answer = await ApiApp.ReadJsonAsync(asked);
            Assert.True(answer["status"]!.GetValue<string>() == "Succeeded", answer.ToJsonString());
            Assert.Equal(37.75m, answer["result"]!["rows"]![0]![0]!.GetValue<decimal>());
        }

        AssertForbidden(await app.Alice.Http.PostAsJsonAsync($"/api/sources/{_name}/glossary", new { term = "patrons", kind = "Column", meaning = "shop.customers.name" }));
        AssertForbidden(await app.Alice.Http.PutAsJsonAsync($"/api/sources/{_name}/instructions", new { instructions = "Mine now.", analystsMayEdit = true }));
        AssertForbidden(await Delete(app.Alice, $"/api/sources/{_name}/glossary/{id}"));

        using (var allowed = await app.Admin.Http.PutAsJsonAsync($"/api/sources/{_name}/instructions", new { instructions = "Amounts are in CHF.", analystsMayEdit = true }))
            Assert.True((await ApiApp.ReadJsonAsync(allowed))["analystsMayEdit"]!.GetValue<bool>());
        using (var byAnalyst = await app.Alice.Http.PostAsJsonAsync($"/api/sources/{_name}/glossary", new { term = "patrons", kind = "Column", meaning = "shop.customers.name" }))
            Assert.Equal(HttpStatusCode.Created, byAnalyst.StatusCode);
        using (var changed = await app.Alice.Http.PutAsJsonAsync($"/api/sources/{_name}/glossary/{id}", Takings with { Meaning = "AVG(amount)" }))
            Assert.Equal(2, (await ApiApp.ReadJsonAsync(changed))["version"]!.GetValue<int>());
        using (var removed = await Delete(app.Alice, $"/api/sources/{_name}/glossary/{id}"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        AssertNotFound(await Delete(app.Alice, $"/api/sources/{_name}/glossary/{id}"));

        using var history = await app.Admin.GetAsync($"/api/sources/{_name}/knowledge/history");
        Assert.Equal(
            [$"glossary Removed takings {ApiApp.AliceEmail}", $"glossary Changed takings {ApiApp.AliceEmail}", $"glossary Added patrons {ApiApp.AliceEmail}",
             $"settings Changed  {ApiApp.AdminEmail}", $"instructions Added  {ApiApp.AdminEmail}", $"glossary Added takings {ApiApp.AdminEmail}"],
            (await ApiApp.ReadJsonAsync(history)).AsArray().Select(c => $"{c!["subject"]} {c["action"]} {c["term"]} {c["changedBy"]}"));
    }

    [Fact]
    public async Task A_source_removed_and_added_again_under_its_name_starts_untaught()
    {
        using (var added = await app.Admin.Http.PostAsJsonAsync($"/api/sources/{_name}/glossary", Takings))
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        using (var removed = await Delete(app.Admin, $"/api/sources/{_name}"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        using (var again = await app.Admin.Http.PostAsJsonAsync("/api/sources", new { name = _name, displayName = "Another shop", queryConnectionString = _shop.ReaderConnectionString, schemas = new[] { "shop" } }))
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);

        using var glossary = await app.Admin.GetAsync($"/api/sources/{_name}/glossary");
        Assert.Empty((await ApiApp.ReadJsonAsync(glossary)).AsArray());
        // What the removed source was taught stays in the history.
        using var history = await app.Admin.GetAsync($"/api/sources/{_name}/knowledge/history");
        Assert.Single((await ApiApp.ReadJsonAsync(history)).AsArray());
    }

    private static readonly TermBody Takings = new("takings", ["till receipts"], "Expression", "shop.orders", "SUM(amount)");

    private sealed record TermBody(string Term, string[] Synonyms, string Kind, string Table, string Meaning);

    private static void AssertNotFound(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private static void AssertForbidden(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private static Task<HttpResponseMessage> Delete(BrowserSession session, string path) =>
        session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, path) { Headers = { { "X-Requested-With", "test" } } });
}
