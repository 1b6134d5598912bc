using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Offline;
using NlAnalytics.Core.Retrieval;
using NlAnalytics.Tests.Infrastructure;
using NlAnalytics.Tests.Llm;

namespace NlAnalytics.Tests.Agents;

/// <summary>The app's own registrations of the team and everything it needs, pointed at a scripted LLM (or none).</summary>
internal static class AgentTeamServices
{
    public const string ApiKey = "sk-proj-AGENTS-SECRET-5d2e8b91f0";

    public static ServiceProvider Create(ScriptedOpenAiServer? llm, params (string Key, string? Value)[] overrides) =>
        Create(llm, null, overrides);

    /// <param name="appDatabase">When given, the verified-query memory is registered over this app database.</param>
    public static ServiceProvider Create(ScriptedOpenAiServer? llm, IDbContextFactory<AppDbContext>? appDatabase, params (string Key, string? Value)[] overrides) =>
        Create(llm, appDatabase, configure: null, overrides);

    /// <param name="configure">Runs last, on the finished registrations (evaluation tests pin "today" with it).</param>
    public static ServiceProvider Create(ScriptedOpenAiServer? llm, IDbContextFactory<AppDbContext>? appDatabase, Action<IServiceCollection>? configure, params (string Key, string? Value)[] overrides)
    {
        var settings = llm?.LlmSettings(ApiKey) ?? new Dictionary<string, string?>();
        LlmTestServices.AddModelsAndPrices(settings);
        settings["Analyst:MaxAttempts"] = "3";
        settings["Analyst:QueryTimeoutSeconds"] = "120"; // no test here is about the timeout: a busy machine must not fail one
        foreach (var (key, value) in overrides)
            settings[key] = value;

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddLlm()
            .AddCatalog()
            .AddSchemaRetrieval()
            .AddSqlExecution()
            .AddAgentTeam();
        // The writer alone: the verified-query memory of AddOfflineAnalyst needs the app database, which these tests do not use.
        services.AddSingleton<OfflineSqlWriter>();
        services.AddKeyedSingleton<ISqlWriter>(OfflineSqlWriter.ServiceKey, (sp, _) => sp.GetRequiredService<OfflineSqlWriter>());
        if (appDatabase is not null)
        {
            services.AddSingleton(appDatabase);
            services.AddSingleton<VerifiedQueryStore>();
            services.AddSingleton<VerifiedQueryMatcher>();
            services.AddSingleton<IVerifiedMemory>(sp => sp.GetRequiredService<VerifiedQueryMatcher>());
        }
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static AnalystOrchestrator Orchestrator(this ServiceProvider services) => services.GetRequiredService<AnalystOrchestrator>();
}

/// <summary>Records progress synchronously, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class RecordingProgress : IProgress<AgentProgress>
{
    private readonly List<AgentProgress> _events = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<AgentProgress> Events
    {
        get { lock (_gate) return [.. _events]; }
    }

    public string Narrative => string.Concat(Events.Select(e => e.NarrativeDelta));

    public void Report(AgentProgress value)
    {
        lock (_gate)
            _events.Add(value);
    }
}

