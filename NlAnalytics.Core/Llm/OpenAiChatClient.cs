using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiFinishReason = Microsoft.Extensions.AI.ChatFinishReason;
using SdkChatMessage = OpenAI.Chat.ChatMessage;
using SdkFinishReason = OpenAI.Chat.ChatFinishReason;
using SdkResponseFormat = OpenAI.Chat.ChatResponseFormat;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// <see cref="IChatClient"/> over the official OpenAI SDK (Microsoft.Extensions.AI.OpenAI is not
/// available here). Text conversations only: that is all the agent team sends. No retries or timeouts
/// here; <see cref="AgentLlm"/> wraps calls in <see cref="LlmResilience"/>.
/// </summary>
internal sealed class OpenAiChatClient(OpenAiClients clients, IOptions<LlmOptions> options) : IChatClient
{
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default)
    {
        var (client, sdkMessages, sdkOptions) = Prepare(messages, chatOptions);
        ChatCompletion completion = await client.CompleteChatAsync(sdkMessages, sdkOptions, cancellationToken).ConfigureAwait(false);

        var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, text) { MessageId = completion.Id })
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = completion.CreatedAt,
            FinishReason = Map(completion.FinishReason),
            Usage = Map(completion.Usage),
            RawRepresentation = completion,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? chatOptions = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (client, sdkMessages, sdkOptions) = Prepare(messages, chatOptions);
        // The SDK asks for stream_options.include_usage itself; the usage arrives in a last chunk with no choices.
        await foreach (var update in client.CompleteChatStreamingAsync(sdkMessages, sdkOptions, cancellationToken).ConfigureAwait(false))
        {
            var contents = new List<AIContent>();
            foreach (var part in update.ContentUpdate)
            {
                if (part.Kind == ChatMessageContentPartKind.Text && !string.IsNullOrEmpty(part.Text))
                    contents.Add(new TextContent(part.Text));
            }
            if (update.Usage is { } usage)
                contents.Add(new UsageContent(Map(usage)!));

            yield return new ChatResponseUpdate(update.Role is null ? ChatRole.Assistant : Map(update.Role.Value), contents)
            {
                ResponseId = update.CompletionId,
                MessageId = update.CompletionId,
                ModelId = update.Model,
                CreatedAt = update.CreatedAt,
                FinishReason = update.FinishReason is { } reason ? Map(reason) : null,
                RawRepresentation = update,
            };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
            return null;
        if (serviceType == typeof(ChatClientMetadata))
            return new ChatClientMetadata("openai", providerUri: null, defaultModelId: options.Value.DefaultModel);
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        // The SDK clients are shared and own no unmanaged state; nothing to release.
    }

    private (ChatClient Client, List<SdkChatMessage> Messages, ChatCompletionOptions Options) Prepare(IEnumerable<AiChatMessage> messages, ChatOptions? chatOptions)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var model = string.IsNullOrWhiteSpace(chatOptions?.ModelId) ? options.Value.DefaultModel : chatOptions.ModelId;
        return (clients.Chat(model), messages.Select(ToSdk).ToList(), ToSdk(chatOptions));
    }

    private static SdkChatMessage ToSdk(AiChatMessage message)
    {
        var unsupported = message.Contents.FirstOrDefault(c => c is not TextContent and not UsageContent);
        if (unsupported is not null)
            throw new NotSupportedException($"Message content of type {unsupported.GetType().Name} is not supported; only text is sent to the model.");

        var text = message.Text;
        if (message.Role == ChatRole.System)
            return new SystemChatMessage(text);
        if (message.Role == ChatRole.User)
            return new UserChatMessage(text);
        if (message.Role == ChatRole.Assistant)
            return new AssistantChatMessage(text);
        throw new NotSupportedException($"Chat role '{message.Role}' is not supported; use system, user or assistant.");
    }

    private static ChatCompletionOptions ToSdk(ChatOptions? options)
    {
        var result = new ChatCompletionOptions();
        if (options is null)
            return result;
        result.Temperature = options.Temperature;
        result.TopP = options.TopP;
        result.MaxOutputTokenCount = options.MaxOutputTokens;
        result.FrequencyPenalty = options.FrequencyPenalty;
        result.PresencePenalty = options.PresencePenalty;
        if (options.Seed is { } seed)
        {
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK; it is a plain request field.
            result.Seed = seed;
#pragma warning restore OPENAI001
        }
        foreach (var stop in options.StopSequences ?? [])
            result.StopSequences.Add(stop);
        result.ResponseFormat = options.ResponseFormat switch
        {
            ChatResponseFormatJson { Schema: { } schema } json => SdkResponseFormat.CreateJsonSchemaFormat(
                json.SchemaName ?? "response", BinaryData.FromString(schema.GetRawText()), json.SchemaDescription),
            ChatResponseFormatJson => SdkResponseFormat.CreateJsonObjectFormat(),
            ChatResponseFormatText => SdkResponseFormat.CreateTextFormat(),
            _ => null,
        };
        return result;
    }

    internal static UsageDetails? Map(ChatTokenUsage? usage) => usage is null ? null : new UsageDetails
    {
        InputTokenCount = usage.InputTokenCount,
        OutputTokenCount = usage.OutputTokenCount,
        TotalTokenCount = usage.TotalTokenCount,
        CachedInputTokenCount = usage.InputTokenDetails?.CachedTokenCount,
        ReasoningTokenCount = usage.OutputTokenDetails?.ReasoningTokenCount,
    };

    private static ChatRole Map(ChatMessageRole role) => role switch
    {
        ChatMessageRole.System => ChatRole.System,
        ChatMessageRole.User => ChatRole.User,
        ChatMessageRole.Tool => ChatRole.Tool,
        _ => ChatRole.Assistant,
    };

    private static AiFinishReason Map(SdkFinishReason reason) => reason switch
    {
        SdkFinishReason.Stop => AiFinishReason.Stop,
        SdkFinishReason.Length => AiFinishReason.Length,
        SdkFinishReason.ContentFilter => AiFinishReason.ContentFilter,
        SdkFinishReason.ToolCalls or SdkFinishReason.FunctionCall => AiFinishReason.ToolCalls,
        _ => new AiFinishReason(reason.ToString()),
    };
}
