using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
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
        _llm.WhenSystemPromptContains("You are the SQL writer", ScriptStep.Reply("```sql\nSELECT 1 AS one\n```") with { Delay = TimeSpan.FromSeconds(30) });
        var settings = _llm.LlmSettings();
        settings["Llm:TimeoutSeconds"] = "60";
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
