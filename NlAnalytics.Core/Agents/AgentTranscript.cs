using System.Globalization;
using Microsoft.SemanticKernel;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// Collects what the team said and spent while answering one question: every message to and from a
/// model (system prompts included), the prompt's token count before each call, every tool call and its
/// result, every step's outcome, every priced call as it completes. Everything passes through the
/// <see cref="SecretRedactor"/> on the way in, so a secret cannot reach the stored transcript or, through
/// <see cref="AskAsync"/>, a prompt or a tool result.
/// </summary>
public sealed class AgentTranscript(TimeProvider timeProvider, SecretRedactor redactor) : ILlmCallObserver
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";

    /// <summary>The role of an entry that records a step's outcome rather than a model message.</summary>
    public const string Event = "event";

    /// <summary>The role of an entry that records a tool call the model made and its result.</summary>
    public const string Tool = "tool";

    private readonly Lock _gate = new();
    private readonly List<TranscriptEntry> _entries = [];
    private readonly List<LlmCallRecord> _calls = [];

    public IReadOnlyList<TranscriptEntry> Entries { get { lock (_gate) return [.. _entries]; } }
    public IReadOnlyList<LlmCallRecord> Calls { get { lock (_gate) return [.. _calls]; } }
    public SecretRedactor Redactor => redactor;

    public void Add(string agent, string role, string content)
    {
        var entry = new TranscriptEntry(agent, role, redactor.Redact(content), timeProvider.GetUtcNow());
        lock (_gate)
            _entries.Add(entry);
    }

    /// <summary>Takes in what an <see cref="ISqlWriter"/> recorded on its own.</summary>
    public void Append(IEnumerable<TranscriptEntry> entries, IEnumerable<LlmCallRecord> calls)
    {
        var safe = entries.Select(e => e with { Content = redactor.Redact(e.Content) }).ToList();
        lock (_gate)
        {
            _entries.AddRange(safe);
            _calls.AddRange(calls);
        }
    }

    /// <summary>
    /// Invokes <paramref name="prompt"/> for <paramref name="agent"/> with redacted arguments; the messages
    /// sent, the token counts, tool calls, replies and priced calls land here as they happen.
    /// </summary>
    public async Task<LlmReply> AskAsync(
        IAgentLlm llm,
        string agent,
        AgentPrompt prompt,
        IReadOnlyDictionary<string, string> arguments,
        Action<string>? onDelta,
        CancellationToken cancellationToken,
        LlmTools? tools = null)
    {
        var safe = new KernelArguments();
        foreach (var (name, value) in arguments)
            safe[name] = redactor.Redact(value);
        var reply = await llm.InvokeAsync(agent, prompt, safe, this, onDelta, tools, cancellationToken);
        return reply with { Text = redactor.Redact(reply.Text) };
    }

    void ILlmCallObserver.Sending(string agent, string model, IReadOnlyList<ChatMessage> newMessages, int promptTokens)
    {
        foreach (var message in newMessages)
            Add(agent, message.Role.Value, message.Text);
        Add(agent, Event, string.Create(CultureInfo.InvariantCulture, $"Prompt for {model}: {promptTokens:N0} tokens, counted before sending."));
    }

    void ILlmCallObserver.Received(string agent, string reply, LlmCallRecord call)
    {
        Add(agent, Assistant, reply);
        lock (_gate)
            _calls.Add(call);
    }

    string ILlmCallObserver.ToolCalled(string agent, string function, string arguments, string result)
    {
        var safe = redactor.Redact(result);
        Add(agent, Tool, $"{function}({arguments}) returned:\n{safe}");
        return safe;
    }
}
