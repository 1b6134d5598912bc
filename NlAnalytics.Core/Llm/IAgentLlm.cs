using Microsoft.Extensions.AI;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Core.Llm;

/// <summary>A model reply and the priced record of the call that produced it.</summary>
public sealed record LlmReply(string Text, LlmCallRecord Call);

/// <summary>
/// The agents' single door to the configured LLM: picks the model for the agent's role, streams,
/// retries, times out, measures usage and prices the call.
/// </summary>
public interface IAgentLlm
{
    /// <summary>False when no endpoint is configured (offline mode).</summary>
    bool IsConfigured { get; }

    string ModelFor(string agent);

    /// <param name="onDelta">Receives streamed text as it arrives (null: no streaming needed).</param>
    Task<LlmReply> CompleteAsync(string agent, IReadOnlyList<ChatMessage> messages, Action<string>? onDelta, CancellationToken cancellationToken);
}
