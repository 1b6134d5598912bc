using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Llm;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Llm;

public sealed class OpenAiEmbeddingProviderTests : IAsyncLifetime
{
    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Texts_come_back_as_one_vector_each_in_the_order_given()
    {
        _server.Embed = text => [text.Length, 1f];
        await using var services = LlmTestServices.Create(_server, ("Llm:EmbeddingModel", "text-embedding-3-small"));
        var embeddings = services.GetRequiredService<IEmbeddingProvider>();

        var vectors = await embeddings.EmbedAsync(["a", "abc", "ab"], CancellationToken.None);

        Assert.True(embeddings.IsConfigured);
        Assert.Equal([[1f, 1f], [3f, 1f], [2f, 1f]], vectors);
        var request = Assert.Single(_server.EmbeddingRequests);
        Assert.Equal("text-embedding-3-small", request.Model);
        Assert.Equal(["a", "abc", "ab"], request.EmbeddingInputs);
    }

    [Fact]
    public async Task The_default_scripted_vectors_make_texts_that_share_words_more_similar()
    {
        await using var services = LlmTestServices.Create(_server, ("Llm:EmbeddingModel", "text-embedding-3-small"));
        var embeddings = services.GetRequiredService<IEmbeddingProvider>();

        var v = await embeddings.EmbedAsync(["monthly order revenue", "order revenue by month", "employee vacation days"], CancellationToken.None);

        static float Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => x * y).Sum();
        Assert.True(Cosine(v[0], v[1]) > Cosine(v[0], v[2]));
    }

    [Fact]
    public async Task A_rate_limited_embedding_request_is_retried()
    {
        _server.EnqueueEmbedding(ScriptStep.RateLimited(TimeSpan.FromMilliseconds(20)));
        await using var services = LlmTestServices.Create(_server, ("Llm:EmbeddingModel", "text-embedding-3-small"));

        var vectors = await services.GetRequiredService<IEmbeddingProvider>().EmbedAsync(["orders"], CancellationToken.None);

        Assert.Single(vectors);
        Assert.Equal(2, _server.EmbeddingRequests.Count);
    }

    [Fact]
    public async Task Without_an_embedding_model_the_provider_says_so_and_sends_nothing()
    {
        await using var services = LlmTestServices.Create(_server);
        var embeddings = services.GetRequiredService<IEmbeddingProvider>();

        var error = await Assert.ThrowsAsync<LlmException>(() => embeddings.EmbedAsync(["orders"], CancellationToken.None));

        Assert.False(embeddings.IsConfigured);
        Assert.Equal(LlmFailure.NotConfigured, error.Failure);
        Assert.Empty(_server.Requests);
    }
}
