using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// The chat-client filter that sits right above the OpenAI client, below the kernel's function
/// invocation, so it sees every single model call, tool rounds included: it counts the prompt's tokens
/// before sending, times the call, prices the usage the server reported, and hands the priced record to
/// the ambient <see cref="LlmSpend"/> sink (which stores it) before the reply travels on.
/// </summary>
internal sealed partial class LlmCallMeter(
    IChatClient inner,
    CostCalculator costs,
    PromptTokenCounter tokens,
    TimeProvider timeProvider,
    ILogger logger) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var model = options?.ModelId ?? "";
        var scope = LlmCallScope.Current;
        await RefuseOverBudgetAsync(cancellationToken).ConfigureAwait(false);
        scope?.Sending(model, list, tokens.Count(list));
        var started = timeProvider.GetTimestamp();
        var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        var reply = Describe(response.Messages);
        if (scope is { LastCall: true } && DropToolCalls(response.Messages.Select(m => m.Contents)))
            reply += "\n(Tool calls past the limit for this question were not run.)";
        await CompletedAsync(scope, model, response.Usage, timeProvider.GetElapsedTime(started), reply, response.Messages.Count).ConfigureAwait(false);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var model = options?.ModelId ?? "";
        var scope = LlmCallScope.Current;
        await RefuseOverBudgetAsync(cancellationToken).ConfigureAwait(false);
        scope?.Sending(model, list, tokens.Count(list));
        var started = timeProvider.GetTimestamp();
        var updates = new List<ChatResponseUpdate>();
        var dropped = false;
        await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
        {
            if (scope is { LastCall: true })
                dropped |= DropToolCalls([update.Contents]);
            updates.Add(update);
            yield return update;
        }
        var response = updates.ToChatResponse();
        var reply = Describe(response.Messages) + (dropped ? "\n(Tool calls past the limit for this question were not run.)" : "");
        await CompletedAsync(scope, model, response.Usage, timeProvider.GetElapsedTime(started), reply, response.Messages.Count).ConfigureAwait(false);
    }

    /// <summary>
    /// Every model call, not only an answer's first, asks the sink first: a budget used up by the calls this
    /// answer already made stops the next one here, before anything is sent (no retry: it is not a transient failure).
    /// </summary>
    private static async Task RefuseOverBudgetAsync(CancellationToken cancellationToken)
    {
        if (LlmSpend.Current is { } sink && await sink.RefusalAsync(cancellationToken).ConfigureAwait(false) is { } reason)
            throw new LlmException(LlmFailure.BudgetReached, reason);
    }

    private async Task CompletedAsync(LlmCallScope? scope, string model, UsageDetails? usage, TimeSpan latency, string reply, int replyMessages)
    {
        var agent = scope?.Agent ?? "(none)";
        var input = usage?.InputTokenCount ?? 0;
        var cached = usage?.CachedInputTokenCount ?? 0;
        var output = usage?.OutputTokenCount ?? 0;
        var cost = costs.Price(model, input, cached, output);
        if (usage is null)
            LogNoUsage(agent, model);
        if (!cost.IsPriced)
            LogUnpriced(model);
        LogCall(agent, model, input, cached, output, (long)latency.TotalMilliseconds, cost.CostUsd);
        var call = new LlmCallRecord(agent, model, input, cached, output, latency, cost.CostUsd) { IsPriced = cost.IsPriced };

        if (LlmSpend.Current is { } sink)
        {
            try
            {
                // Not cancellable: the tokens are spent whether or not the user stops the answer now.
                await sink.RecordAsync(call, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The answer goes on; the call stays in its list and is stored with the answer instead.
                LogSinkFailed(e, agent, model);
            }
        }
        scope?.Received(reply, call, replyMessages);
    }

    /// <summary>Removes the function calls from a reply, so the kernel's tool loop ends with it.</summary>
    private static bool DropToolCalls(IEnumerable<IList<AIContent>> contents)
    {
        var dropped = false;
        foreach (var list in contents)
            for (var i = list.Count - 1; i >= 0; i--)
                if (list[i] is FunctionCallContent)
                {
                    list.RemoveAt(i);
                    dropped = true;
                }
        return dropped;
    }

    /// <summary>The reply as the transcript shows it: its text, and any tool calls the model asked for.</summary>
    private static string Describe(IList<ChatMessage> messages)
    {
        var text = new StringBuilder();
        foreach (var content in messages.SelectMany(m => m.Contents))
        {
            if (content is TextContent t)
                text.Append(t.Text);
            else if (content is FunctionCallContent call)
                text.Append(text.Length > 0 ? "\n" : "").Append("Calls ").Append(call.Name).Append('(')
                    .Append(string.Join(", ", (call.Arguments ?? new Dictionary<string, object?>()).Select(a => $"{a.Key}: {a.Value}"))).Append(')');
        }
        return text.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "LLM call by {Agent} on {Model}: {InputTokens} in ({CachedTokens} cached), {OutputTokens} out, {LatencyMs} ms, {CostUsd} USD")]
    private partial void LogCall(string agent, string model, long inputTokens, long cachedTokens, long outputTokens, long latencyMs, decimal costUsd);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The LLM endpoint reported no token usage for {Agent} on {Model}; the call is recorded with 0 tokens")]
    private partial void LogNoUsage(string agent, string model);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model {Model} has no entry under Pricing:Models; its calls cost 0 and are marked unpriced")]
    private partial void LogUnpriced(string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing the priced call by {Agent} on {Model} failed; it is stored with the answer")]
    private partial void LogSinkFailed(Exception exception, string agent, string model);
}
