using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// Counts a prompt's tokens before it is sent, with the o200k encoding of current OpenAI models (gpt-4o,
/// gpt-4.1, o-series, gpt-5). Text counts are exact for those models; the framing per message follows
/// OpenAI's published rule (3 tokens a message, 3 to prime the reply) and is an estimate elsewhere. The
/// server's usage stays the figure that is priced; this one is shown beside it in the transcript.
/// </summary>
public sealed class PromptTokenCounter
{
    private const int PerMessage = 3;
    private const int ReplyPriming = 3;

    // Loading the encoding takes 0.6-2.6 s: once, on first use.
    private readonly Lazy<Tokenizer> _tokenizer = new(() => TiktokenTokenizer.CreateForModel("gpt-4o"));

    public int Count(string text) => string.IsNullOrEmpty(text) ? 0 : _tokenizer.Value.CountTokens(text);

    public int Count(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var total = ReplyPriming;
        foreach (var message in messages)
            total += PerMessage + Count(Text(message));
        return total;
    }

    /// <summary>What a message carries as text on the wire: its text, or its tool calls and results.</summary>
    internal static string Text(ChatMessage message) => string.Concat(message.Contents.Select(c => c switch
    {
        TextContent text => text.Text,
        FunctionCallContent call => call.Name + System.Text.Json.JsonSerializer.Serialize(call.Arguments),
        FunctionResultContent result => result.Result?.ToString() ?? "",
        _ => "",
    }));
}
