using Microsoft.SemanticKernel;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Core.Llm;

/// <summary>A model reply and the priced records of the model calls that produced it (more than one when the model called tools).</summary>
public sealed record LlmReply(string Text, IReadOnlyList<LlmCallRecord> Calls)
{
    /// <summary>The last call: the one whose reply this is.</summary>
    public LlmCallRecord Call => Calls[^1];
}

/// <summary>Plugins the model may call while answering one prompt, and how many calls it gets in all.</summary>
public sealed record LlmTools(KernelPlugin Plugin, int MaxCalls);

/// <summary>
/// What one agent's prompt invocation tells the agent as it happens, so the transcript shows every
/// message sent, every tool call and every reply in order. Implemented by the agents' transcript.
/// </summary>
public interface ILlmCallObserver
{
    /// <summary>Before each model call: the messages not yet reported and the prompt's token count (counted here, before sending).</summary>
    void Sending(string agent, string model, IReadOnlyList<Microsoft.Extensions.AI.ChatMessage> newMessages, int promptTokens);

    /// <summary>After each model call, with its priced record.</summary>
    void Received(string agent, string reply, LlmCallRecord call);

    /// <summary>A tool call the model asked for and what it returned (or why it was not run). Returns the text the model gets.</summary>
    string ToolCalled(string agent, string function, string arguments, string result);
}

/// <summary>
/// The agents' single door to the configured LLM: renders the agent's prompt template, picks the model
/// for the agent's role, streams, retries, times out, counts the prompt's tokens, measures usage and
/// prices every model call (each one reported to the ambient <see cref="LlmSpend"/> as it completes).
/// </summary>
public interface IAgentLlm
{
    /// <summary>False when no endpoint is configured (offline mode).</summary>
    bool IsConfigured { get; }

    string ModelFor(string agent);

    /// <param name="onDelta">Receives streamed text as it arrives (null: no streaming needed).</param>
    /// <param name="tools">Functions the model may call (null: none).</param>
    Task<LlmReply> InvokeAsync(
        string agent,
        AgentPrompt prompt,
        KernelArguments arguments,
        ILlmCallObserver observer,
        Action<string>? onDelta,
        LlmTools? tools,
        CancellationToken cancellationToken);
}
