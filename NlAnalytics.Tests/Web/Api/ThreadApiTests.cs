using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Tests.Web.Api;

[Collection(ApiCollection.Name)]
public sealed class ThreadApiTests(ApiApp app)
{
    [Fact]
    public async Task A_user_creates_lists_renames_archives_unarchives_and_deletes_a_thread()
    {
        using var created = await app.Alice.Http.PostAsJsonAsync("/api/threads", new { dataSource = "demo", title = "Enrolment questions" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var thread = await ApiApp.ReadJsonAsync(created);
        var id = thread["id"]!.GetValue<Guid>();
        Assert.Equal($"/api/threads/{id}", created.Headers.Location!.ToString());
        Assert.Equal("demo", thread["dataSource"]!.GetValue<string>());
        Assert.Contains(id, await ThreadIdsAsync(app.Alice, ""));

        using var renamed = await app.Alice.Http.PatchAsJsonAsync($"/api/threads/{id}", new { title = "Students per faculty" });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Students per faculty", (await ApiApp.ReadJsonAsync(renamed))["title"]!.GetValue<string>());
        Assert.Contains(id, await ThreadIdsAsync(app.Alice, "?q=per%20FACULTY"));
        Assert.DoesNotContain(id, await ThreadIdsAsync(app.Alice, "?q=no-such-words"));

        using var archived = await app.Alice.Http.PatchAsJsonAsync($"/api/threads/{id}", new { archived = true });
        Assert.True((await ApiApp.ReadJsonAsync(archived))["isArchived"]!.GetValue<bool>());
        Assert.DoesNotContain(id, await ThreadIdsAsync(app.Alice, ""));
        Assert.Contains(id, await ThreadIdsAsync(app.Alice, "?archived=true"));

        using var unarchived = await app.Alice.Http.PatchAsJsonAsync($"/api/threads/{id}", new { archived = false });
        Assert.False((await ApiApp.ReadJsonAsync(unarchived))["isArchived"]!.GetValue<bool>());
        Assert.Contains(id, await ThreadIdsAsync(app.Alice, ""));
        Assert.DoesNotContain(id, await ThreadIdsAsync(app.Alice, "?archived=true"));

        using var deleted = await app.Alice.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/threads/{id}") { Headers = { { "X-Requested-With", "test" } } });
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await app.Alice.Http.GetAsync($"/api/threads/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.DoesNotContain(id, await ThreadIdsAsync(app.Alice, "?archived=true"));
    }

    [Theory]
    [InlineData("no-such-source", "There is no data source named 'no-such-source'")]
    [InlineData("Host=evil.example;Database=x;Username=u;Password=p", "There is no data source named")]
    [InlineData("", "Choose a data source")]
    public async Task A_thread_can_only_use_a_configured_data_source(string dataSource, string message)
    {
        using var response = await app.Alice.Http.PostAsJsonAsync("/api/threads", new { dataSource, title = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await ApiApp.ReadJsonAsync(response);
        Assert.Contains(message, problem["errors"]!["dataSource"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_user_gets_404_for_everything_about_a_thread_that_is_not_theirs()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice, "Alice's private thread");
        var messageId = await app.StoreAnswerAsync(ApiApp.AliceEmail, threadId, "Secret sales by store",
            new QueryResult([new ResultColumn("store", "text")], [["Lausanne"]], false, TimeSpan.FromMilliseconds(3)));
        var bob = app.Bob.Http;

        HttpRequestMessage[] attempts =
        [
            new(HttpMethod.Get, $"/api/threads/{threadId}"),
            new(HttpMethod.Get, $"/api/threads/{threadId}/messages"),
            new(HttpMethod.Get, $"/api/threads/{threadId}/totals"),
            new(HttpMethod.Patch, $"/api/threads/{threadId}") { Content = JsonContent.Create(new { title = "hijacked", archived = true }) },
            new(HttpMethod.Post, $"/api/threads/{threadId}/messages") { Content = JsonContent.Create(new { question = "How many students?", clientRequestId = Guid.NewGuid() }) },
            new(HttpMethod.Delete, $"/api/threads/{threadId}") { Headers = { { "X-Requested-With", "test" } } },
            new(HttpMethod.Get, $"/api/messages/{messageId}"),
            new(HttpMethod.Get, $"/api/messages/{messageId}/result.csv"),
            new(HttpMethod.Post, $"/api/messages/{messageId}/stop") { Headers = { { "X-Requested-With", "test" } } },
            new(HttpMethod.Post, $"/api/messages/{messageId}/retry") { Headers = { { "X-Requested-With", "test" } } },
            new(HttpMethod.Put, $"/api/messages/{messageId}/verified") { Content = JsonContent.Create(new { verified = true }) },
        ];
        foreach (var attempt in attempts)
        {
            var what = $"{attempt.Method} {attempt.RequestUri}";
            using var response = await bob.SendAsync(attempt);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{what} answered {(int)response.StatusCode}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("Lausanne", body);
            Assert.DoesNotContain("Alice", body);
        }

        // The same answer as for an id that never existed: nothing tells Bob the thread is there.
        using var mine = await bob.GetAsync($"/api/threads/{threadId}");
        using var nobodys = await bob.GetAsync($"/api/threads/{Guid.NewGuid()}");
        Assert.Equal((await ApiApp.ReadJsonAsync(nobodys))["detail"]!.GetValue<string>(), (await ApiApp.ReadJsonAsync(mine))["detail"]!.GetValue<string>());
        Assert.DoesNotContain(threadId, await ThreadIdsAsync(app.Bob, "?archived=true"));
        Assert.DoesNotContain(threadId, await ThreadIdsAsync(app.Bob, ""));

        // Alice's thread and answer are untouched.
        using var thread = await app.Alice.Http.GetAsync($"/api/threads/{threadId}");
        var view = await ApiApp.ReadJsonAsync(thread);
        Assert.Equal("Alice's private thread", view["title"]!.GetValue<string>());
        Assert.False(view["isArchived"]!.GetValue<bool>());
        var messages = (await ApiApp.ReadJsonAsync(await app.Alice.Http.GetAsync($"/api/threads/{threadId}/messages"))).AsArray();
        var message = Assert.Single(messages)!;
        Assert.Equal("Succeeded", message["status"]!.GetValue<string>());
        Assert.False(message["isVerified"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("GET", "/api/threads")]
    [InlineData("POST", "/api/threads")]
    [InlineData("GET", "/api/threads/00000000-0000-0000-0000-000000000001/messages")]
    [InlineData("GET", "/api/messages/00000000-0000-0000-0000-000000000001")]
    [InlineData("GET", "/api/messages/00000000-0000-0000-0000-000000000001/result.csv")]
    [InlineData("GET", "/api/costs/me")]
    [InlineData("GET", "/api/data-sources")]
    [InlineData("POST", "/api/data-sources/demo/catalog/refresh")]
    public async Task Anonymous_api_requests_get_401_rather_than_the_login_page(string method, string path)
    {
        using var visitor = app.Factory.CreateSession();

        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
            request.Content = JsonContent.Create(new { dataSource = "demo" });
        using var response = await visitor.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("<html", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_change_sent_as_a_form_or_without_json_is_refused_so_other_sites_cannot_forge_it()
    {
        var threadId = await ApiApp.CreateThreadAsync(app.Alice, "Keep me");

        // What a cross-site HTML form could send: form-encoded or text/plain, no custom header.
        using var form = await app.Alice.Http.PostAsync("/api/threads", new FormUrlEncodedContent(new Dictionary<string, string> { ["dataSource"] = "demo" }));
        using var deleteWithoutHeader = await app.Alice.Http.DeleteAsync($"/api/threads/{threadId}");
        using var textPlain = await app.Alice.Http.PostAsync($"/api/messages/{Guid.NewGuid()}/stop", new StringContent("x", Encoding.UTF8, "text/plain"));

        Assert.NotEqual(HttpStatusCode.Created, form.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, deleteWithoutHeader.StatusCode);
        Assert.Contains("X-Requested-With", (await ApiApp.ReadJsonAsync(deleteWithoutHeader))["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, textPlain.StatusCode);
        using var stillThere = await app.Alice.Http.GetAsync($"/api/threads/{threadId}");
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    [Fact]
    public async Task Malformed_json_gets_a_problem_response()
    {
        using var response = await app.Alice.Http.PostAsync("/api/threads", new StringContent("{\"dataSource\": ", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not valid JSON", (await ApiApp.ReadJsonAsync(response))["errors"]!["body"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Data_sources_are_listed_by_name_without_connection_strings()
    {
        using var response = await app.Alice.Http.GetAsync("/api/data-sources");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var demo = Assert.Single(JsonNode.Parse(body)!.AsArray(), s => s!["name"]!.GetValue<string>() == "demo")!;
        Assert.Equal("ready", demo["status"]!.GetValue<string>());
        Assert.Contains("university", demo["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.DoesNotContain("Password", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Host=", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("nla_reader", body);
    }

    [Fact]
    public async Task Only_an_administrator_can_refresh_a_catalog()
    {
        using var analyst = await app.Alice.Http.PostAsJsonAsync("/api/data-sources/demo/catalog/refresh", new { });
        using var admin = await app.Admin.Http.PostAsJsonAsync("/api/data-sources/demo/catalog/refresh", new { });
        using var unknown = await app.Admin.Http.PostAsJsonAsync("/api/data-sources/nope/catalog/refresh", new { });

        Assert.Equal(HttpStatusCode.Forbidden, analyst.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        var refreshed = await ApiApp.ReadJsonAsync(admin);
        Assert.Equal("demo", refreshed["dataSource"]!.GetValue<string>());
        Assert.True(refreshed["tables"]!.GetValue<int>() >= 10);
        Assert.True(refreshed["columns"]!.GetValue<int>() > refreshed["tables"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Thread_and_user_totals_add_up_the_priced_model_calls()
    {
        var carolEmail = WebAppFixture.NewEmail("carol");
        using var carol = await app.Factory.RegisterAsync(carolEmail, "carol passphrase");
        var first = await ApiApp.CreateThreadAsync(carol, "First");
        var second = await ApiApp.CreateThreadAsync(carol, "Second");
        var result = new QueryResult([new ResultColumn("n", "bigint")], [[1L]], false, TimeSpan.Zero);
        await app.StoreAnswerAsync(carolEmail, first, "q1", result,
        [
            new LlmCallRecord("sql-writer", "gpt-4o", 1000, 200, 50, TimeSpan.FromMilliseconds(300), 0.00275m),
            new LlmCallRecord("narrator", "gpt-4o-mini", 400, 0, 30, TimeSpan.FromMilliseconds(200), 0.000078m),
        ]);
        await app.StoreAnswerAsync(carolEmail, second, "q2", result, [new LlmCallRecord("sql-writer", "gpt-4o", 500, 0, 20, TimeSpan.FromMilliseconds(250), 0.00145m)]);
        await app.StoreAnswerAsync(carolEmail, second, "q3 offline", result);

        var thread = await ApiApp.ReadJsonAsync(await carol.Http.GetAsync($"/api/threads/{second}/totals"));
        var mine = await ApiApp.ReadJsonAsync(await carol.Http.GetAsync("/api/costs/me"));
        var future = await ApiApp.ReadJsonAsync(await carol.Http.GetAsync("/api/costs/me?since=2999-01-01T00:00:00Z"));

        Assert.Equal(2, thread["messages"]!.GetValue<int>());
        Assert.Equal(1, thread["calls"]!.GetValue<int>());
        Assert.Equal(500, thread["inputTokens"]!.GetValue<long>());
        Assert.Equal(0.00145m, thread["costUsd"]!.GetValue<decimal>());
        Assert.Equal(3, mine["total"]!["calls"]!.GetValue<int>());
        Assert.Equal(1900, mine["total"]!["inputTokens"]!.GetValue<long>());
        Assert.Equal(200, mine["total"]!["cachedInputTokens"]!.GetValue<long>());
        Assert.Equal(0.004278m, mine["total"]!["costUsd"]!.GetValue<decimal>());
        var byModel = mine["byModel"]!.AsArray();
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], byModel.Select(m => m!["model"]!.GetValue<string>()));
        Assert.Equal(0.0042m, byModel[0]!["totals"]!["costUsd"]!.GetValue<decimal>());
        Assert.Equal(0m, future["total"]!["costUsd"]!.GetValue<decimal>());
    }

    private static async Task<List<Guid>> ThreadIdsAsync(BrowserSession session, string query)
    {
        using var response = await session.Http.GetAsync("/api/threads" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await ApiApp.ReadJsonAsync(response)).AsArray().Select(t => t!["id"]!.GetValue<Guid>())];
    }
}
