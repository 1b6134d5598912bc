using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// <see cref="IAgentLlm"/> on the <see cref="LlmKernel"/>: the role picks the model, the agent's
/// <see cref="AgentPrompt"/> is invoked as a Semantic Kernel prompt function (streamed when the agent
/// wants deltas), with the agent's tools when it has any; <see cref="LlmResilience"/> bounds the whole
/// invocation and translates failures.
/// </summary>
internal sealed partial class AgentLlm(
    LlmKernel kernel,
    LlmResilience resilience,
    IOptions<LlmOptions> options,
    ILogger<AgentLlm> logger) : IAgentLlm
{
    public bool IsConfigured => options.Value.IsConfigured;

    public string ModelFor(string agent) => LlmModelChoice.Current ?? options.Value.ModelFor(agent);

    public async Task<LlmReply> InvokeAsync(
        string agent,
        AgentPrompt prompt,
        KernelArguments arguments,
        ILlmCallObserver observer,
        Action<string>? onDelta,
        LlmTools? tools,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agent);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(observer);
        if (!IsConfigured)
            throw new LlmException(LlmFailure.NotConfigured, "No language model is configured (Llm:Endpoint is empty), so only offline answers are available.");

        var model = ModelFor(agent);
        var settings = new OpenAIPromptExecutionSettings
        {
            ModelId = model,
            Temperature = options.Value.Temperature,
            MaxTokens = options.Value.MaxOutputTokens,
        };
        var target = kernel.Kernel;
        if (tools is not null)
        {
            // A clone per invocation: the plugin is bound to this question's data source.
            target = target.Clone();
            target.Plugins.Add(tools.Plugin);
            settings.FunctionChoiceBehavior = FunctionChoiceBehavior.Auto([.. tools.Plugin]);
        }
        var invocationArguments = new KernelArguments(arguments, new Dictionary<string, PromptExecutionSettings> { [PromptExecutionSettings.DefaultServiceId] = settings });
        var scope = new LlmCallScope(agent, observer, tools);
        try
        {
            var text = await resilience.ExecuteAsync(
                ct =>
                {
                    scope.Enter();
                    return onDelta is null
                        ? InvokeOnceAsync(prompt, target, invocationArguments, ct)
                        : StreamOnceAsync(prompt, target, invocationArguments, onDelta, ct);
                },
                model,
                cancellationToken).ConfigureAwait(false);
            if (scope.Calls.Count == 0)
                throw new LlmException(LlmFailure.MalformedResponse, "The language model endpoint returned no completion.");
            return new LlmReply(text, [.. scope.Calls]);
        }
        catch (LlmException e)
        {
            LogFailure(agent, model, e.Failure, e.Message);
            throw;
        }
    }

    private static async ValueTask<string> InvokeOnceAsync(AgentPrompt prompt, Kernel kernel, KernelArguments arguments, CancellationToken cancellationToken)
    {
        var result = await prompt.Function.InvokeAsync(kernel, arguments, cancellationToken).ConfigureAwait(false);
        // After a tool loop the response holds the tool rounds too: the answer is the last assistant text.
        return result.GetValue<ChatResponse>() is { } response
            ? response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant && m.Text.Length > 0)?.Text ?? ""
            : result.ToString();
    }

    private static async ValueTask<string> StreamOnceAsync(AgentPrompt prompt, Kernel kernel, KernelArguments arguments, Action<string> onDelta, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        await foreach (var update in prompt.Function.InvokeStreamingAsync<ChatResponseUpdate>(kernel, arguments, cancellationToken).ConfigureAwait(false))
        {
            foreach (var content in update.Contents)
            {
                if (content is Microsoft.Extensions.AI.TextContent { Text: { Length: > 0 } delta })
                {
                    text.Append(delta);
                    onDelta(delta);
                }
            }
        }
        return text.ToString();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "LLM call by {Agent} on {Model} failed ({Failure}): {Reason}")]
    private partial void LogFailure(string agent, string model, LlmFailure failure, string reason);
}
