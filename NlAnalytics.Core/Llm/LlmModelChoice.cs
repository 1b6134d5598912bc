namespace NlAnalytics.Core.Llm;

/// <summary>
/// One model for every agent role of the current flow of work, instead of <c>Llm:DefaultModel</c> and <c>Llm:Models</c>:
/// an evaluation run measures the model it names. Ambient like <see cref="LlmSpend"/>, for the same reason: the
/// pipeline's seven steps stay free of a parameter only the evaluation workspace sets.
/// </summary>
public static class LlmModelChoice
{
    private static readonly AsyncLocal<string?> Chosen = new();

    internal static string? Current => Chosen.Value;

    /// <summary>Calls made by this flow until the returned scope is disposed go to <paramref name="model"/> (null or blank: the configured models).</summary>
    public static IDisposable Use(string? model)
    {
        var previous = Chosen.Value;
        Chosen.Value = string.IsNullOrWhiteSpace(model) ? null : model.Trim();
        return new Restore(previous);
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => Chosen.Value = previous;
    }
}
