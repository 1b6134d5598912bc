using System.ComponentModel.DataAnnotations;

namespace NlAnalytics.Core.Llm;

/// <summary>Which wire dialect the configured endpoint speaks.</summary>
public enum LlmProvider
{
    /// <summary>api.openai.com: bearer key, model named in the request body.</summary>
    OpenAI,

    /// <summary>Azure OpenAI: the model name is the deployment name, sent in the path with an api-version and an api-key header.</summary>
    AzureOpenAI,

    /// <summary>Any server speaking the OpenAI wire format (Ollama, vLLM, LM Studio, llama.cpp); a key is optional.</summary>
    OpenAICompatible,
}

/// <summary>
/// Where the LLM lives and how to talk to it. A class rather than a record on purpose: a record's
/// generated ToString would print <see cref="ApiKey"/> into any log line that formats the options.
/// </summary>
public sealed class LlmOptions : IValidatableObject
{
    public const string SectionName = "Llm";

    /// <summary>Base address, e.g. https://api.openai.com/v1. Empty means no LLM: the app runs offline.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Secret. Never logged, never put in a prompt, transcript, exception message or page.</summary>
    public string ApiKey { get; set; } = "";

    public LlmProvider Provider { get; set; } = LlmProvider.OpenAI;

    /// <summary>Model for any role without its own entry in <see cref="Models"/> (for Azure: a deployment name).</summary>
    public string DefaultModel { get; set; } = "gpt-4o-mini";

    /// <summary>Model per agent role; keys are <see cref="Agents.AgentNames"/>.</summary>
    public Dictionary<string, string> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Embedding model (for Azure: its deployment name). Empty: no embeddings, retrieval stays lexical.</summary>
    public string EmbeddingModel { get; set; } = "";

    /// <summary>Upper bound for one model call, retries and their waits included.</summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Retries after the first attempt on 408, 429 (not insufficient_quota) and 5xx.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First backoff step; later ones double, with jitter. A Retry-After header overrides it.</summary>
    [Range(0, 60_000)]
    public int RetryBaseDelayMilliseconds { get; set; } = 1000;

    /// <summary>The api-version query parameter Azure OpenAI requires.</summary>
    public string AzureApiVersion { get; set; } = "2024-10-21";

    /// <summary>Sampling temperature for every agent call; null leaves the server's default (some reasoning models reject any value).</summary>
    [Range(0.0, 2.0)]
    public double? Temperature { get; set; }

    /// <summary>Cap on generated tokens per call; null leaves the server's default.</summary>
    [Range(1, 1_000_000)]
    public int? MaxOutputTokens { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint);

    public string ModelFor(string agent) =>
        Models.TryGetValue(agent, out var model) && !string.IsNullOrWhiteSpace(model) ? model : DefaultModel;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
            yield break;
        // Messages name the setting, never its value: the value could be the key.
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            yield return new ValidationResult("Llm:Endpoint must be an absolute http(s) address.", [nameof(Endpoint)]);
        if (string.IsNullOrWhiteSpace(DefaultModel))
            yield return new ValidationResult("Llm:DefaultModel is required when Llm:Endpoint is set.", [nameof(DefaultModel)]);
        if (Provider != LlmProvider.OpenAICompatible && string.IsNullOrWhiteSpace(ApiKey))
            yield return new ValidationResult($"Llm:ApiKey is required for provider {Provider}.", [nameof(ApiKey)]);
        if (Provider == LlmProvider.AzureOpenAI && string.IsNullOrWhiteSpace(AzureApiVersion))
            yield return new ValidationResult("Llm:AzureApiVersion is required for provider AzureOpenAI.", [nameof(AzureApiVersion)]);
    }
}
