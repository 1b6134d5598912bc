using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Llm;

/// <summary>The kernel's chat client (Microsoft.Extensions.AI's OpenAI client, metered) on its own: what any Microsoft.Extensions.AI consumer would see.</summary>
public sealed class KernelChatClientTests : IAsyncLifetime
{
    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_response_maps_text_model_finish_reason_and_usage_including_cached_tokens()
    {
        _server.Enqueue(ScriptStep.Reply("Hello there", inputTokens: 50, outputTokens: 7, cachedInputTokens: 32));
        await using var services = LlmTestServices.Create(_server);
        var chat = services.KernelChatClient();

        var response = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Hi"), new ChatMessage(ChatRole.Assistant, "Hello"), new ChatMessage(ChatRole.User, "Again")],
            new ChatOptions { ModelId = "gpt-4o", Temperature = 0.2f, MaxOutputTokens = 64 });

        Assert.Equal("Hello there", response.Text);
        Assert.Equal(ChatRole.Assistant, Assert.Single(response.Messages).Role);
        Assert.Equal("gpt-4o", response.ModelId);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal((50L, 7L, 57L, 32L), (response.Usage!.InputTokenCount, response.Usage.OutputTokenCount, response.Usage.TotalTokenCount, response.Usage.CachedInputTokenCount));
        var request = Assert.Single(_server.Requests);
        Assert.Equal(["system", "user", "assistant", "user"], request.Messages.Select(m => m.Role));
        Assert.Equal(0.2, request.Temperature!.Value, precision: 5);
        Assert.Equal(64, request.MaxTokens);
    }

    [Fact]
    public async Task A_stream_yields_text_updates_and_a_usage_update_that_aggregate_into_one_response()
    {
        _server.Enqueue(ScriptStep.Streamed("Hel", "lo", " world") with { Usage = new ScriptedUsage(20, 3, 8) });
        await using var services = LlmTestServices.Create(_server);
        var chat = services.KernelChatClient();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Hi")]))
            updates.Add(update);
        var response = updates.ToChatResponse();

        Assert.Equal(["Hel", "lo", " world"], updates.Select(u => u.Text).Where(t => t.Length > 0));
        Assert.Equal("Hello world", response.Text);
        Assert.Equal((20L, 3L, 8L), (response.Usage!.InputTokenCount, response.Usage.OutputTokenCount, response.Usage.CachedInputTokenCount));
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("gpt-4o-mini", request.Model);
        Assert.True(request.IncludeUsage);
    }

    [Fact]
    public async Task Json_response_format_is_requested_as_a_json_object()
    {
        _server.Reply("{\"sql\":\"SELECT 1\"}");
        await using var services = LlmTestServices.Create(_server);
        var chat = services.KernelChatClient();

        await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { ResponseFormat = ChatResponseFormat.Json });

        Assert.Contains("\"response_format\":{\"type\":\"json_object\"}", Assert.Single(_server.Requests).Body);
    }
}
