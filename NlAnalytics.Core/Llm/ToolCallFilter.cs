using System.Globalization;
using System.Text.Json;
using Microsoft.SemanticKernel;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// Semantic Kernel's hook around each function the model asks to call: counts it against the invocation's
/// budget (<see cref="LlmTools.MaxCalls"/>), runs it, and puts the call and its result in the transcript.
/// Past the budget the function is not run and the tool loop ends, so a model that keeps calling cannot
/// run up the bill.
/// </summary>
internal sealed class ToolCallFilter : IAutoFunctionInvocationFilter
{
    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        var scope = LlmCallScope.Current;
        var arguments = context.Arguments is null ? "" : string.Join(", ", context.Arguments.Select(a => $"{a.Key}: {Format(a.Value)}"));
        var name = context.Function.PluginName is { } plugin ? $"{plugin}.{context.Function.Name}" : context.Function.Name;
        if (scope?.Tools is not { } tools || scope.ToolCalls >= tools.MaxCalls)
        {
            var refusal = string.Create(CultureInfo.InvariantCulture, $"Not run: the limit of {scope?.Tools?.MaxCalls ?? 0} catalog calls for this question is reached.");
            scope?.Observer.ToolCalled(scope.Agent, name, arguments, refusal);
            context.Result = new FunctionResult(context.Function, refusal);
            context.Terminate = true;
            return;
        }
        scope.ToolCalls++;
        await next(context).ConfigureAwait(false);
        var result = context.Result.GetValue<object>() switch
        {
            null => "",
            string s => s,
            var other => JsonSerializer.Serialize(other),
        };
        // The observer redacts: what the model gets back is what the transcript shows.
        context.Result = new FunctionResult(context.Function, scope.Observer.ToolCalled(scope.Agent, name, arguments, result));
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => s,
        JsonElement e => e.ToString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
