using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Tests.Knowledge;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// Documents per source through the API (ADR 0030): an Admin uploads them, a granted analyst asks in LLM mode, and the
/// scripted model's prompt carries the passage that bears on the question and none that does not; the answer lists it
/// under "sources used". Bad files are refused with problem details and leave nothing stored.
/// </summary>
public sealed class DocumentApiTests : IAsyncLifetime
{
    private const string AdminEmail = "docs-admin@example.test";
    private const string AnalystEmail = "docs-analyst@example.test";
    private const string StrangerEmail = "docs-stranger@example.test";

    private const string Policy = """
        # Customer service handbook

        ## Refunds

        A customer may return an order within 30 days of the order date and receive a full refund of the amount paid.
        After 30 days an order can no longer be refunded, only exchanged.

        ## Office plants

        The ficus in the lobby is watered every Tuesday by the facilities team. Please do not move the pots.
        """;

    private const string Canteen = "The canteen serves lunch from noon to two o'clock. Vegetarian dishes rotate every week, and coffee is free.";

    private ScriptedOpenAiServer _llm = null!;
    private NlAnalyticsWebFactory _factory = null!;
    private ShopDatabase _shop = null!;
    private BrowserSession _admin = null!;
    private BrowserSession _analyst = null!;
    private BrowserSession _stranger = null!;
    private readonly string _source = $"docs-{Guid.NewGuid():N}"[..15];

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        _llm.WhenSystemPromptContains("You are the SQL writer",
            ScriptStep.Reply("```sql\nSELECT id, ordered_on FROM shop.orders WHERE ordered_on >= DATE '2026-02-01' ORDER BY id\n```\nInterpretation: Orders of the last 30 days.\nChart: table"));
        _llm.WhenSystemPromptContains("You are the narrator", ScriptStep.Reply("Two orders can still be refunded."));
        var settings = _llm.LlmSettings();
        settings["Demo:Seed"] = "4242";
        settings["Demo:Scale"] = "0.002";
        settings["Demo:EndDate"] = "2025-06-30";
        settings["Demo:ReaderRole"] = $"nla_reader_docs_{Guid.NewGuid():N}"[..30];
        settings["Analyst:LlmReview"] = "false";
        // Small bounds, so the limits are tried with small files.
        settings["Knowledge:Documents:MaxFileBytes"] = "65536";
        settings["Knowledge:Documents:MaxSourceBytes"] = "100000";
        _factory = await NlAnalyticsWebFactory.CreateAsync(settings);
        _admin = await _factory.RegisterAsync(AdminEmail, "docs admin passphrase");
        _analyst = await _factory.RegisterAsync(AnalystEmail, "docs analyst passphrase");
        _stranger = await _factory.RegisterAsync(StrangerEmail, "docs stranger passphrase");
        await _factory.Services.GetRequiredService<DemoStatus>().WhenReady.WaitAsync(TimeSpan.FromMinutes(5));
        _shop = await ShopDatabase.CreateAsync();
        using var created = await _admin.Http.PostAsJsonAsync("/api/sources", new { name = _source, displayName = "Documented shop", queryConnectionString = _shop.ReaderConnectionString, schemas = new[] { "shop" } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        using var granted = await _admin.Http.PutAsJsonAsync($"/api/sources/{_source}/grants", new { users = new[] { AnalystEmail } });
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        _analyst.Dispose();
        _stranger.Dispose();
        await _factory.DisposeAsync();
        await _llm.DisposeAsync();
        await _shop.DisposeAsync();
    }

    [Fact]
    public async Task A_document_passage_about_the_question_reaches_the_writer_prompt_and_is_cited_under_sources_used_and_an_unrelated_one_is_not()
    {
        var policy = await UploadAsync(_admin, "returns-policy.md", Encoding.UTF8.GetBytes(Policy));
        Assert.Equal(HttpStatusCode.Created, policy.Status);
        Assert.Equal("Markdown", policy.Json["format"]!.GetValue<string>());
        Assert.Equal(2, policy.Json["passages"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(_admin, "canteen.txt", Encoding.UTF8.GetBytes(Canteen))).Status);

        // The analyst reads the list, but may not change it until an Admin allows; someone without a grant sees no such source.
        using (var list = await _analyst.GetAsync($"/api/sources/{_source}/documents"))
            Assert.Equal(["canteen.txt", "returns-policy.md"], (await ApiApp.ReadJsonAsync(list)).AsArray().Select(d => d!["name"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(_analyst, "mine.txt", Encoding.UTF8.GetBytes(Canteen))).Status);
        using (var hidden = await _stranger.GetAsync($"/api/sources/{_source}/documents"))
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await UploadAsync(_stranger, "mine.txt", Encoding.UTF8.GetBytes(Canteen))).Status);

        var thread = await ApiApp.CreateThreadAsync(_analyst, "Refunds", _source);
        using var asked = await _analyst.Http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true",
            new { question = "Which orders can a customer still return for a refund?", clientRequestId = Guid.NewGuid(), mode = "llm" });
        var answer = await ApiApp.ReadJsonAsync(asked);
        Assert.True(answer["status"]!.GetValue<string>() == "Succeeded", answer.ToJsonString());

        var writer = Assert.Single(_llm.ChatRequests, r => r.SystemPrompt.Contains("You are the SQL writer"));
        Assert.Contains("Which orders can a customer still return", writer.LastUserMessage);
        Assert.Contains("returns-policy.md / Refunds: A customer may return an order within 30 days of the order date", writer.SystemPrompt);
        Assert.DoesNotContain("ficus", writer.SystemPrompt);
        Assert.DoesNotContain("canteen", writer.SystemPrompt, StringComparison.OrdinalIgnoreCase);

        var cited = Assert.Single(answer["sourcesUsed"]!.AsArray())!;
        Assert.Equal("returns-policy.md", cited["document"]!.GetValue<string>());
        Assert.Equal("Refunds", cited["heading"]!.GetValue<string>());
        Assert.StartsWith("A customer may return an order within 30 days", cited["text"]!.GetValue<string>());
        // The transcript says how much of the writer's prompt the passage took.
        Assert.Contains(answer["transcript"]!.AsArray(), e => e!["content"]!.GetValue<string>().Contains("1 document passage(s)", StringComparison.Ordinal));

        // Deleting the document: the next question's prompt has no passage of it, and the history keeps both changes.
        using (var removed = await Delete(_admin, $"/api/sources/{_source}/documents/{policy.Json["id"]!.GetValue<long>()}"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        var another = await ApiApp.CreateThreadAsync(_analyst, "Refunds again", _source);
        using (var again = await _analyst.Http.PostAsJsonAsync($"/api/threads/{another}/messages?wait=true",
            new { question = "Which orders can a customer return for a refund today?", clientRequestId = Guid.NewGuid(), mode = "llm" }))
        {
            var second = await ApiApp.ReadJsonAsync(again);
            Assert.True(second["status"]!.GetValue<string>() == "Succeeded", second.ToJsonString());
            Assert.Empty(second["sourcesUsed"]!.AsArray());
        }
        var writers = _llm.ChatRequests.Where(r => r.SystemPrompt.Contains("You are the SQL writer")).ToList();
        Assert.Equal(2, writers.Count);
        Assert.DoesNotContain("30 days", writers[1].SystemPrompt);
        using var history = await _admin.GetAsync($"/api/sources/{_source}/knowledge/history");
        Assert.Equal(
            [$"document Removed returns-policy.md {AdminEmail}", $"document Added canteen.txt {AdminEmail}", $"document Added returns-policy.md {AdminEmail}"],
            (await ApiApp.ReadJsonAsync(history)).AsArray().Select(c => $"{c!["subject"]} {c["action"]} {c["term"]} {c["changedBy"]}"));
    }

    [Fact]
    public async Task Bad_files_are_refused_with_the_reason_and_leave_nothing_stored_and_a_pdf_made_here_is_read()
    {
        await AssertRefusedAsync("empty.md", [], "'empty.md' is empty.");
        await AssertRefusedAsync("slides.pptx", Encoding.UTF8.GetBytes("PK not a document"), "upload Markdown (.md), plain text (.txt) or PDF (.pdf)");
        await AssertRefusedAsync("broken.pdf", Encoding.ASCII.GetBytes("%PDF-1.7\n1 0 obj << /Type /Catalog broken"), "'broken.pdf' cannot be read as a PDF");
        await AssertRefusedAsync("notes.pdf", Encoding.UTF8.GetBytes("Plain words, not a PDF."), "'notes.pdf' is not a PDF");
        await AssertRefusedAsync("utf16.txt", Encoding.Unicode.GetBytes("Fiscal year starts in April."), "'utf16.txt' is not text");
        await AssertRefusedAsync("blank.txt", Encoding.UTF8.GetBytes(" \n\n \t\n"), "'blank.txt' holds only blank space.");
        await AssertRefusedAsync("big.txt", Encoding.UTF8.GetBytes(Words(70_000)), "a document is at most 64 KB");

        var pdf = await UploadAsync(_admin, "fiscal-year.pdf", DocumentFiles.Pdf("Fiscal calendar", "The fiscal year of the shop starts on the first of April."));
        Assert.True(pdf.Status == HttpStatusCode.Created, pdf.Json.ToJsonString());
        Assert.Equal(("Pdf", 1), (pdf.Json["format"]!.GetValue<string>(), pdf.Json["passages"]!.GetValue<int>()));
        await using (var context = await _factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var passage = await context.DocumentPassages.AsNoTracking().SingleAsync(p => p.DocumentId == pdf.Json["id"]!.GetValue<long>());
            Assert.Contains("The fiscal year of the shop starts on the first of April.", passage.Text);
            Assert.Equal(384, passage.Vector.Length);
        }

        // The source's total: 40 KB of the PDF's neighbours fit, the next 60 KB would pass 100,000 bytes.
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(_admin, "first.txt", Encoding.UTF8.GetBytes(Words(40_000)))).Status);
        await AssertRefusedAsync("second.txt", Encoding.UTF8.GetBytes(Words(60_000)), "a source's documents take at most");

        using var list = await _admin.GetAsync($"/api/sources/{_source}/documents");
        Assert.Equal(["first.txt", "fiscal-year.pdf"], (await ApiApp.ReadJsonAsync(list)).AsArray().Select(d => d!["name"]!.GetValue<string>()));
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(2, await db.KnowledgeDocuments.CountAsync(d => d.DataSource == _source));
        Assert.Equal(["Added"], await db.KnowledgeChanges.Where(c => c.DataSource == _source && c.Term == "first.txt").Select(c => c.Action).ToListAsync());
        Assert.False(await db.KnowledgeChanges.AnyAsync(c => c.DataSource == _source && c.Term == "second.txt"));
    }

    private async Task AssertRefusedAsync(string fileName, byte[] content, string reason)
    {
        var refused = await UploadAsync(_admin, fileName, content);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains(reason, refused.Json["detail"]!.GetValue<string>());
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.False(await db.KnowledgeDocuments.AnyAsync(d => d.DataSource == _source && d.Name == fileName));
    }

    /// <summary>English-looking text of about <paramref name="bytes"/> bytes, in paragraphs.</summary>
    private static string Words(int bytes)
    {
        var text = new StringBuilder();
        for (var i = 0; text.Length < bytes; i++)
            text.Append(i % 12 == 11 ? "The shop keeps its receipts for ten years.\n\n" : "Orders are packed on the day they are paid. ");
        return text.ToString()[..bytes];
    }

    private sealed record Upload(HttpStatusCode Status, JsonNode Json);

    private async Task<Upload> UploadAsync(BrowserSession session, string fileName, byte[] content)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(content), "file", fileName } };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sources/{_source}/documents") { Content = form };
        request.Headers.Add("X-Requested-With", "test");
        using var response = await session.Http.SendAsync(request);
        return new Upload(response.StatusCode, await ApiApp.ReadJsonAsync(response));
    }

    private static Task<HttpResponseMessage> Delete(BrowserSession session, string path) =>
        session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, path) { Headers = { { "X-Requested-With", "test" } } });
}
