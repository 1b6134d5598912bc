using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// <see cref="IAgentLlm"/> over the registered <see cref="IChatClient"/>: the role picks the model,
/// <see cref="LlmResilience"/> bounds and retries the call, usage is priced by <see cref="CostCalculator"/>.
/// </summary>
internal sealed partial class AgentLlm(
    IChatClient chat,
    LlmResilience resilience,
    CostCalculator costs,
    IOptions<LlmOptions> options,
    TimeProvider timeProvider,
    ILogger<AgentLlm> logger) : IAgentLlm
{
    public bool IsConfigured => options.Value.IsConfigured;

    public string ModelFor(string agent) => options.Value.ModelFor(agent);

    public async Task<LlmReply> CompleteAsync(string agent, IReadOnlyList<ChatMessage> messages, Action<string>? onDelta, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agent);
        ArgumentNullException.ThrowIfNull(messages);
        if (!IsConfigured)
            throw new LlmException(LlmFailure.NotConfigured, "No language model is configured (Llm:Endpoint is empty), so only offline answers are available.");

        var model = ModelFor(agent);
        var chatOptions = new ChatOptions
        {
            ModelId = model,
            Temperature = (float?)options.Value.Temperature,
            MaxOutputTokens = options.Value.MaxOutputTokens,
        };
        var started = timeProvider.GetTimestamp();
        try
        {
            var (text, usage) = await resilience.ExecuteAsync(
                ct => onDelta is null ? CompleteOnceAsync(messages, chatOptions, ct) : StreamOnceAsync(messages, chatOptions, onDelta, ct),
                model,
                cancellationToken).ConfigureAwait(false);
            var latency = timeProvider.GetElapsedTime(started);

            var input = usage?.InputTokenCount ?? 0;
            var cached = usage?.CachedInputTokenCount ?? 0;
            var output = usage?.OutputTokenCount ?? 0;
            var cost = costs.Price(model, input, cached, output);
            if (usage is null)
                LogNoUsage(agent, model);
            if (!cost.IsPriced)
                LogUnpriced(model);
            LogCall(agent, model, input, cached, output, (long)latency.TotalMilliseconds, cost.CostUsd);
            return new LlmReply(text, new LlmCallRecord(agent, model, input, cached, output, latency, cost.CostUsd) { IsPriced = cost.IsPriced });
        }
        catch (LlmException e)
        {
            LogFailure(agent, model, e.Failure, e.Message);
            throw;
        }
    }

    private async ValueTask<(string Text, UsageDetails? Usage)> CompleteOnceAsync(IReadOnlyList<ChatMessage> messages, ChatOptions chatOptions, CancellationToken cancellationToken)
    {
        var response = await chat.GetResponseAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false);
        return (response.Text, response.Usage);
    }

    private async ValueTask<(string Text, UsageDetails? Usage)> StreamOnceAsync(IReadOnlyList<ChatMessage> messages, ChatOptions chatOptions, Action<string> onDelta, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        UsageDetails? usage = null;
        var emitted = false;
        try
        {
            await foreach (var update in chat.GetStreamingResponseAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false))
            {
                foreach (var content in update.Contents)
                {
                    switch (content)
                    {
                        case TextContent { Text: { Length: > 0 } delta }:
                            text.Append(delta);
                            emitted = true;
                            onDelta(delta);
                            break;
                        case UsageContent { Details: var details }:
                            usage ??= new UsageDetails();
                            usage.Add(details);
                            break;
                    }
                }
            }
        }
        catch (Exception e) when (emitted && e is not OperationCanceledException && resilience.Translate(e, chatOptions.ModelId!) is { } translated)
        {
            // Text already shown to the user cannot be taken back, so a stream that breaks half-way is not retried.
            throw translated;
        }
        return (text.ToString(), usage);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "LLM call by {Agent} on {Model}: {InputTokens} in ({CachedTokens} cached), {OutputTokens} out, {LatencyMs} ms, {CostUsd} USD")]
    private partial void LogCall(string agent, string model, long inputTokens, long cachedTokens, long outputTokens, long latencyMs, decimal costUsd);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LLM call by {Agent} on {Model} failed ({Failure}): {Reason}")]
    private partial void LogFailure(string agent, string model, LlmFailure failure, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The LLM endpoint reported no token usage for {Agent} on {Model}; the call is recorded with 0 tokens")]
    private partial void LogNoUsage(string agent, string model);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model {Model} has no entry under Pricing:Models; its calls cost 0 and are marked unpriced")]
    private partial void LogUnpriced(string model);
}
