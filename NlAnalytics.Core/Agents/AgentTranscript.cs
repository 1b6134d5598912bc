using Microsoft.Extensions.AI;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Core.Agents;

/// <summary>
/// Collects what the team said and spent while answering one question: every message to and from a
/// model (system prompts included), every step's outcome, every priced call. Everything passes
/// through the <see cref="SecretRedactor"/> on the way in, so a secret cannot reach the stored transcript
/// or, through <see cref="AskAsync"/>, a prompt.
/// </summary>
public sealed class AgentTranscript(TimeProvider timeProvider, SecretRedactor redactor)
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";

    /// <summary>The role of an entry that records a step's outcome rather than a model message.</summary>
    public const string Event = "event";

    private readonly List<TranscriptEntry> _entries = [];
    private readonly List<LlmCallRecord> _calls = [];

    public IReadOnlyList<TranscriptEntry> Entries => _entries;
    public IReadOnlyList<LlmCallRecord> Calls => _calls;
    public SecretRedactor Redactor => redactor;

    public void Add(string agent, string role, string content) =>
        _entries.Add(new TranscriptEntry(agent, role, redactor.Redact(content), timeProvider.GetUtcNow()));

    /// <summary>Takes in what an <see cref="ISqlWriter"/> recorded on its own.</summary>
    public void Append(IEnumerable<TranscriptEntry> entries, IEnumerable<LlmCallRecord> calls)
    {
        _entries.AddRange(entries.Select(e => e with { Content = redactor.Redact(e.Content) }));
        _calls.AddRange(calls);
    }

    /// <summary>Sends redacted messages to the model for <paramref name="agent"/>, recording the messages, the reply and the call.</summary>
    public Task<LlmReply> AskAsync(IAgentLlm llm, string agent, IReadOnlyList<ChatMessage> messages, Action<string>? onDelta, CancellationToken cancellationToken) =>
        AskAsync(llm, agent, messages, 0, onDelta, cancellationToken);

    /// <param name="alreadyRecorded">How many leading messages an earlier call of the same conversation already recorded.</param>
    public async Task<LlmReply> AskAsync(IAgentLlm llm, string agent, IReadOnlyList<ChatMessage> messages, int alreadyRecorded, Action<string>? onDelta, CancellationToken cancellationToken)
    {
        var safe = messages.Select(m => new ChatMessage(m.Role, redactor.Redact(m.Text))).ToList();
        foreach (var message in safe.Skip(alreadyRecorded))
            Add(agent, message.Role.Value, message.Text);
        var reply = await llm.CompleteAsync(agent, safe, onDelta, cancellationToken);
        _calls.Add(reply.Call);
        Add(agent, Assistant, reply.Text);
        return reply with { Text = redactor.Redact(reply.Text) };
    }
}
