using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// Microsoft.Extensions.AI's OpenAI chat client, one per model (each agent role can have its own): the
/// request's <see cref="ChatOptions.ModelId"/> picks it. Everything else (wire format, streaming, usage
/// with cached tokens, tool calls) is the library's.
/// </summary>
internal sealed class ModelRoutedChatClient(LlmConnection connection, IOptions<LlmOptions> options) : IChatClient
{
    private readonly ConcurrentDictionary<string, IChatClient> _clients = new(StringComparer.Ordinal);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default) =>
        For(chatOptions).GetResponseAsync(messages, chatOptions, cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default) =>
        For(chatOptions).GetStreamingResponseAsync(messages, chatOptions, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is null && serviceType == typeof(ChatClientMetadata))
            return new ChatClientMetadata("openai", providerUri: null, defaultModelId: options.Value.DefaultModel);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
            client.Dispose();
    }

    private IChatClient For(ChatOptions? chatOptions)
    {
        var model = string.IsNullOrWhiteSpace(chatOptions?.ModelId) ? options.Value.DefaultModel : chatOptions.ModelId;
        return _clients.GetOrAdd(model, static (m, c) => c.For(m).GetChatClient(m).AsIChatClient(), connection);
    }
}
