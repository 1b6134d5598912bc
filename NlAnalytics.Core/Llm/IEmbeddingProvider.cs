namespace NlAnalytics.Core.Llm;

/// <summary>Turns texts into vectors with the configured embedding model, one vector per text, in order.</summary>
public interface IEmbeddingProvider
{
    /// <summary>False when no endpoint or no Llm:EmbeddingModel is configured: callers fall back to lexical retrieval.</summary>
    bool IsConfigured { get; }

    Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}
