namespace NlAnalytics.Core.Accounting;

/// <summary>One model call: who made it, on which model, what it consumed and what it cost.</summary>
public sealed record LlmCallRecord(
    string Agent,
    string Model,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    TimeSpan Latency,
    decimal CostUsd)
{
    /// <summary>False when the model has no entry under Pricing:Models (local models are free): the cost is 0 by assumption, not by measurement.</summary>
    public bool IsPriced { get; init; } = true;
}
