using NlAnalytics.Core.Accounting;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// One prompt invocation in flight: which agent asked, who listens, which tools it may call and the
/// priced calls made so far. Set by <see cref="AgentLlm"/> for the duration of one invocation; the call
/// meter and the tool-call filter, which the kernel runs several layers down, find it here.
/// </summary>
internal sealed class LlmCallScope(string agent, ILlmCallObserver observer, LlmTools? tools)
{
    private static readonly AsyncLocal<LlmCallScope?> Ambient = new();
    private readonly List<LlmCallRecord> _calls = [];
    private int _reportedMessages;

    public static LlmCallScope? Current => Ambient.Value;

    public string Agent => agent;
    public ILlmCallObserver Observer => observer;
    public LlmTools? Tools => tools;
    public IReadOnlyList<LlmCallRecord> Calls => _calls;

    /// <summary>Tool calls made so far in this invocation (the budget is <see cref="LlmTools.MaxCalls"/>).</summary>
    public int ToolCalls { get; set; }

    /// <summary>
    /// Model calls this invocation may make: one answer after each allowed tool round. A reply past it has its
    /// tool calls dropped, which ends the function-calling loop whatever the model asks for (unknown
    /// functions included, which never reach the tool-call filter).
    /// </summary>
    public int ModelCallBudget => (tools?.MaxCalls ?? 0) + 1;

    /// <summary>Whether the model call being made now is the last one allowed.</summary>
    public bool LastCall => _calls.Count + 1 >= ModelCallBudget;

    /// <summary>Makes this the current scope for the rest of the calling async flow.</summary>
    public void Enter() => Ambient.Value = this;

    public void Sending(string model, IReadOnlyList<AiChatMessage> messages, int promptTokens)
    {
        // A tool round resends the whole conversation; only what is new goes to the transcript.
        // Tool results are reported by the tool-call filter as they are made.
        var fresh = messages.Skip(_reportedMessages).Where(m => m.Role != Microsoft.Extensions.AI.ChatRole.Tool).ToList();
        _reportedMessages = messages.Count;
        observer.Sending(agent, model, fresh, promptTokens);
    }

    public void Received(string reply, LlmCallRecord call, int replyMessages)
    {
        _calls.Add(call);
        _reportedMessages += replyMessages;
        observer.Received(agent, reply, call);
    }
}
