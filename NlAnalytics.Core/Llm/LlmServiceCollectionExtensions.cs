using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Core.Llm;

public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// The LLM seam (Llm section): <see cref="IAgentLlm"/> for the agent team, an <see cref="IChatClient"/>
    /// over the OpenAI SDK, and <see cref="IEmbeddingProvider"/>, plus the Pricing section and CostCalculator that price every call (AddAccounting adds the ledger).
    /// Everything resolves with an empty Llm:Endpoint; calls then fail with LlmFailure.NotConfigured.
    /// </summary>
    public static IServiceCollection AddLlm(this IServiceCollection services)
    {
        services.AddPricing();
        services.AddOptions<LlmOptions>().BindConfiguration(LlmOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OpenAiClients>();
        services.TryAddSingleton<LlmResilience>();
        services.TryAddSingleton<IChatClient, OpenAiChatClient>();
        services.TryAddSingleton<IAgentLlm, AgentLlm>();
        services.TryAddSingleton<IEmbeddingProvider, OpenAiEmbeddingProvider>();
        return services;
    }
}
