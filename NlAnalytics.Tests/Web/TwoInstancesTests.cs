using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Knowledge;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Tests.Web.Api;

namespace NlAnalytics.Tests.Web;

/// <summary>
/// Two app instances on one app database (ADR 0034): what an Admin or an analyst changes on A (a stored source, a grant,
/// a glossary term, a document, an upload, a revocation) shows on B without a restart, through the change feed
/// (NOTIFY, or only the poll when B does not listen). Each check polls B with a generous timeout.
/// </summary>
public sealed class TwoInstancesTests : IAsyncLifetime
{
    private const string AdminEmail = "scale-admin@example.test";
    private const string AnalystEmail = "scale-analyst@example.test";
    private const string Password = "a long enough passphrase";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Roles are cluster-wide: a reader role of its own keeps other hosts on the test cluster from resetting its password.
    private readonly string _demoReader = $"nla_reader_scale_{Guid.NewGuid():N}"[..30];
    private ShopDatabase _shop = null!;
    private string _uploads = "";

    public async Task InitializeAsync()
    {
        _shop = await ShopDatabase.CreateAsync();
        _uploads = await TestPostgres.CreateDatabaseAsync("scale_uploads");
    }

    public async Task DisposeAsync() => await _shop.DisposeAsync();

    [Fact]
    public async Task A_source_its_grant_a_glossary_term_a_document_an_upload_and_a_revocation_made_on_A_show_on_B()
    {
        await using var a = await NlAnalyticsWebFactory.CreateAsync(Settings());
        using var admin = await a.RegisterAsync(AdminEmail, Password);
        using var analystOnA = await a.RegisterAsync(AnalystEmail, Password);
        await using var b = await NlAnalyticsWebFactory.CreateAsync(Settings(), a.AppConnectionString, a.DemoConnectionString);
        using var analyst = await b.SignInAsync(AnalystEmail, Password);
        const string source = "scale-shop";

        // A stored source and its grant, made on A: B lists it for the analyst.
        using (var created = await admin.Http.PostAsJsonAsync("/api/sources", new { name = source, displayName = "Scaled shop", queryConnectionString = _shop.ReaderConnectionString, schemas = new[] { "shop" } }))
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        using (var granted = await admin.Http.PutAsJsonAsync($"/api/sources/{source}/grants", new { users = new[] { AnalystEmail } }))
            Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        await EventuallyAsync(async () => (await ApiApp.SourceNamesAsync(analyst)).Contains(source), "B lists the source added on A");

        // Before the glossary term, B's offline analyst does not know the word.
        var thread = await ApiApp.CreateThreadAsync(analyst, "Takings on B", source);
        var before = await AskAsync(analyst, thread, "Total takings");
        Assert.NotEqual("37.75", FirstCell(before));

        using (var term = await admin.Http.PostAsJsonAsync($"/api/sources/{source}/glossary",
            new { term = "takings", synonyms = new[] { "till receipts" }, kind = "Expression", table = "shop.orders", meaning = "SUM(amount)" }))
            Assert.Equal(HttpStatusCode.Created, term.StatusCode);
        await EventuallyAsync(async () =>
        {
            using var glossary = await analyst.GetAsync($"/api/sources/{source}/glossary");
            return (await glossary.Content.ReadAsStringAsync()).Contains("\"takings\"");
        }, "B's glossary has the term added on A");
        var after = await AskAsync(analyst, await ApiApp.CreateThreadAsync(analyst, "Takings again", source), "Total takings");
        // 10.50 + 20.00 + 7.25, the orders' amounts.
        Assert.Equal("37.75", FirstCell(after));

        // A document taught on A: B's passages for a question about it come from it.
        using (var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(
            "# Shop policies\n\n## Refunds\n\nA customer may return an order within 30 days of the order date for a full refund.\n")), "file", "refund-policy.md" } })
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sources/{source}/documents") { Content = form, Headers = { { "X-Requested-With", "test" } } })
        using (var taught = await admin.Http.SendAsync(request))
            Assert.True(taught.StatusCode == HttpStatusCode.Created, await taught.Content.ReadAsStringAsync());
        var passages = b.Services.GetRequiredService<IDocumentPassages>();
        await EventuallyAsync(() => Task.FromResult(passages.Relevant(source, "How long can a customer return an order for a refund?", CancellationToken.None)
            .Any(p => p.Document == "refund-policy.md")), "B finds the passage of the document taught on A");

        // A table added to the source and its catalog read again on A: B drops its copy and reads the new one when asked.
        await using (var connection = new Npgsql.NpgsqlConnection(_shop.SuperuserConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new Npgsql.NpgsqlCommand($"CREATE TABLE shop.refunds (id int PRIMARY KEY, amount numeric); GRANT SELECT ON shop.refunds TO {_shop.ReaderRole}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var catalogs = b.Services.GetRequiredService<NlAnalytics.Core.Catalog.ICatalogProvider>();
        var onB = b.Services.GetRequiredService<NlAnalytics.Core.Data.IDataSourceRegistry>().Resolve(source);
        Assert.Null((await catalogs.GetAsync(onB, CancellationToken.None)).Find("shop.refunds"));
        using (var refreshed = await admin.Http.PostAsync($"/api/data-sources/{source}/catalog/refresh", JsonContent.Create(new { })))
            Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        await EventuallyAsync(async () => (await catalogs.GetAsync(onB, CancellationToken.None)).Find("shop.refunds") is not null, "B's catalog has the table A's refresh found");

        // An upload made on A is a source on B.
        var upload = await ApiApp.UploadAsync(analystOnA, "scaled-enrolment.csv", Encoding.UTF8.GetBytes(UploadApiTests.UnilCsv), """{"femmes": "women"}""");
        await EventuallyAsync(async () => (await ApiApp.SourceNamesAsync(analyst)).Contains(upload), "B lists the upload made on A");
        var enrolment = await ApiApp.CreateThreadAsync(analyst, "Enrolment on B", upload);
        Assert.Contains("1735", (await AskAsync(analyst, enrolment, "how many women in 2015?"))["result"]!.ToJsonString().Replace(",", ""));

        // Revoked on A: B refuses at once (access is read from the database, never kept in memory).
        using (var revoked = await admin.Http.PutAsJsonAsync($"/api/sources/{source}/grants", new { users = Array.Empty<string>() }))
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.DoesNotContain(source, await ApiApp.SourceNamesAsync(analyst));
        using (var refused = await analyst.Http.PostAsJsonAsync($"/api/threads/{thread}/messages", new { question = "Total takings", clientRequestId = Guid.NewGuid(), mode = "offline" }))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        // Removed on A: gone from B's registry, and its glossary with it.
        using (var removed = await admin.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/sources/{source}") { Headers = { { "X-Requested-With", "test" } } }))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        var registry = b.Services.GetRequiredService<NlAnalytics.Core.Data.IDataSourceRegistry>();
        var knowledge = b.Services.GetRequiredService<ISourceKnowledge>();
        await EventuallyAsync(() => Task.FromResult(registry.All.All(s => s.Name != source) && knowledge.For(source).Glossary.Count == 0),
            "B drops the source removed on A and its glossary");
    }

    [Fact]
    public async Task An_instance_that_does_not_listen_sees_a_glossary_term_by_polling_the_change_table()
    {
        await using var a = await NlAnalyticsWebFactory.CreateAsync(Settings());
        using var admin = await a.RegisterAsync(AdminEmail, Password);
        // B never LISTENs: only its poll (every second here) can tell it.
        await using var b = await NlAnalyticsWebFactory.CreateAsync(
            new Dictionary<string, string?>(Settings()) { ["SharedChanges:Listen"] = "false", ["SharedChanges:PollSeconds"] = "1" },
            a.AppConnectionString, a.DemoConnectionString);
        using var adminOnB = await b.SignInAsync(AdminEmail, Password);
        const string source = "polled-shop";
        using (var created = await admin.Http.PostAsJsonAsync("/api/sources", new { name = source, queryConnectionString = _shop.ReaderConnectionString, schemas = new[] { "shop" } }))
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        await EventuallyAsync(async () => (await ApiApp.SourceNamesAsync(adminOnB)).Contains(source), "B lists the source added on A");
        using (var term = await admin.Http.PostAsJsonAsync($"/api/sources/{source}/glossary",
            new { term = "takings", synonyms = Array.Empty<string>(), kind = "Expression", table = "shop.orders", meaning = "SUM(amount)" }))
            Assert.Equal(HttpStatusCode.Created, term.StatusCode);
        var knowledge = b.Services.GetRequiredService<ISourceKnowledge>();
        await EventuallyAsync(() => Task.FromResult(knowledge.For(source).Glossary.Any(t => t.Term == "takings")), "B's glossary has the term added on A");
        Assert.Contains("(LISTEN off, a read every 1 s)", b.Logs.All);
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Analyst:Mode"] = "Offline",
        ["Llm:Endpoint"] = "",
        ["ConnectionStrings:Uploads"] = _uploads,
        ["Demo:ReaderRole"] = _demoReader,
    };

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not within {Patience.TotalSeconds} s: {what}.");
            await Task.Delay(100);
        }
    }

    private static async Task<JsonNode> AskAsync(BrowserSession session, Guid thread, string question)
    {
        using var asked = await session.Http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true", new { question, clientRequestId = Guid.NewGuid(), mode = "offline" });
        Assert.True(asked.StatusCode == HttpStatusCode.OK, await asked.Content.ReadAsStringAsync());
        return await ApiApp.ReadJsonAsync(asked);
    }

    private static string? FirstCell(JsonNode answer) => answer["result"]?["rows"]?[0]?[0]?.ToString();
}
