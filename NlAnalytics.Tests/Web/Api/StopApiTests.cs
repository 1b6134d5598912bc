using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

public sealed class StopApiTests : IAsyncLifetime
{
    private ScriptedOpenAiServer _llm = null!;
    private NlAnalyticsWebFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        // The model takes its time: long enough to stop the answer half-way.
        _llm.When(r => r.SystemPrompt.Contains("You are the SQL writer") && r.LastUserMessage.Contains("How many students?"),
            ScriptStep.Reply("```sql\nSELECT 1 AS one\n```") with { Delay = TimeSpan.FromSeconds(30) });
        // Two quick writer calls (a lookup, then the SQL), then a narrator that never answers in time.
        _llm.When(r => r.SystemPrompt.Contains("You are the SQL writer") && r.LastUserMessage.Contains("How many enrolments?"),
            ScriptStep.ToolCall("catalog_find_columns", """{"words":"students"}""", inputTokens: 1000, outputTokens: 20),
            ScriptStep.Reply("```sql\nSELECT 1 AS one\n```", inputTokens: 2000, outputTokens: 50));
        _llm.WhenSystemPromptContains("You are the narrator", ScriptStep.Reply("One.") with { Delay = TimeSpan.FromSeconds(30) });
        var settings = _llm.LlmSettings();
        settings["Llm:TimeoutSeconds"] = "60";
        settings["Llm:Models:sql-writer"] = "priced-writer";
        settings["Pricing:Models:priced-writer:InputPerMillion"] = "1.00";
        settings["Pricing:Models:priced-writer:CachedInputPerMillion"] = "0.50";
        settings["Pricing:Models:priced-writer:OutputPerMillion"] = "10.00";
        settings["Demo:Seed"] = "4242";
        settings["Demo:Scale"] = "0.002";
        settings["Demo:EndDate"] = "2025-06-30";
        settings["Demo:ReaderRole"] = $"nla_reader_stop_{Guid.NewGuid():N}"[..30];
        _factory = await NlAnalyticsWebFactory.CreateAsync(settings);
        _ = _factory.Server;
        await _factory.Services.GetRequiredService<DemoStatus>().WhenReady.WaitAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _llm.DisposeAsync();
    }

    [Fact]
    public async Task Stopping_a_running_answer_saves_it_as_stopped_and_keeps_the_question_for_a_retry()
    {
        using var session = await _factory.RegisterAsync("stopper@example.test", "stopper passphrase");
        var threadId = await ApiApp.CreateThreadAsync(session);
        using var asked = await session.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages", new { question = "How many students?", clientRequestId = Guid.NewGuid(), mode = "llm" });
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var location = asked.Headers.Location!.ToString();
        await WaitUntilAsync(() => _llm.ChatRequests.Count > 0);

        var clock = Stopwatch.StartNew();
        using var stop = await session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, location + "/stop") { Headers = { { "X-Requested-With", "test" } } });
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        JsonNode message;
        do
        {
            await Task.Delay(50);
            message = await ApiApp.ReadJsonAsync(await session.Http.GetAsync(location));
        }
        while (message["status"]!.GetValue<string>() is "Pending" or "Running" && clock.Elapsed < TimeSpan.FromSeconds(20));

        Assert.Equal("Cancelled", message["status"]!.GetValue<string>());
        Assert.Equal("Stopped before it finished.", message["error"]!.GetValue<string>());
        Assert.Equal("How many students?", message["question"]!.GetValue<string>());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "stopping should not wait for the model's reply");
        using var stopAgain = await session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, location + "/stop") { Headers = { { "X-Requested-With", "test" } } });
        Assert.Equal(HttpStatusCode.Conflict, stopAgain.StatusCode);
    }

    [Fact]
    public async Task A_stop_after_two_model_calls_leaves_both_calls_priced_and_stored_with_the_message()
    {
        using var session = await _factory.RegisterAsync("spender@example.test", "spender passphrase");
        var threadId = await ApiApp.CreateThreadAsync(session);
        using var asked = await session.Http.PostAsJsonAsync($"/api/threads/{threadId}/messages", new { question = "How many enrolments?", clientRequestId = Guid.NewGuid(), mode = "llm" });
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var location = asked.Headers.Location!.ToString();
        var messageId = Guid.Parse(location.TrimEnd('/').Split('/')[^1]);
        // The third request is the narrator's, which hangs: the writer's two calls have completed.
        await WaitUntilAsync(() => _llm.ChatRequests.Count(r => r.LastUserMessage.Contains("How many enrolments?")) >= 3);

        using var stop = await session.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, location + "/stop") { Headers = { { "X-Requested-With", "test" } } });
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        JsonNode message;
        var clock = Stopwatch.StartNew();
        do
        {
            await Task.Delay(50);
            message = await ApiApp.ReadJsonAsync(await session.Http.GetAsync(location));
        }
        while (message["status"]!.GetValue<string>() is "Pending" or "Running" && clock.Elapsed < TimeSpan.FromSeconds(20));

        Assert.Equal("Cancelled", message["status"]!.GetValue<string>());
        var contexts = _factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var calls = await db.LlmCalls.AsNoTracking().Where(c => c.MessageId == messageId).OrderBy(c => c.Id).ToListAsync();
        Assert.Equal(["sql-writer", "sql-writer"], calls.Select(c => c.Agent));
        Assert.Equal([1000L, 2000L], calls.Select(c => c.InputTokens));
        Assert.All(calls, c => Assert.Equal("priced-writer", c.Model));
        // priced-writer at 1.00 in and 10.00 out per million: (1000 + 200) / 1e6 and (2000 + 500) / 1e6.
        Assert.Equal([0.0012m, 0.0025m], calls.Select(c => c.CostUsd));
        var stored = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == messageId);
        Assert.Equal((3000L, 70L, 0.0037m), (stored.InputTokens, stored.OutputTokens, stored.CostUsd));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the answer never reached the model");
            await Task.Delay(20);
        }
    }
}
