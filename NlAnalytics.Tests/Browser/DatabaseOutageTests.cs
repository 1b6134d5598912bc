using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Browser;

/// <summary>
/// Issue 10 point 9: the app database (a PostgreSQL cluster of the test's own, so it can be stopped) goes away
/// under the running app. Send must not end the page nor drop the typed question; the user is told what
/// happened; once the database is back the same Send works. The demo warehouse stays on the test cluster.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DatabaseOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Question = "How many stores are there?";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"nla-outage-{Guid.NewGuid():N}"[..24]);
    private readonly int _port = FreePort();
    private PostgresCluster _cluster = null!;
    private ScriptedOpenAiServer _llm = null!;
    private NlAnalyticsWebFactory _factory = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        _cluster = NewCluster();
        await _cluster.StartAsync();
        await _cluster.EnsureDatabaseAsync("outage_app");
        // The model is there only for an answer that must still be working when the database goes away; it never
        // answers in time. Every other question is asked in the default Offline mode.
        _llm = await ScriptedOpenAiServer.StartAsync();
        _llm.When(_ => true, ScriptStep.Reply("SELECT 1").After(TimeSpan.FromMinutes(10)));
        var settings = _llm.LlmSettings();
        settings["Llm:TimeoutSeconds"] = "600";
        _factory = await NlAnalyticsWebFactory.CreateAsync(new Dictionary<string, string?>(settings)
        {
            ["Analyst:Mode"] = "Offline",
            ["Demo:Seed"] = "4242",
            ["Demo:Scale"] = "0.002",
            ["Demo:EndDate"] = "2025-06-30",
            ["Demo:ReaderRole"] = $"nla_reader_outage_{Guid.NewGuid():N}"[..30],
            // The open page re-checks its session every second: the outage is sure to meet one of those checks.
            ["Auth:SessionCheckSeconds"] = "1",
        }, appConnectionString: _cluster.ConnectionString("outage_app"));
        _address = _factory.StartKestrel();
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _llm.DisposeAsync();
        await _cluster.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up with /tmp.
        }
    }

    [Fact]
    public async Task Asking_while_the_app_database_is_down_is_refused_as_unavailable_and_the_same_request_works_once_it_is_back()
    {
        using var session = await _factory.RegisterAsync("outage@example.test", "outage passphrase");
        var conversations = _factory.Services.GetRequiredService<ConversationService>();
        var userId = await UserIdAsync("outage@example.test");
        var thread = await conversations.CreateThreadAsync(userId, "demo", "Outage", CancellationToken.None);
        var request = new AskCommand(Question, Guid.NewGuid());

        await _cluster.StopAsync();
        var refused = await Assert.ThrowsAsync<ConversationException>(() => conversations.AskAsync(userId, thread.Id, request, CancellationToken.None));
        Assert.Equal(ConversationProblem.Unavailable, refused.Problem);
        Assert.Contains("database cannot be reached", refused.Message);
        Assert.Contains("send it again", refused.Message);
        // Through the API: 503 with problem details, whichever step meets the outage first (the cookie's session check, or the ask).
        using (var ask = await session.Http.PostAsJsonAsync($"/api/threads/{thread.Id}/messages", new { question = Question, clientRequestId = Guid.NewGuid() }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ask.StatusCode);
            Assert.Equal("application/problem+json", ask.Content.Headers.ContentType?.MediaType);
            Assert.Contains("database cannot be reached", await ask.Content.ReadAsStringAsync());
        }
        using (var list = await session.GetAsync("/api/threads"))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, list.StatusCode);
        // A page loaded meanwhile: a 503 that says why (the error page needs the database too, and left an empty 500).
        using (var page = await session.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
            Assert.Contains("database cannot be reached", await page.Content.ReadAsStringAsync());
            Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
        }

        await RestartClusterAsync();
        var asked = await conversations.AskAsync(userId, thread.Id, request, CancellationToken.None);
        await asked.Running!.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        var answered = await conversations.MessageAsync(userId, asked.MessageId, CancellationToken.None);
        Assert.Equal(MessageStatus.Succeeded, answered!.Status);
        Assert.Equal(Question, answered.Question);
    }

    [Fact]
    public async Task An_answer_that_ends_while_the_app_database_is_down_is_reported_interrupted_once_it_is_back_not_running()
    {
        using var session = await _factory.RegisterAsync("ended@example.test", "outage passphrase");
        var conversations = _factory.Services.GetRequiredService<ConversationService>();
        var userId = await UserIdAsync("ended@example.test");
        var thread = await conversations.CreateThreadAsync(userId, "demo", "Ends in the outage", CancellationToken.None);
        var asked = await conversations.AskAsync(userId, thread.Id, new AskCommand(Question, Guid.NewGuid(), AnalysisMode.Llm), CancellationToken.None);
        // The answer is at the model (which will not answer) when the database goes away.
        await _llm.WaitForRequestsAsync(1, TimeSpan.FromMinutes(2));

        await _cluster.StopAsync();
        // Stopped by its user during the outage: its end ("stopped") cannot be saved, so the row still says running.
        Assert.True(_factory.Services.GetRequiredService<AnswerRunner>().Stop(asked.MessageId));
        await asked.Running!.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        await RestartClusterAsync();

        using var response = await session.Http.GetAsync($"/api/messages/{asked.MessageId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = await NlAnalytics.Tests.Web.Api.ApiApp.ReadJsonAsync(response);
        Assert.Equal("Interrupted", message["status"]!.GetValue<string>());
        Assert.Contains("Retry", message["error"]!.GetValue<string>());
        // The page's view of the thread says the same, and Retry is offered by the API (it answers it again).
        var contents = await conversations.OpenAsync(userId, thread.Id, CancellationToken.None);
        Assert.Equal(MessageStatus.Interrupted, Assert.Single(contents!.Messages).Status);
    }

    [Fact]
    public async Task In_chromium_send_during_the_outage_keeps_the_page_and_the_question_and_sends_it_once_the_database_is_back()
    {
        var (playwright, browser) = await Chromium.LaunchAsync();
        try
        {
            var page = await ChatBrowserFixture.SignInAsync(browser, _address, "outage-browser@example.test", register: true, output.WriteLine);
            await page.GotoAsync("chat");
            await page.WaitForSelectorAsync(ChatBrowserFixture.ComposerSelector);
            await page.FillAsync(ChatBrowserFixture.ComposerSelector, Question);

            await _cluster.StopAsync();
            await page.PressAsync(ChatBrowserFixture.ComposerSelector, "Enter");
            var error = page.Locator(".composer-error");
            try
            {
                await error.WaitForAsync();
            }
            finally
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "outage-send.png") });
                foreach (var line in _factory.Logs.Lines.Where(l => !l.Contains("Session check postponed")).TakeLast(40))
                    output.WriteLine(line.Length > 3000 ? line[..3000] : line);
            }
            Assert.Contains("database cannot be reached", await error.InnerTextAsync());
            Assert.Equal(Question, await page.InputValueAsync(ChatBrowserFixture.ComposerSelector));
            // The page's session check meets the outage too, and must not sign the page out.
            await WaitUntilAsync(() => _factory.Logs.All.Contains("Session check postponed"), "a session check during the outage");
            Assert.Contains("/chat", page.Url);

            await RestartClusterAsync();
            await page.PressAsync(ChatBrowserFixture.ComposerSelector, "Enter");
            var answer = page.Locator("article.message").First;
            await answer.Locator(".answer-footer").WaitForAsync(new() { Timeout = 120_000 });
            Assert.Equal("Succeeded", await answer.GetAttributeAsync("data-status"));
            Assert.Equal(Question, (await answer.Locator(".question-bubble").InnerTextAsync()).Trim());
            Assert.Equal(0, await page.Locator(".composer-error").CountAsync());
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    private PostgresCluster NewCluster() =>
        new(new EmbeddedPostgresOptions { DataDirectory = _directory, Port = _port }, NullLogger<PostgresCluster>.Instance);

    /// <summary>The same data folder and port, as an operator bringing the database back would.</summary>
    private async Task RestartClusterAsync()
    {
        await _cluster.DisposeAsync();
        _cluster = NewCluster();
        await _cluster.StartAsync();
    }

    private async Task<string> UserIdAsync(string email)
    {
        await using var context = await _factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await context.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
