using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.SemanticKernel;
using NlAnalytics.Core.Agents;
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

    /// <summary>The kernel's chat client: Microsoft.Extensions.AI's OpenAI client under the call meter and function invocation.</summary>
    public static IChatClient KernelChatClient(this ServiceProvider services) =>
        services.GetRequiredService<LlmKernel>().Kernel.GetRequiredService<IChatClient>();

    /// <summary>A system and a user message as a prompt template, for tests of the model door itself.</summary>
    private static readonly AgentPrompt SystemAndUser = AgentPrompt.FromTemplate("test",
        "<message role=\"system\">{{$system}}</message>\n<message role=\"user\">{{$user}}</message>");

    /// <summary>Invokes <paramref name="messages"/> (a system and a user message) through <see cref="IAgentLlm"/>, recording into a transcript.</summary>
    public static Task<LlmReply> CompleteAsync(this IAgentLlm llm, string agent, IReadOnlyList<ChatMessage> messages, Action<string>? onDelta, CancellationToken cancellationToken, AgentTranscript? transcript = null)
    {
        var arguments = new KernelArguments
        {
            ["system"] = messages.Single(m => m.Role == ChatRole.System).Text,
            ["user"] = messages.Single(m => m.Role == ChatRole.User).Text,
        };
        return llm.InvokeAsync(agent, SystemAndUser, arguments, transcript ?? new AgentTranscript(TimeProvider.System, SecretRedactor.None), onDelta, null, cancellationToken);
    }
}
