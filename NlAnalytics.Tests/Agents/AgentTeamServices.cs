using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Execution;
using NlAnalytics.Core.Llm;
using NlAnalytics.Core.Retrieval;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Agents;

/// <summary>The app's own registrations of the team and everything it needs, pointed at a scripted LLM (or none).</summary>
internal static class AgentTeamServices
{
    public const string ApiKey = "sk-proj-AGENTS-SECRET-5d2e8b91f0";

    public static ServiceProvider Create(ScriptedOpenAiServer? llm, params (string Key, string? Value)[] overrides)
    {
        var settings = llm?.LlmSettings(ApiKey) ?? new Dictionary<string, string?>();
        settings["Llm:Models:sql-writer"] = "gpt-4o";
        settings["Llm:Models:sql-reviewer"] = "gpt-4o";
        settings["Pricing:Models:gpt-4o:InputPerMillion"] = "2.50";
        settings["Pricing:Models:gpt-4o:CachedInputPerMillion"] = "1.25";
        settings["Pricing:Models:gpt-4o:OutputPerMillion"] = "10.00";
        settings["Pricing:Models:gpt-4o-mini:InputPerMillion"] = "0.15";
        settings["Pricing:Models:gpt-4o-mini:CachedInputPerMillion"] = "0.075";
        settings["Pricing:Models:gpt-4o-mini:OutputPerMillion"] = "0.60";
        settings["Analyst:MaxAttempts"] = "3";
        settings["Analyst:QueryTimeoutSeconds"] = "5";
        foreach (var (key, value) in overrides)
            settings[key] = value;

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddLlm()
            .AddCatalog()
            .AddSqlExecution()
            .AddAgentTeam();
        services.AddSingleton<ISchemaRetriever, WholeCatalogRetriever>();
        services.AddKeyedSingleton<ISqlWriter, DecliningWriter>(AnalystOrchestrator.OfflineWriterKey);
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

/// <summary>
/// Interim stand-in until the catalog branch's SchemaRetriever is in main: every table of the (small)
/// test catalog, as plain DDL. The team only needs some ranking and a schema prompt.
/// </summary>
internal sealed class WholeCatalogRetriever : ISchemaRetriever
{
    public Task<RetrievalResult> RetrieveAsync(DatabaseCatalog catalog, string question, int topK, CancellationToken cancellationToken)
    {
        var tables = catalog.Tables.Take(topK).ToList();
        var prompt = string.Join("\n\n", tables.Select(t =>
            $"CREATE TABLE {t.QualifiedName} (\n" + string.Join(",\n", t.Columns.Select(c => $"  {c.Name} {c.DataType}")) + "\n);"));
        return Task.FromResult(new RetrievalResult(tables.Select(t => new RetrievedTable(t.QualifiedName, 1, "in the catalog")).ToList(), prompt));
    }
}

/// <summary>Interim stand-in until the offline branch is in main: an offline writer that always declines (LLM-mode tests never call it).</summary>
internal sealed class DecliningWriter : ISqlWriter
{
    public Task<SqlDraft> WriteAsync(SqlWritingContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new SqlDraft(null, 0, "I can't answer that reliably.", [], ["total sales by region"], []));
}
