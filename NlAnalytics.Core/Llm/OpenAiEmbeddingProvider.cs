using Microsoft.Extensions.Options;

namespace NlAnalytics.Core.Llm;

/// <summary>Embeddings through the SDK's EmbeddingClient, over the same connection, retry and timeout rules as chat calls.</summary>
internal sealed class OpenAiEmbeddingProvider(LlmConnection connection, LlmResilience resilience, IOptions<LlmOptions> options) : IEmbeddingProvider
{
    /// <summary>Well under OpenAI's 2048 inputs per request, and small enough that one slow batch does not eat the whole timeout.</summary>
    private const int BatchSize = 256;

    public bool IsConfigured => options.Value.IsConfigured && !string.IsNullOrWhiteSpace(options.Value.EmbeddingModel);

    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (!IsConfigured)
            throw new LlmException(LlmFailure.NotConfigured, "No embedding model is configured (Llm:Endpoint or Llm:EmbeddingModel is empty).");
        if (texts.Count == 0)
            return [];

        var model = options.Value.EmbeddingModel;
        var client = connection.For(model).GetEmbeddingClient(model);
        var vectors = new List<float[]>(texts.Count);
        foreach (var batch in texts.Chunk(BatchSize))
        {
            var embedded = await resilience.ExecuteAsync(async ct =>
            {
                var result = await client.GenerateEmbeddingsAsync(batch, cancellationToken: ct).ConfigureAwait(false);
                var collection = result.Value;
                if (collection.Count != batch.Length)
                    throw new LlmException(LlmFailure.MalformedResponse, $"The embedding endpoint returned {collection.Count} vectors for {batch.Length} texts.");
                return collection.OrderBy(e => e.Index).Select(e => e.ToFloats().ToArray()).ToList();
            }, model, cancellationToken).ConfigureAwait(false);
            vectors.AddRange(embedded);
        }
        return vectors;
    }
}
