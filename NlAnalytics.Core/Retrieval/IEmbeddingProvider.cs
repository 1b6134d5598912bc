namespace NlAnalytics.Core.Retrieval;

/// <summary>Turns texts into dense vectors (for example through the OpenAI SDK's EmbeddingClient); optional for retrieval.</summary>
public interface IEmbeddingProvider
{
    /// <summary>Identifies the model, so vectors from different models are never compared.</summary>
    string Model { get; }

    /// <summary>One vector per input text, in input order.</summary>
    Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}
