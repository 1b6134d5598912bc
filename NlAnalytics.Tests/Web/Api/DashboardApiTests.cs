using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// Saved questions and dashboards through the API, on a source of the test's own (the shop database): cards run again
/// when read and a refresh reads changed data past the result cache; sharing is read-only and each card needs the viewer's
/// access to its source; an exploration groups the saved SQL's result and is saved as a new card; API keys limited to
/// other sources reach none of it. Expected figures are worked out by hand from the rows the shop database holds.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DashboardApiTests(ApiApp app) : IAsyncLifetime
{
    private const string CountSql = "SELECT count(*) AS orders FROM shop.orders";
    private const string ByCitySql = "SELECT c.city, sum(o.amount) AS amount FROM shop.orders AS o JOIN shop.customers AS c ON c.id = o.customer_id GROUP BY c.city ORDER BY c.city";
    private const string OrdersSql = "SELECT o.ordered_on, o.amount, c.city FROM shop.orders AS o JOIN shop.customers AS c ON c.id = o.customer_id ORDER BY o.id;";

    private ShopDatabase _shop = null!;
    private string _source = "";

    public async Task InitializeAsync()
    {
        _shop = await ShopDatabase.CreateAsync();
        _source = $"dash-{Guid.NewGuid():N}"[..14];
        using var created = await app.Admin.Http.PostAsJsonAsync("/api/sources", new { name = _source, displayName = "Dashboard shop", queryConnectionString = _shop.ReaderConnectionString, schemas = new[] { "shop" } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        // Alice and Bob may query it; Carol (registered by the sharing test) may not.
        using var granted = await app.Admin.Http.PutAsJsonAsync($"/api/sources/{_source}/grants", new { users = new[] { ApiApp.AliceEmail, ApiApp.BobEmail } });
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
    }

    public async Task DisposeAsync()
    {
        using var _ = await SendAsync(app.Admin, HttpMethod.Delete, $"/api/sources/{_source}");
        await _shop.DisposeAsync();
    }

    [Fact]
    public async Task A_dashboard_of_three_cards_runs_again_and_a_refresh_reads_changed_data_past_the_result_cache()
    {
        var dashboard = await DashboardWithThreeCardsAsync(app.Alice);

        var first = await RunAsync(app.Alice, dashboard);
        var cards = first["cards"]!.AsArray();
        Assert.Equal(3, cards.Count);
        Assert.All(cards, c => Assert.Equal("Ok", c!["status"]!.GetValue<string>()));
        Assert.Equal("3", Rows(cards[0]!));
        Assert.Equal("Geneva 7.25, Lausanne 30.50", Rows(cards[1]!));
        Assert.Equal(3, RowCount(cards[2]!));
        Assert.Equal("Kpi", cards[0]!["chartType"]!.GetValue<string>());
        Assert.Equal("Bar", cards[1]!["chart"]!["kind"]!.GetValue<string>());
        var readAt = cards[0]!["dataAsOf"]!.GetValue<DateTimeOffset>();

        // The data changes under the dashboard: a new order from Bern.
        await Sql.ExecuteAsync(_shop.SuperuserConnectionString, "INSERT INTO shop.orders VALUES (4, 3, 100.00, '2026-03-01')");

        // Opened again within the freshness window: the result cache answers, and says when the rows were read.
        var cached = (await RunAsync(app.Alice, dashboard))["cards"]!.AsArray();
        Assert.Equal("3", Rows(cached[0]!));
        Assert.True(cached[0]!["fromCache"]!.GetValue<bool>());
        Assert.Equal(readAt, cached[0]!["dataAsOf"]!.GetValue<DateTimeOffset>());

        // Refresh runs every card's SQL again, past the cache.
        var refreshed = (await RunAsync(app.Alice, dashboard, refresh: true))["cards"]!.AsArray();
        Assert.Equal("4", Rows(refreshed[0]!));
        Assert.Equal("Bern 100.00, Geneva 7.25, Lausanne 30.50", Rows(refreshed[1]!));
        Assert.Equal(4, RowCount(refreshed[2]!));
        Assert.All(refreshed, c => Assert.False(c!["fromCache"]!.GetValue<bool>()));
        Assert.True(refreshed[0]!["dataAsOf"]!.GetValue<DateTimeOffset>() >= readAt);

        // The fresh rows replaced the cached ones: the next reader gets them without a refresh.
        var after = (await RunAsync(app.Alice, dashboard))["cards"]!.AsArray();
        Assert.Equal("4", Rows(after[0]!));
        Assert.True(after[0]!["fromCache"]!.GetValue<bool>());

        // One card's failure does not stop the others: the source's table goes away under one card only.
        await Sql.ExecuteAsync(_shop.SuperuserConnectionString, "ALTER TABLE shop.customers RENAME TO clients");
        var broken = (await RunAsync(app.Alice, dashboard, refresh: true))["cards"]!.AsArray();
        Assert.Equal("Ok", broken[0]!["status"]!.GetValue<string>());
        Assert.Equal("4", Rows(broken[0]!));
        Assert.Equal("Failed", broken[1]!["status"]!.GetValue<string>());
        Assert.Contains("customers", broken[1]!["error"]!.GetValue<string>());
        Assert.Equal("Failed", broken[2]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_shared_dashboard_is_read_only_and_shows_a_card_only_to_viewers_who_may_query_its_source()
    {
        var carolEmail = $"carol-{Guid.NewGuid():N}"[..14] + "@example.test";
        using var carol = await app.Factory.RegisterAsync(carolEmail, "carol passphrase");
        var dashboard = await DashboardWithThreeCardsAsync(app.Alice);
        // A fourth card on the demo, which every signed-in user may query.
        var demoQuestion = await SaveQuestionAsync(app.Alice, "demo", "SELECT count(*) AS channels FROM (SELECT DISTINCT channel FROM sales.orders) AS c", "Channels", "Kpi");
        await AddCardAsync(app.Alice, dashboard, demoQuestion);

        using (var shared = await app.Alice.Http.PutAsJsonAsync($"/api/dashboards/{dashboard}/shares", new { users = new[] { ApiApp.BobEmail, carolEmail.ToUpperInvariant() } }))
        {
            Assert.Equal(HttpStatusCode.OK, shared.StatusCode);
            Assert.Equal([ApiApp.BobEmail, carolEmail], (await ApiApp.ReadJsonAsync(shared))["sharedWith"]!.AsArray().Select(e => e!.GetValue<string>()));
        }
        using (var unknown = await app.Alice.Http.PutAsJsonAsync($"/api/dashboards/{dashboard}/shares", new { users = new[] { "nobody@example.test" } }))
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        // Bob has the source: he sees every card's data, read-only.
        var bobs = (await RunAsync(app.Bob, dashboard))["cards"]!.AsArray();
        Assert.All(bobs, c => Assert.Equal("Ok", c!["status"]!.GetValue<string>()));
        Assert.Equal("3", Rows(bobs[0]!));
        Assert.Equal("Geneva 7.25, Lausanne 30.50", Rows(bobs[1]!));
        using (var list = await app.Bob.GetAsync("/api/dashboards"))
        {
            var listed = (await ApiApp.ReadJsonAsync(list)).AsArray().Single(d => d!["id"]!.GetValue<Guid>() == dashboard)!;
            Assert.False(listed["isOwner"]!.GetValue<bool>());
            Assert.Equal(ApiApp.AliceEmail, listed["owner"]!.GetValue<string>());
        }
        using (var bobGet = await app.Bob.GetAsync($"/api/dashboards/{dashboard}"))
            Assert.Empty((await ApiApp.ReadJsonAsync(bobGet))["sharedWith"]!.AsArray());
        var firstCard = (await RunAsync(app.Alice, dashboard))["cards"]![0]!["cardId"]!.GetValue<Guid>();
        foreach (var edit in new[]
        {
            (HttpMethod.Patch, $"/api/dashboards/{dashboard}", (object)new { title = "Bob's now" }),
            (HttpMethod.Delete, $"/api/dashboards/{dashboard}", null),
            (HttpMethod.Post, $"/api/dashboards/{dashboard}/cards", new { questionId = demoQuestion }),
            (HttpMethod.Delete, $"/api/dashboards/{dashboard}/cards/{firstCard}", null),
            (HttpMethod.Put, $"/api/dashboards/{dashboard}/shares", new { users = new[] { ApiApp.BobEmail } }),
        })
        {
            using var refused = await SendAsync(app.Bob, edit.Item1, edit.Item2, edit.Item3);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{edit.Item1} {edit.Item2}: {(int)refused.StatusCode}");
        }
        // Bob cannot run Alice's saved questions on their own either: they are hers.
        using (var question = await app.Bob.GetAsync($"/api/questions/{demoQuestion}"))
            Assert.Equal(HttpStatusCode.NotFound, question.StatusCode);

        // Carol has no grant to the shop: its three cards show no access and nothing of their data; the demo card runs.
        using var carolRun = await carol.GetAsync($"/api/dashboards/{dashboard}/run");
        var carolText = await carolRun.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, carolRun.StatusCode);
        var carols = JsonNode.Parse(carolText)!["cards"]!.AsArray();
        Assert.Equal(["NoAccess", "NoAccess", "NoAccess", "Ok"], carols.Select(c => c!["status"]!.GetValue<string>()));
        Assert.All(carols.Take(3), c =>
        {
            Assert.Null(c!["result"]);
            Assert.Null(c["sql"]);
            Assert.Null(c["chart"]);
        });
        Assert.Equal("3", Rows(carols[3]!));
        foreach (var secret in new[] { "Lausanne", "Geneva", "30.5", "shop.orders" })
            Assert.DoesNotContain(secret, carolText);
        var carolCard = carols[1]!["cardId"]!.GetValue<Guid>();
        using (var csv = await carol.GetAsync($"/api/dashboards/{dashboard}/cards/{carolCard}/result.csv"))
            Assert.Equal(HttpStatusCode.Forbidden, csv.StatusCode);

        // The Admin (who may query every source) was not given the dashboard: to them it does not exist.
        foreach (var path in new[] { $"/api/dashboards/{dashboard}", $"/api/dashboards/{dashboard}/run", $"/api/dashboards/{dashboard}/cards/{carolCard}/run",
                     $"/api/dashboards/{dashboard}/cards/{carolCard}/result.csv", $"/api/questions/{demoQuestion}" })
        {
            using var hidden = await app.Admin.GetAsync(path);
            Assert.True(hidden.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)hidden.StatusCode}");
            Assert.Equal("application/problem+json", hidden.Content.Headers.ContentType!.MediaType);
        }
        using (var adminPatch = await SendAsync(app.Admin, HttpMethod.Patch, $"/api/dashboards/{dashboard}", new { title = "x" }))
            Assert.Equal(HttpStatusCode.NotFound, adminPatch.StatusCode);
        using (var adminList = await app.Admin.GetAsync("/api/dashboards"))
            Assert.DoesNotContain(dashboard, (await ApiApp.ReadJsonAsync(adminList)).AsArray().Select(d => d!["id"]!.GetValue<Guid>()));

        // Bob's card CSV: the card's rows, as the message CSV writes them.
        using (var bobCsv = await app.Bob.GetAsync($"/api/dashboards/{dashboard}/cards/{carolCard}/result.csv"))
        {
            Assert.Equal(HttpStatusCode.OK, bobCsv.StatusCode);
            Assert.Equal("city,amount\r\nGeneva,7.25\r\nLausanne,30.50\r\n", await bobCsv.Content.ReadAsStringAsync());
        }

        // Unshared, Carol and Bob lose it altogether.
        using (var unshared = await app.Alice.Http.PutAsJsonAsync($"/api/dashboards/{dashboard}/shares", new { users = Array.Empty<string>() }))
            Assert.Equal(HttpStatusCode.OK, unshared.StatusCode);
        using (var gone = await app.Bob.GetAsync($"/api/dashboards/{dashboard}/run"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task An_exploration_groups_the_saved_result_by_month_or_column_and_is_saved_as_a_new_card()
    {
        var dashboard = await CreateDashboardAsync(app.Alice, "Explored");
        var orders = await SaveQuestionAsync(app.Alice, _source, OrdersSql, "Orders", "Table");

        // Amount by month of the order date: January 10.50; February 20.00 + 7.25.
        using (var preview = await app.Alice.Http.PostAsJsonAsync($"/api/questions/{orders}/explore", new { groupBy = "ordered_on", period = "month", measure = "amount", aggregate = "sum", chartType = "Bar" }))
        {
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            var body = await ApiApp.ReadJsonAsync(preview);
            Assert.Equal("2026-01-01 10.50, 2026-02-01 27.25", Rows(body["run"]!));
            Assert.Contains("date_trunc('month', \"explored\".\"ordered_on\")", body["sql"]!.GetValue<string>());
        }

        using var saved = await app.Alice.Http.PostAsJsonAsync($"/api/questions/{orders}/explorations", new { groupBy = "ordered_on", period = "month", measure = "amount", chartType = "Line", dashboardId = dashboard });
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var explored = await ApiApp.ReadJsonAsync(saved);
        Assert.Equal(orders, explored["question"]!["exploredFromId"]!.GetValue<Guid>());
        Assert.Equal("Line", explored["question"]!["chartType"]!.GetValue<string>());
        Assert.Equal("Orders: sum of amount by month of ordered_on", explored["question"]!["title"]!.GetValue<string>());
        Assert.NotNull(explored["card"]);

        // Orders counted by city: Lausanne 2, Geneva 1 (largest first).
        using (var byCity = await app.Alice.Http.PostAsJsonAsync($"/api/questions/{orders}/explorations", new { groupBy = "city", aggregate = "count", chartType = "Donut", dashboardId = dashboard, title = "Orders per city" }))
            Assert.Equal(HttpStatusCode.Created, byCity.StatusCode);

        var cards = (await RunAsync(app.Alice, dashboard))["cards"]!.AsArray();
        Assert.Equal(["Orders: sum of amount by month of ordered_on", "Orders per city"], cards.Select(c => c!["title"]!.GetValue<string>()));
        Assert.Equal("2026-01-01 10.50, 2026-02-01 27.25", Rows(cards[0]!));
        Assert.Equal("Line", cards[0]!["chart"]!["kind"]!.GetValue<string>());
        Assert.Equal("Lausanne 2, Geneva 1", Rows(cards[1]!));
        Assert.Equal("Donut", cards[1]!["chart"]!["kind"]!.GetValue<string>());

        // Columns the result does not have, or that cannot be grouped or summed that way, are refused by field; nothing is saved.
        foreach (var (request, field) in new (object, string)[]
        {
            (new { groupBy = "city\" FROM shop.customers; --", measure = "amount" }, "groupBy"),
            (new { groupBy = "city", period = "month", measure = "amount" }, "period"),
            (new { groupBy = "ordered_on", measure = "city" }, "measure"),
            (new { groupBy = "city", period = "fortnight" }, "period"),
        })
        {
            using var refused = await app.Alice.Http.PostAsJsonAsync($"/api/questions/{orders}/explorations", request);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.NotNull((await ApiApp.ReadJsonAsync(refused))["errors"]![field]);
        }
        using (var list = await app.Alice.GetAsync("/api/questions"))
            Assert.Equal(3, (await ApiApp.ReadJsonAsync(list)).AsArray().Count(q => q!["dataSource"]!.GetValue<string>() == _source));
    }

    [Fact]
    public async Task An_api_key_limited_to_other_sources_reaches_no_saved_question_or_card_of_this_one()
    {
        var dashboard = await DashboardWithThreeCardsAsync(app.Alice);
        var question = (await RunAsync(app.Alice, dashboard))["cards"]![0]!["questionId"]!.GetValue<Guid>();
        using var made = await app.Alice.Http.PostAsJsonAsync("/api/keys", new { name = "demo only", sources = new[] { "demo" } });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var client = app.Factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", (await ApiApp.ReadJsonAsync(made))["key"]!.GetValue<string>());

        using (var run = await client.GetAsync($"/api/dashboards/{dashboard}/run"))
        {
            var text = await run.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, run.StatusCode);
            Assert.All(JsonNode.Parse(text)!["cards"]!.AsArray(), c => Assert.Equal("NoAccess", c!["status"]!.GetValue<string>()));
            Assert.DoesNotContain("Lausanne", text);
        }
        using (var one = await client.GetAsync($"/api/questions/{question}"))
            Assert.Equal(HttpStatusCode.NotFound, one.StatusCode);
        using (var runOne = await client.GetAsync($"/api/questions/{question}/run"))
            Assert.Equal(HttpStatusCode.NotFound, runOne.StatusCode);
        using (var list = await client.GetAsync("/api/questions"))
            Assert.DoesNotContain((await ApiApp.ReadJsonAsync(list)).AsArray(), q => q!["dataSource"]!.GetValue<string>() == _source);
        using (var pin = await client.PostAsJsonAsync($"/api/dashboards/{dashboard}/cards", new { questionId = question }))
            Assert.Equal(HttpStatusCode.BadRequest, pin.StatusCode);
    }

    [Fact]
    public async Task The_thread_list_shows_active_and_archived_threads_with_the_ledgers_tokens_and_dollars()
    {
        var active = await ApiApp.CreateThreadAsync(app.Bob, "Totals: active");
        var archived = await ApiApp.CreateThreadAsync(app.Bob, "Totals: archived");
        var result = new NlAnalytics.Core.Execution.QueryResult([new("n", "integer")], [[1]], false, TimeSpan.Zero);
        var m1 = await app.StoreAnswerAsync(ApiApp.BobEmail, active, "Totals one", result);
        var m2 = await app.StoreAnswerAsync(ApiApp.BobEmail, archived, "Totals two", result);
        var bob = await app.UserIdAsync(ApiApp.BobEmail);
        await using (var context = await app.Factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            context.LlmCalls.AddRange(
                Call(m1, active, bob, 1200, 300, 0.0125m),
                Call(m1, active, bob, 800, 50, 0.0031m),
                Call(m2, archived, bob, 4000, 400, 0.0300m));
            await context.SaveChangesAsync();
        }
        using (var archive = await app.Bob.Http.PatchAsJsonAsync($"/api/threads/{archived}", new { archived = true }))
            Assert.Equal(HttpStatusCode.OK, archive.StatusCode);

        using var all = await app.Bob.GetAsync("/api/threads?archived=true");
        var archivedOnes = (await ApiApp.ReadJsonAsync(all)).AsArray();
        var listedArchived = archivedOnes.Single(t => t!["id"]!.GetValue<Guid>() == archived)!;
        AssertTotals(listedArchived, 4000, 400, 0.0300m);
        Assert.True(listedArchived["isArchived"]!.GetValue<bool>());
        using var current = await app.Bob.GetAsync("/api/threads");
        var listedActive = (await ApiApp.ReadJsonAsync(current)).AsArray().Single(t => t!["id"]!.GetValue<Guid>() == active)!;
        AssertTotals(listedActive, 2000, 350, 0.0156m);

        // Unarchived, it is listed with the active ones again, with the same totals.
        using (var unarchive = await app.Bob.Http.PatchAsJsonAsync($"/api/threads/{archived}", new { archived = false }))
            Assert.Equal(HttpStatusCode.OK, unarchive.StatusCode);
        using var again = await app.Bob.GetAsync("/api/threads");
        AssertTotals((await ApiApp.ReadJsonAsync(again)).AsArray().Single(t => t!["id"]!.GetValue<Guid>() == archived)!, 4000, 400, 0.0300m);
    }

    /// <summary>Three of the owner's answers on the shop source, saved as questions and pinned: orders (KPI), amount by city (bar), the orders (table).</summary>
    internal async Task<Guid> DashboardWithThreeCardsAsync(BrowserSession owner)
    {
        var dashboard = await CreateDashboardAsync(owner, "Shop at a glance");
        await AddCardAsync(owner, dashboard, await SaveQuestionAsync(owner, _source, CountSql, "Orders", "Kpi"), 4);
        await AddCardAsync(owner, dashboard, await SaveQuestionAsync(owner, _source, ByCitySql, "Amount by city", "Bar"), 8);
        await AddCardAsync(owner, dashboard, await SaveQuestionAsync(owner, _source, OrdersSql, "The orders", "Table"), 12);
        return dashboard;
    }

    /// <summary>Runs <paramref name="sql"/> as an answer in a thread on <paramref name="source"/> (as an analyst editing SQL does) and saves that answer.</summary>
    private static async Task<Guid> SaveQuestionAsync(BrowserSession owner, string source, string sql, string title, string chartType)
    {
        var thread = await ApiApp.CreateThreadAsync(owner, title, source);
        using var asked = await owner.Http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true", new { question = "How many customers are there?", clientRequestId = Guid.NewGuid() });
        var first = (await ApiApp.ReadJsonAsync(asked))["id"]!.GetValue<Guid>();
        using var ran = await owner.Http.PostAsJsonAsync($"/api/messages/{first}/sql?wait=true", new { sql, clientRequestId = Guid.NewGuid() });
        var message = await ApiApp.ReadJsonAsync(ran);
        Assert.True(message["status"]!.GetValue<string>() == "Succeeded", message.ToJsonString());
        using var saved = await owner.Http.PostAsJsonAsync("/api/questions", new { messageId = message["id"]!.GetValue<Guid>(), title, chartType });
        Assert.True(saved.StatusCode == HttpStatusCode.Created, await saved.Content.ReadAsStringAsync());
        var question = await ApiApp.ReadJsonAsync(saved);
        Assert.Equal(sql.Trim(), question["sql"]!.GetValue<string>());
        return question["id"]!.GetValue<Guid>();
    }

    private static async Task<Guid> CreateDashboardAsync(BrowserSession owner, string title)
    {
        using var created = await owner.Http.PostAsJsonAsync("/api/dashboards", new { title });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await ApiApp.ReadJsonAsync(created))["id"]!.GetValue<Guid>();
    }

    private static async Task AddCardAsync(BrowserSession owner, Guid dashboard, Guid question, int? width = null)
    {
        using var added = await owner.Http.PostAsJsonAsync($"/api/dashboards/{dashboard}/cards", new { questionId = question, width });
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
    }

    private static async Task<JsonNode> RunAsync(BrowserSession session, Guid dashboard, bool refresh = false)
    {
        using var response = await session.GetAsync($"/api/dashboards/{dashboard}/run{(refresh ? "?refresh=true" : "")}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await ApiApp.ReadJsonAsync(response);
    }

    /// <summary>The card's rows as text: "Geneva 7.25, Lausanne 30.50" (numbers as the JSON has them).</summary>
    private static string Rows(JsonNode card) =>
        string.Join(", ", card["result"]!["rows"]!.AsArray().Select(row => string.Join(" ", row!.AsArray().Select(v => v!.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? v.GetValue<string>() : v.ToJsonString()))));

    private static int RowCount(JsonNode card) => card["result"]!["rows"]!.AsArray().Count;

    private static void AssertTotals(JsonNode thread, long input, long output, decimal cost)
    {
        Assert.Equal(input, thread["inputTokens"]!.GetValue<long>());
        Assert.Equal(output, thread["outputTokens"]!.GetValue<long>());
        Assert.Equal(cost, thread["costUsd"]!.GetValue<decimal>());
    }

    private static LlmCallRow Call(Guid message, Guid thread, string user, long input, long output, decimal cost) => new()
    {
        MessageId = message, ThreadId = thread, UserId = user, Agent = "sql-writer", Model = "gpt-4o",
        InputTokens = input, OutputTokens = output, CostUsd = cost, CreatedAt = DateTimeOffset.Parse("2025-03-01T10:00:00Z", CultureInfo.InvariantCulture),
    };

    private static Task<HttpResponseMessage> SendAsync(BrowserSession session, HttpMethod method, string path, object? body = null) =>
        session.Http.SendAsync(new HttpRequestMessage(method, path)
        {
            Headers = { { "X-Requested-With", "test" } },
            Content = body is null ? null : JsonContent.Create(body),
        });
}
