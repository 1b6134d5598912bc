using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Hosting;

namespace NlAnalytics.Core.Conversations;

/// <summary>
/// One answer in progress. It runs on the server independently of the browser that asked, so closing
/// the tab neither cancels nor loses it; any page showing the thread can subscribe to its progress.
/// </summary>
public sealed class RunningAnswer(Guid messageId, Guid threadId, CancellationTokenSource cancellation)
{
    private readonly Lock _gate = new();
    private readonly System.Text.StringBuilder _narrative = new();

    public Guid MessageId { get; } = messageId;
    public Guid ThreadId { get; } = threadId;
    public AgentProgress? Latest { get; private set; }
    public DateTimeOffset? FirstProgressAt { get; private set; }
    public Task<MessageView?> Completion { get; internal set; } = Task.FromResult<MessageView?>(null);
    internal CancellationTokenSource Cancellation { get; } = cancellation;

    /// <summary>The narrative streamed so far.</summary>
    public string Narrative { get { lock (_gate) return _narrative.ToString(); } }

    /// <summary>Raised on the worker's thread for each progress event; UI handlers marshal to their own context.</summary>
    public event Action<AgentProgress>? Progressed;

    internal void Report(AgentProgress progress, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (progress.NarrativeDelta is { } delta)
                _narrative.Append(delta);
            Latest = progress;
            FirstProgressAt ??= now;
        }
        Progressed?.Invoke(progress);
    }
}

/// <summary>
/// Runs questions through the agent team: saves the question before any work starts, runs the team in
/// the background, saves the answer (or a clear failure) when it ends, and lets a user stop it.
/// </summary>
public sealed partial class AnswerRunner(
    ThreadStore store,
    AnalystOrchestrator orchestrator,
    IDataSourceRegistry sources,
    DemoStatus demo,
    TimeProvider clock,
    ILogger<AnswerRunner> logger)
{
    private readonly ConcurrentDictionary<Guid, RunningAnswer> _running = new();

    public AnalysisMode DefaultMode => orchestrator.DefaultMode;

    public bool LlmAvailable => orchestrator.LlmAvailable;

    /// <summary>The answer in progress for a message, if it runs on this instance.</summary>
    public RunningAnswer? Find(Guid messageId) => _running.GetValueOrDefault(messageId);

    /// <summary>Answers in progress in a thread.</summary>
    public IReadOnlyList<RunningAnswer> InThread(Guid threadId) => [.. _running.Values.Where(r => r.ThreadId == threadId)];

    /// <summary>
    /// Saves the question and starts answering it. Sending the same <paramref name="clientRequestId"/> again
    /// returns the answer already running (or null when it has finished) instead of asking twice.
    /// </summary>
    public async Task<RunningAnswer?> AskAsync(string userId, Guid threadId, string question, Guid clientRequestId, AnalysisMode? mode, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(question))
            throw new ArgumentException("Type a question first.", nameof(question));
        var (message, created) = await store.AddQuestionAsync(userId, threadId, question.Trim(), clientRequestId, cancellationToken);
        if (!created)
            return Find(message.Id);
        return Start(userId, threadId, message.Id, message.Sequence, message.Question, mode);
    }

    /// <summary>Answers a failed, stopped or interrupted message again, in place.</summary>
    public async Task<RunningAnswer?> RetryAsync(string userId, Guid messageId, AnalysisMode? mode, CancellationToken cancellationToken)
    {
        if (Find(messageId) is { } running)
            return running;
        var message = await store.MessageAsync(userId, messageId, cancellationToken) ?? throw new KeyNotFoundException("This message no longer exists.");
        var threadId = (await store.ThreadOfAsync(userId, messageId, cancellationToken))!.Value;
        return Start(userId, threadId, message.Id, message.Sequence, message.Question, mode);
    }

    /// <summary>Stops an answer: cancels the model call and the database query in flight.</summary>
    public bool Stop(Guid messageId)
    {
        if (!_running.TryGetValue(messageId, out var running))
            return false;
        running.Cancellation.Cancel();
        return true;
    }

    private RunningAnswer Start(string userId, Guid threadId, Guid messageId, int sequence, string question, AnalysisMode? mode)
    {
        var running = new RunningAnswer(messageId, threadId, new CancellationTokenSource());
        if (!_running.TryAdd(messageId, running))
            return _running[messageId];
        running.Completion = Task.Run(() => RunAsync(userId, threadId, sequence, question, mode, running));
        return running;
    }

    private async Task<MessageView?> RunAsync(string userId, Guid threadId, int sequence, string question, AnalysisMode? mode, RunningAnswer running)
    {
        var token = running.Cancellation.Token;
        // Saving the outcome must not be cancelled by Stop, or a stopped answer would stay "running" forever.
        var save = CancellationToken.None;
        try
        {
            await store.MarkRunningAsync(running.MessageId, save);
            var thread = await store.FindAsync(userId, threadId, token) ?? throw new KeyNotFoundException("The thread was deleted.");
            var source = await ResolveSourceAsync(thread.DataSource, running, token);
            var history = await store.HistoryAsync(threadId, sequence, token);
            var progress = new SynchronousProgress(p => running.Report(p, clock.GetUtcNow()));
            var answer = await orchestrator.AnswerAsync(new AnalystRequest(source, question, history, mode ?? orchestrator.DefaultMode), progress, token);
            await store.SaveAnswerAsync(userId, running.MessageId, answer, save);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            await store.MarkEndedAsync(running.MessageId, MessageStatus.Cancelled, "Stopped before it finished.", save);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or DemoNotReadyException)
        {
            await store.MarkEndedAsync(running.MessageId, MessageStatus.Failed, ex.Message, save);
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex, running.MessageId);
            await store.MarkEndedAsync(running.MessageId, MessageStatus.Failed, "Something went wrong while answering. Try again; the question is kept.", save);
        }
        finally
        {
            _running.TryRemove(running.MessageId, out _);
            running.Cancellation.Dispose();
        }
        return await store.MessageAsync(userId, running.MessageId, save);
    }

    private async Task<DataSource> ResolveSourceAsync(string name, RunningAnswer running, CancellationToken token)
    {
        if (string.Equals(name, "demo", StringComparison.OrdinalIgnoreCase) && demo.State == DemoState.Preparing)
        {
            running.Report(new AgentProgress(AgentStep.Understanding, $"Waiting for the demo warehouse: {demo.Message}"), clock.GetUtcNow());
            try
            {
                await demo.WhenReady.WaitAsync(token);
            }
            catch (InvalidOperationException ex)
            {
                throw new DemoNotReadyException(ex.Message);
            }
        }
        try
        {
            return sources.Resolve(name);
        }
        catch (KeyNotFoundException) when (string.Equals(name, "demo", StringComparison.OrdinalIgnoreCase))
        {
            throw new DemoNotReadyException(demo.Message);
        }
    }

    /// <summary>Progress&lt;T&gt; posts to a captured context; the runner has none and wants events in order.</summary>
    private sealed class SynchronousProgress(Action<AgentProgress> report) : IProgress<AgentProgress>
    {
        public void Report(AgentProgress value) => report(value);
    }

    private sealed class DemoNotReadyException(string message) : Exception(message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering message {MessageId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid messageId);
}
