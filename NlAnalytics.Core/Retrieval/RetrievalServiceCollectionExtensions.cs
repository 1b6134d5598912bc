using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NlAnalytics.Core.Retrieval;

public static class RetrievalServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISchemaRetriever"/>, the prompt builder and the retrieval benchmark. Dense
    /// retrieval switches on by itself when AddLlm's IEmbeddingProvider is registered and configured (Llm:EmbeddingModel).
    /// </summary>
    public static IServiceCollection AddSchemaRetrieval(this IServiceCollection services)
    {
        services.AddOptions<RetrievalOptions>().BindConfiguration(RetrievalOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SchemaPromptBuilder>();
        services.TryAddSingleton<SchemaRetriever>();
        services.TryAddSingleton<ISchemaRetriever>(sp => sp.GetRequiredService<SchemaRetriever>());
        services.TryAddSingleton<RetrievalBenchmark>();
        return services;
    }
}
