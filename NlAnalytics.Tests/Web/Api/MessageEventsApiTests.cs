using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Web.Api;

/// <summary>
/// <c>GET /api/messages/{id}/events</c> over a real socket (Kestrel, HttpClient): the status, the progress steps in the
/// order the answer reached them (those before the client came replayed), the narrative as it was written, then the
/// answer, and the stream ends. The writer's model call is held by the test, so the answer is known to be running.
/// </summary>
public sealed class MessageEventsApiTests : IAsyncLifetime
{
    private const string HeldQuestion = "How many stores are there?";
    private readonly TaskCompletionSource _writerGate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ScriptedOpenAiServer _llm = null!;
    private NlAnalyticsWebFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _llm = await ScriptedOpenAiServer.StartAsync();
        _llm.When(r => r.SystemPrompt.Contains("You are the SQL writer") && r.LastUserMessage.Contains(HeldQuestion),
            ScriptStep.Reply("```sql\nSELECT count(*) AS stores FROM sales.stores\n```", inputTokens: 1000, outputTokens: 20) with { Hold = _writerGate.Task });
        _llm.WhenSystemPromptContains("You are the narrator", ScriptStep.Streamed("There are ", "a few ", "stores.") with { Usage = new ScriptedUsage(100, 10) });
        _llm.When(_ => true, ScriptStep.Reply("OK", inputTokens: 10, outputTokens: 1));
        var settings = _llm.LlmSettings();
        settings["Demo:Seed"] = "4242";
        settings["Demo:Scale"] = "0.002";
        settings["Demo:EndDate"] = "2025-06-30";
        settings["Demo:ReaderRole"] = $"nla_reader_sse_{Guid.NewGuid():N}"[..30];
        _factory = await NlAnalyticsWebFactory.CreateAsync(settings);
        _factory.StartKestrel();
        await _factory.WaitForDemoAsync(TimeSpan.FromMinutes(5));
    }

    public async Task DisposeAsync()
    {
        _writerGate.TrySetResult();
        await _factory.DisposeAsync();
        await _llm.DisposeAsync();
    }

    [Fact]
    public async Task A_running_answer_streams_its_status_then_its_steps_in_order_then_the_answer()
    {
        using var alice = await _factory.RegisterAsync("alice@events.test", "alice passphrase");
        var key = await KeyAsync(alice);
        var thread = await ApiApp.CreateThreadAsync(alice);
        using var asked = await alice.Http.PostAsJsonAsync($"/api/threads/{thread}/messages", new { question = HeldQuestion, clientRequestId = Guid.NewGuid(), mode = "llm" });
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var messageId = (await ApiApp.ReadJsonAsync(asked))["messageId"]!.GetValue<Guid>();
        // The writer's call has arrived and is held: the answer is running, past its first steps.
        await PollAsync(() => _llm.ChatRequests.Any(r => r.SystemPrompt.Contains("You are the SQL writer")));

        using var client = new HttpClient { BaseAddress = _factory.ServerAddress, Timeout = TimeSpan.FromMinutes(3) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/messages/{messageId}/events");
        request.Headers.Add("X-API-Key", key);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var reader = new EventReader(await response.Content.ReadAsStreamAsync());

        var events = new List<(string Type, JsonNode Data)>();
        // Before the writer answers: the status and the steps so far (replayed), the last of them writing the SQL.
        while (events.LastOrDefault() is not ("progress", var data) || data["step"]!.GetValue<string>() != "WritingSql")
            events.Add(await reader.NextAsync() ?? throw new Xunit.Sdk.XunitException($"The stream ended early: {Describe(events)}"));
        _writerGate.SetResult();
        while (await reader.NextAsync() is { } next)
            events.Add(next);

        Assert.Equal("status", events[0].Type);
        Assert.Equal(messageId, events[0].Data["messageId"]!.GetValue<Guid>());
        Assert.Equal("Running", events[0].Data["status"]!.GetValue<string>());
        var (lastType, answer) = events[^1];
        Assert.Equal("answer", lastType);
        Assert.Equal("Succeeded", answer["status"]!.GetValue<string>());
        Assert.Contains("count(*) AS stores", answer["sql"]!.GetValue<string>());
        Assert.Single(events, e => e.Type == "answer");

        // The steps in the order the chat page shows them, each first reached after the one before.
        var reached = events.Where(e => e.Type == "progress").Select(e => e.Data["step"]!.GetValue<string>()).Distinct().ToList();
        Assert.True(reached.IndexOf("WritingSql") >= 0 && reached.IndexOf("WritingSql") < reached.IndexOf("Running")
                    && reached.IndexOf("Running") < reached.IndexOf("Explaining"), Describe(events));
        // The narrative as it was written, chunk by chunk, before the answer that holds it.
        var narrative = string.Concat(events.Where(e => e.Type == "narrative").Select(e => e.Data["delta"]!.GetValue<string>()));
        Assert.Equal("There are a few stores.", narrative);
        Assert.Contains(narrative, answer["narrative"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_finished_answer_streams_its_status_and_answer_at_once_and_only_to_its_owner()
    {
        using var alice = await _factory.RegisterAsync("carol@events.test", "carol passphrase");
        var key = await KeyAsync(alice);
        var thread = await ApiApp.CreateThreadAsync(alice);
        using var asked = await alice.Http.PostAsJsonAsync($"/api/threads/{thread}/messages?wait=true", new { question = "How many customers are there?", clientRequestId = Guid.NewGuid(), mode = "offline" });
        var messageId = (await ApiApp.ReadJsonAsync(asked))["id"]!.GetValue<Guid>();

        using var client = new HttpClient { BaseAddress = _factory.ServerAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/messages/{messageId}/events") { Headers = { { "X-API-Key", key } } };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new EventReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string Type, JsonNode Data)>();
        while (await reader.NextAsync() is { } next)
            events.Add(next);
        Assert.Equal(["status", "answer"], events.Select(e => e.Type));
        Assert.Equal("Succeeded", events[0].Data["status"]!.GetValue<string>());
        Assert.Equal(messageId, events[1].Data["id"]!.GetValue<Guid>());

        // Another user's key, and no key at all.
        using var dave = await _factory.RegisterAsync("dave@events.test", "dave passphrase");
        using var other = new HttpRequestMessage(HttpMethod.Get, $"/api/messages/{messageId}/events") { Headers = { { "X-API-Key", await KeyAsync(dave) } } };
        using (var refused = await client.SendAsync(other))
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        using (var anonymous = await client.GetAsync($"/api/messages/{messageId}/events"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private static async Task<string> KeyAsync(BrowserSession session)
    {
        using var made = await session.Http.PostAsJsonAsync("/api/keys", new { name = "events" });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        return (await ApiApp.ReadJsonAsync(made))["key"]!.GetValue<string>();
    }

    private static async Task PollAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "The condition did not hold within two minutes.");
            await Task.Delay(50);
        }
    }

    private static string Describe(IEnumerable<(string Type, JsonNode Data)> events) =>
        string.Join(" | ", events.Select(e => $"{e.Type} {e.Data.ToJsonString()}"));

    /// <summary>A plain reader of text/event-stream: <c>event:</c> and <c>data:</c> lines, a blank line ends an event.</summary>
    private sealed class EventReader(Stream stream)
    {
        private readonly StreamReader _reader = new(stream);

        public async Task<(string Type, JsonNode Data)?> NextAsync()
        {
            string type = "message", data = "";
            while (await _reader.ReadLineAsync() is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Length > 0)
                        return (type, JsonNode.Parse(data)!);
                    continue;
                }
                if (line.StartsWith("event:", StringComparison.Ordinal))
                    type = line["event:".Length..].Trim();
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                    data += line["data:".Length..].TrimStart();
            }
            return null;
        }
    }
}
