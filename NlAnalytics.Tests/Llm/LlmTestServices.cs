using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NlAnalytics.Core.Llm;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Llm;

/// <summary>The app's own LLM registration (AddLlm) pointed at a scripted server, with test prices.</summary>
internal static class LlmTestServices
{
    public const string ApiKey = "sk-proj-TOPSECRET-4f9a1c77e2";

    public static ServiceProvider Create(ScriptedOpenAiServer server, params (string Key, string? Value)[] overrides)
    {
        var settings = server.LlmSettings(ApiKey);
        AddModelsAndPrices(settings);
        foreach (var (key, value) in overrides)
            settings[key] = value;

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddLlm()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>The models per role and the prices the cost assertions are computed from.</summary>
    public static void AddModelsAndPrices(IDictionary<string, string?> settings)
    {
        settings["Llm:Models:sql-writer"] = "gpt-4o";
        settings["Llm:Models:sql-reviewer"] = "gpt-4o";
        settings["Pricing:Models:gpt-4o:InputPerMillion"] = "2.50";
        settings["Pricing:Models:gpt-4o:CachedInputPerMillion"] = "1.25";
        settings["Pricing:Models:gpt-4o:OutputPerMillion"] = "10.00";
        settings["Pricing:Models:gpt-4o-mini:InputPerMillion"] = "0.15";
        settings["Pricing:Models:gpt-4o-mini:CachedInputPerMillion"] = "0.075";
        settings["Pricing:Models:gpt-4o-mini:OutputPerMillion"] = "0.60";
    }

    public static IAgentLlm AgentLlm(this ServiceProvider services) => services.GetRequiredService<IAgentLlm>();
}
