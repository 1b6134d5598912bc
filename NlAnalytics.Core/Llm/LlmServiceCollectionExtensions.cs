using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Core.Llm;

public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// The LLM seam (Llm section): <see cref="IAgentLlm"/> for the agent team on a Semantic Kernel
    /// (<see cref="LlmKernel"/>) over Microsoft.Extensions.AI's OpenAI chat client, the prompt token
    /// counter, and <see cref="IEmbeddingProvider"/>, plus the Pricing section and CostCalculator that price
    /// every call (AddAccounting adds the ledger). Everything resolves with an empty Llm:Endpoint; calls then
    /// fail with LlmFailure.NotConfigured.
    /// </summary>
    public static IServiceCollection AddLlm(this IServiceCollection services)
    {
        services.AddPricing();
        services.AddLogging();
        services.AddOptions<LlmOptions>().BindConfiguration(LlmOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PromptTokenCounter>();
        services.TryAddSingleton<LlmConnection>();
        services.TryAddSingleton<ModelRoutedChatClient>();
        services.TryAddSingleton<LlmResilience>();
        services.TryAddSingleton<LlmKernel>();
        services.TryAddSingleton<IAgentLlm, AgentLlm>();
        services.TryAddSingleton<IEmbeddingProvider, OpenAiEmbeddingProvider>();
        return services;
    }
}
