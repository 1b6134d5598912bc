using NlAnalytics.Core.Accounting;

namespace NlAnalytics.Core.Llm;

/// <summary>Stores a priced model call the moment it completes, so a Stop, a crash or a failure later in the answer cannot lose it.</summary>
public interface ILlmCallSink
{
    Task RecordAsync(LlmCallRecord call, CancellationToken cancellationToken);

    /// <summary>
    /// Asked before every model call (tool rounds included): null to let it go out, otherwise the reason it
    /// may not (a used-up spend budget), written for the user. The call is then not sent.
    /// </summary>
    Task<string?> RefusalAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}

/// <summary>
/// Where the model calls made by the current flow of work are stored as they complete. The answer runner
/// opens it around one answer; every call made below it (any agent, any tool round) reaches the sink
/// before the agent sees the reply. Ambient on purpose: the seven-step pipeline stays free of plumbing
/// that only accounting needs, and nothing made outside an answer (evaluation runs, the CLI) is stored.
/// </summary>
public static class LlmSpend
{
    private static readonly AsyncLocal<ILlmCallSink?> Sink = new();

    internal static ILlmCallSink? Current => Sink.Value;

    /// <summary>Calls made by this flow until the returned scope is disposed go to <paramref name="sink"/>.</summary>
    public static IDisposable RecordTo(ILlmCallSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var previous = Sink.Value;
        Sink.Value = sink;
        return new Restore(previous);
    }

    private sealed class Restore(ILlmCallSink? previous) : IDisposable
    {
        public void Dispose() => Sink.Value = previous;
    }
}
