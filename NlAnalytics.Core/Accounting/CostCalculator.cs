using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace NlAnalytics.Core.Accounting;

/// <summary>A call's price; <see cref="IsPriced"/> is false when the model has no configured price (cost 0).</summary>
public sealed record ModelCost(decimal CostUsd, bool IsPriced);

/// <summary>Prices token usage exactly, in decimal: no floating point ever touches money.</summary>
public sealed partial class CostCalculator(IOptionsMonitor<PricingOptions> pricing)
{
    private const decimal Million = 1_000_000m;

    /// <param name="inputTokens">All prompt tokens, cached ones included (as OpenAI reports them).</param>
    /// <param name="cachedInputTokens">The part of <paramref name="inputTokens"/> served from cache.</param>
    public ModelCost Price(string model, long inputTokens, long cachedInputTokens, long outputTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(cachedInputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(outputTokens);
        var price = PriceOf(model);
        if (price is null)
            return new ModelCost(0m, IsPriced: false);

        // A server that reports more cached than total input tokens is wrong; never charge a negative uncached part.
        var cached = Math.Min(cachedInputTokens, inputTokens);
        var cost = (inputTokens - cached) * price.InputPerMillion / Million
                   + cached * price.CachedInputPerMillion / Million
                   + outputTokens * price.OutputPerMillion / Million;
        return new ModelCost(cost, IsPriced: true);
    }

    /// <summary>
    /// The configured price for <paramref name="model"/>, also for a dated snapshot of a configured model
    /// (gpt-4o-2024-08-06 is priced as gpt-4o) but never for a different model that merely shares a prefix.
    /// </summary>
    public ModelPrice? PriceOf(string model)
    {
        if (string.IsNullOrWhiteSpace(model))
            return null;
        var models = pricing.CurrentValue.Models;
        if (models.TryGetValue(model, out var exact))
            return exact;
        var snapshot = DatedSnapshot().Match(model);
        return snapshot.Success && models.TryGetValue(snapshot.Groups["base"].Value, out var dated) ? dated : null;
    }

    [GeneratedRegex(@"^(?<base>.+)-\d{4}-\d{2}-\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex DatedSnapshot();
}
