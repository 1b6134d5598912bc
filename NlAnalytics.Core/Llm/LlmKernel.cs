using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// The Semantic Kernel every agent's prompt runs on. Its chat client is, from the wire up: the
/// Microsoft.Extensions.AI OpenAI chat client (per model), the <see cref="LlmCallMeter"/> filter, and
/// Semantic Kernel's function invocation (tool calls, with <see cref="ToolCallFilter"/>). This is what
/// <c>AddOpenAIChatClient</c> builds, with the meter put between the two so that it sees every single
/// model call of a tool loop rather than their sum (see docs/decisions on Semantic Kernel).
/// </summary>
internal sealed class LlmKernel
{
    public LlmKernel(ModelRoutedChatClient models, CostCalculator costs, PromptTokenCounter tokens, TimeProvider timeProvider, ILoggerFactory loggers)
    {
#pragma warning disable SKEXP0001 // UseKernelFunctionInvocation is what AddOpenAIChatClient itself uses.
        IChatClient chat = models.AsBuilder()
            .UseKernelFunctionInvocation(loggers)
            .Use(inner => new LlmCallMeter(inner, costs, tokens, timeProvider, loggers.CreateLogger<LlmCallMeter>()))
            .Build();
#pragma warning restore SKEXP0001
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(chat);
        builder.Services.AddSingleton(loggers);
        Kernel = builder.Build();
        Kernel.AutoFunctionInvocationFilters.Add(new ToolCallFilter());
    }

    public Kernel Kernel { get; }
}
