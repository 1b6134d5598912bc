using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NlAnalytics.Core.Agents;

public static class AgentTeamServiceCollectionExtensions
{
    /// <summary>
    /// The agent team (Analyst section): every role, the LLM SQL writer (keyed "llm") and
    /// <see cref="AnalystOrchestrator"/>. Needs IAgentLlm, ICatalogProvider, ISchemaRetriever, ISqlGate,
    /// ISqlExecutor and the offline ISqlWriter (keyed "offline") from their own registrations.
    /// </summary>
    public static IServiceCollection AddAgentTeam(this IServiceCollection services)
    {
        services.AddOptions<AnalystOptions>().BindConfiguration(AnalystOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        // Transient: the agents hold no state, and this way they work both from the root provider and
        // inside a scope, whatever lifetimes the catalog, execution and LLM registrations chose.
        services.TryAddTransient<ConversationAgent>();
        services.TryAddTransient<SchemaSelectorAgent>();
        services.TryAddKeyedTransient<ISqlWriter, LlmSqlWriter>(LlmSqlWriter.ServiceKey);
        services.TryAddTransient<SqlReviewerAgent>();
        services.TryAddTransient<ExecutorAgent>();
        services.TryAddTransient<VisualizerAgent>();
        services.TryAddTransient<NarratorAgent>();
        services.TryAddTransient<AnalystOrchestrator>();
        services.TryAddSingleton<LocalWorkSlots>();
        return services;
    }
}
