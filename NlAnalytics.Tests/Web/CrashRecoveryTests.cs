using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Tests.Web.Api;

namespace NlAnalytics.Tests.Web;

/// <summary>
/// Issue 10 point 5: the app is killed with SIGKILL half-way through an answer (the model hangs), then
/// started again on the same database. Nothing may be reported as running forever, and Retry must run
/// what was asked: the question for a question, the analyst's SQL for a run of hand-written SQL.
/// </summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private const string Question = "How many stores are there?";
    private const string HandWrittenSql = "SELECT 6 * 7 AS answer";

    private ScriptedOpenAiServer _llm = null!;
    private Dictionary<string, string?> _settings = null!;
    private string _dataFolder = null!;

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        // Every model call hangs: whatever the answer is doing when the process dies, it is mid-answer.
        _llm.When(_ => true, ScriptStep.Reply("```sql\nSELECT 1\n```") with { Delay = TimeSpan.FromMinutes(10) });
        _settings = _llm.LlmSettings();
        _settings["Llm:TimeoutSeconds"] = "600";
        _settings["Llm:MaxRetries"] = "0";
        _settings["ConnectionStrings:App"] = await TestPostgres.CreateDatabaseAsync("crash_app");
        _settings["ConnectionStrings:Demo"] = await TestPostgres.CreateDatabaseAsync("crash_demo");
        _settings["Demo:Seed"] = "4242";
        _settings["Demo:Scale"] = "0.002";
        _settings["Demo:EndDate"] = "2025-06-30";
        _settings["Demo:ReaderRole"] = $"nla_reader_crash_{Guid.NewGuid():N}"[..30];
        _settings["Semantics:Enabled"] = "false";
        // Its own data folder, so nothing it writes (cluster files, secrets) touches another app's.
        _dataFolder = Directory.CreateTempSubdirectory("nla-crash-").FullName;
        _settings["EmbeddedPostgres:DataDirectory"] = Path.Combine(_dataFolder, "postgres");
    }

    public async Task DisposeAsync()
    {
        await _llm.DisposeAsync();
        Directory.Delete(_dataFolder, recursive: true);
    }

    [Fact]
    public async Task After_a_kill_minus_9_mid_answer_the_api_reports_interrupted_and_retry_runs_what_was_asked()
    {
        Guid threadId, asked, sqlRun;
        await using (var first = await AppProcess.StartAsync(_settings))
        {
            using var session = first.CreateSession();
            using (var registered = await session.RegisterAsync("crash@example.test", "crash passphrase"))
                Assert.True(registered.StatusCode == HttpStatusCode.Redirect, $"registration: {(int)registered.StatusCode}\n{first.Output}");
            threadId = await ApiApp.CreateThreadAsync(session);
            using var ask = await session.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages", new { question = Question, clientRequestId = Guid.NewGuid(), mode = "llm" });
            Assert.Equal(HttpStatusCode.Accepted, ask.StatusCode);
            asked = (await ApiApp.ReadJsonAsync(ask))["messageId"]!.GetValue<Guid>();
            // Hand-written SQL in the same thread waits behind the hanging answer: it is stored, not yet run.
            using var run = await session.Http.PostAsJsonAsync($"/api/messages/{asked}/sql", new { sql = HandWrittenSql, clientRequestId = Guid.NewGuid() });
            Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
            sqlRun = (await ApiApp.ReadJsonAsync(run))["messageId"]!.GetValue<Guid>();

            await _llm.WaitForRequestsAsync(1, TimeSpan.FromMinutes(3));
            Assert.Equal("Running", await StatusAsync(session, asked));
            Assert.Equal("Pending", await StatusAsync(session, sqlRun));
            await first.KillHardAsync();
        }

        await using var second = await AppProcess.StartAsync(_settings);
        using var again = second.CreateSession();
        using (var signedIn = await again.SignInAsync("crash@example.test", "crash passphrase"))
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        var question = await MessageAsync(again, asked);
        var manual = await MessageAsync(again, sqlRun);
        Assert.Equal("Interrupted", question["status"]!.GetValue<string>());
        Assert.Equal("Interrupted", manual["status"]!.GetValue<string>());
        Assert.Contains("interrupted", question["error"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HandWrittenSql, manual["sql"]!.GetValue<string>());
        // The thread's listing says the same as the message itself.
        var listed = await ApiApp.ReadJsonAsync(await again.GetAsync($"/api/threads/{threadId}/messages"));
        Assert.All(Items(listed), m => Assert.Equal("Interrupted", m!["status"]!.GetValue<string>()));

        // Retry of the SQL run runs that SQL (no model is asked: the scripted one still hangs).
        var retriedSql = await RetryAsync(again, sqlRun, mode: null);
        Assert.Equal("Succeeded", retriedSql["status"]!.GetValue<string>());
        Assert.Equal("Manual", retriedSql["path"]!.GetValue<string>());
        Assert.Equal(HandWrittenSql, retriedSql["sql"]!.GetValue<string>());
        Assert.Equal(42, retriedSql["result"]!["rows"]![0]![0]!.GetValue<int>());

        // Retry of the question answers the question (offline here, as the model still hangs).
        var retriedQuestion = await RetryAsync(again, asked, mode: "offline");
        Assert.Equal("Succeeded", retriedQuestion["status"]!.GetValue<string>());
        Assert.Equal(Question, retriedQuestion["question"]!.GetValue<string>());
        Assert.NotEqual("Manual", retriedQuestion["path"]!.GetValue<string>());
        Assert.Contains("sales.stores", retriedQuestion["sql"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_second_instance_starting_on_the_same_database_leaves_an_answer_that_still_runs_alone()
    {
        await using var running = await NlAnalyticsWebFactory.CreateAsync(_settings, (string)_settings["ConnectionStrings:App"]!, (string)_settings["ConnectionStrings:Demo"]!);
        using var session = await running.RegisterAsync("live@example.test", "live passphrase");
        var threadId = await ApiApp.CreateThreadAsync(session);
        using var ask = await session.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages", new { question = Question, clientRequestId = Guid.NewGuid(), mode = "llm" });
        var asked = (await ApiApp.ReadJsonAsync(ask))["messageId"]!.GetValue<Guid>();
        await _llm.WaitForRequestsAsync(1, TimeSpan.FromMinutes(3));

        await using (var second = await NlAnalyticsWebFactory.CreateAsync(_settings, running.AppConnectionString, running.DemoConnectionString))
        {
            _ = second.Server;
            Assert.Equal("Running", await StatusAsync(session, asked));
        }

        using var stop = await session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/messages/{asked}/stop") { Headers = { { "X-Requested-With", "test" } } });
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
    }

    private static async Task<string> StatusAsync(BrowserSession session, Guid messageId) =>
        (await MessageAsync(session, messageId))["status"]!.GetValue<string>();

    private static async Task<JsonNode> MessageAsync(BrowserSession session, Guid messageId)
    {
        using var response = await session.GetAsync($"/api/messages/{messageId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ApiApp.ReadJsonAsync(response);
    }

    private static async Task<JsonNode> RetryAsync(BrowserSession session, Guid messageId, string? mode)
    {
        var path = $"/api/messages/{messageId}/retry?wait=true" + (mode is null ? "" : "&mode=" + mode);
        using var response = await session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Headers = { { "X-Requested-With", "test" } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ApiApp.ReadJsonAsync(response);
    }

    /// <summary>The messages of a listing: a plain array, or the page's items.</summary>
    private static JsonArray Items(JsonNode listing) => listing as JsonArray ?? listing["items"]!.AsArray();
}
