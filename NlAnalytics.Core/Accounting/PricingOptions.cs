using System.ComponentModel.DataAnnotations;

namespace NlAnalytics.Core.Accounting;

/// <summary>USD per million tokens for one model.</summary>
public sealed class ModelPrice
{
    public decimal InputPerMillion { get; set; }

    /// <summary>Price of prompt tokens served from the provider's cache (part of, not in addition to, the input tokens).</summary>
    public decimal CachedInputPerMillion { get; set; }

    public decimal OutputPerMillion { get; set; }
}

/// <summary>Per-model prices. A model without an entry (a local model, say) costs 0 and is reported as unpriced.</summary>
public sealed class PricingOptions : IValidatableObject
{
    public const string SectionName = "Pricing";

    /// <summary>Keyed by model name as configured under Llm (for Azure: the deployment name); case-insensitive.</summary>
    public Dictionary<string, ModelPrice> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (model, price) in Models)
        {
            if (price is null || price.InputPerMillion < 0 || price.CachedInputPerMillion < 0 || price.OutputPerMillion < 0)
                yield return new ValidationResult($"Pricing:Models:{model} must have non-negative prices.", [nameof(Models)]);
        }
    }
}
