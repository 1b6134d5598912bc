using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Core.Llm;

namespace NlAnalytics.Core.Conversations;

/// <summary>
/// One answer in progress. It runs on the server independently of the browser that asked, so closing
/// the tab neither cancels nor loses it; any page showing the thread can subscribe to its progress.
/// </summary>
public sealed class RunningAnswer(Guid messageId, Guid threadId, string userId, CancellationTokenSource cancellation)
{
    private readonly Lock _gate = new();
    private readonly System.Text.StringBuilder _narrative = new();
    private readonly List<AgentProgress> _steps = [];
    // Every event in order, narrative chunks included, so a late follower (the API's event stream) replays exactly what happened.
    private readonly List<AgentProgress> _log = [];

    public Guid MessageId { get; } = messageId;
    public Guid ThreadId { get; } = threadId;

    /// <summary>Whose answer this is: only they may stop it.</summary>
    public string UserId { get; } = userId;
    public AgentProgress? Latest { get; private set; }
    public DateTimeOffset? FirstProgressAt { get; private set; }
    /// <summary>The answer as saved, when the runner knows every column of it (a first answer without model calls); else null: read it.</summary>
    public MessageView? Saved { get; internal set; }

    /// <summary>Completes when the outcome is saved (never faults): read the message again for it.</summary>
    public Task Completion { get; internal set; } = Task.CompletedTask;
    internal CancellationTokenSource Cancellation { get; } = cancellation;

    /// <summary>The narrative streamed so far.</summary>
    public string Narrative { get { lock (_gate) return _narrative.ToString(); } }

    /// <summary>The steps reached so far, in order, each with its latest message (narrative chunks left out).</summary>
    public IReadOnlyList<AgentProgress> Steps { get { lock (_gate) return [.. _steps]; } }

    /// <summary>The events reported after the first <paramref name="count"/>, in order (narrative chunks included).</summary>
    public IReadOnlyList<AgentProgress> EventsAfter(int count) { lock (_gate) return count >= _log.Count ? [] : _log[count..]; }

    /// <summary>Raised on the worker's thread for each progress event; UI handlers marshal to their own context.</summary>
    public event Action<AgentProgress>? Progressed;

    internal void Report(AgentProgress progress, DateTimeOffset now)
    {
        lock (_gate)
        {
            _log.Add(progress);
            if (progress.NarrativeDelta is { } delta)
                _narrative.Append(delta);
            // A narrative chunk of the current step only adds text; any other event is that step's latest word.
            if (progress.NarrativeDelta is null || _steps.Count == 0 || _steps[^1].Step != progress.Step)
            {
                var at = _steps.FindIndex(s => s.Step == progress.Step);
                if (at >= 0)
                    _steps[at] = progress with { NarrativeDelta = null };
                else
                    _steps.Add(progress with { NarrativeDelta = null });
            }
            Latest = progress;
            FirstProgressAt ??= now;
        }
        Progressed?.Invoke(progress);
    }
}

/// <summary>What a message is answered from: its question, or the SQL an analyst wrote for it.</summary>
/// <param name="History">The thread's answered turns when the question was saved; read again if the answer has to wait for another.</param>
/// <param name="SavedAsRunning">The message was saved as Running (nothing to mark before work starts).</param>
/// <param name="SavedWhileAnotherRan">The message was saved as Pending behind another answer of its thread: its
/// <paramref name="History"/> was read before that answer ended, so it is read again even if that answer has ended by the time this one starts.</param>
/// <param name="QuestionSavedAt">When the question was saved, for a first answer (not a retry): lets the runner return the saved answer without reading it.</param>
public sealed record AnswerJob(
    string UserId, Guid ThreadId, Guid MessageId, int Sequence, string Question, AnalysisMode? Mode, string DataSource,
    IReadOnlyList<ThreadTurn> History, bool SavedAsRunning, string? Sql = null, bool SqlEdited = false, bool SavedWhileAnotherRan = false,
    DateTimeOffset? QuestionSavedAt = null);

/// <summary>
/// Runs answers in the background: the question is saved before any work starts (by the caller), the
/// team (or, for hand-written SQL, <see cref="ManualQueryRunner"/>) answers it, and the answer (or a
/// clear failure) is saved when it ends. Answers of one thread run one after the other, each seeing the
/// ones before it; a user can stop any of them.
/// </summary>
public sealed partial class AnswerRunner(
    ThreadStore store,
    CostLedger ledger,
    AnalystOrchestrator orchestrator,
    ManualQueryRunner manual,
    AnswerLeases leases,
    SpendBudget budget,
    IOptions<AnalystOptions> options,
    IDataSourceRegistry sources,
    DemoStatus demo,
    TimeProvider clock,
    ILogger<AnswerRunner> logger,
    LocalWorkSlots? localWork = null)
{
    private readonly ConcurrentDictionary<Guid, RunningAnswer> _running = new();
    private readonly Lock _starting = new();
    // Answers running or waiting per user (guarded by _starting), reserved before the question is saved.
    private readonly Dictionary<string, int> _inProgress = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentAnswers, options.Value.MaxConcurrentAnswers);

    public AnalysisMode DefaultMode => orchestrator.DefaultMode;

    public bool LlmAvailable => orchestrator.LlmAvailable;

    /// <summary>The answer in progress for a message, if it runs on this instance.</summary>
    public RunningAnswer? Find(Guid messageId) => _running.GetValueOrDefault(messageId);

    /// <summary>Answers in progress in a thread.</summary>
    public IReadOnlyList<RunningAnswer> InThread(Guid threadId) => [.. _running.Values.Where(r => r.ThreadId == threadId)];

    /// <summary>Whether an answer started now in the thread would run at once (rather than wait for one before it).</summary>
    public bool IsIdle(Guid threadId) => !_running.Values.Any(r => r.ThreadId == threadId);

    /// <summary>
    /// Reserves one of the user's answers in progress, before the question is saved; false when the user
    /// already has <see cref="AnalystOptions.MaxAnswersInProgressPerUser"/>. <see cref="Start"/> with
    /// <c>reserved: true</c> takes the reservation over; <see cref="Unreserve"/> gives it back unused.
    /// </summary>
    public bool TryReserve(string userId)
    {
        lock (_starting)
        {
            var count = _inProgress.GetValueOrDefault(userId);
            if (count >= options.Value.MaxAnswersInProgressPerUser)
                return false;
            _inProgress[userId] = count + 1;
            return true;
        }
    }

    /// <summary>
    /// The id of a question about to be saved, with its answer lease already held: from the moment the message
    /// exists, nobody (a start-up sweep of another instance, a read that checks for dead runners) can take it for
    /// an orphan. <see cref="Start"/> takes the lease over; <see cref="ReleaseClaimAsync"/> gives it back unused.
    /// </summary>
    public async Task<Guid> ClaimAsync(CancellationToken cancellationToken)
    {
        var messageId = Guid.CreateVersion7(clock.GetUtcNow());
        await leases.HoldAsync(messageId, cancellationToken);
        return messageId;
    }

    /// <summary>Gives back a claimed id whose question was not saved (or was a resend of another).</summary>
    public Task ReleaseClaimAsync(Guid messageId) => leases.ReleaseAsync(messageId);

    /// <summary>Gives back a reservation that no answer took over (the save failed, or it was a resend).</summary>
    public void Unreserve(string userId)
    {
        lock (_starting)
            Release(userId);
    }

    /// <summary>Answers in progress (running or waiting) of a user on this instance.</summary>
    public int InProgress(string userId)
    {
        lock (_starting)
            return _inProgress.GetValueOrDefault(userId);
    }

    /// <summary>
    /// Starts answering a saved message; the answer already running for it when there is one.
    /// <paramref name="reserved"/>: the caller reserved the user's slot with <see cref="TryReserve"/>.
    /// </summary>
    public RunningAnswer Start(AnswerJob job, bool reserved = false)
    {
        lock (_starting)
        {
            if (_running.TryGetValue(job.MessageId, out var existing))
            {
                if (reserved)
                    Release(job.UserId);
                return existing;
            }
            if (!reserved)
                _inProgress[job.UserId] = _inProgress.GetValueOrDefault(job.UserId) + 1;
            // A later question builds on the earlier answers of its thread: it waits for them to finish.
            var before = InThread(job.ThreadId).Select(r => r.Completion).ToList();
            var running = new RunningAnswer(job.MessageId, job.ThreadId, job.UserId, new CancellationTokenSource());
            _running[job.MessageId] = running;
            running.Completion = Task.Run(() => RunAsync(job, before, running));
            return running;
        }
    }

    /// <summary>Stops an answer: cancels the model call and the database query in flight (or the wait for its turn).</summary>
    public bool Stop(Guid messageId)
    {
        if (!_running.TryGetValue(messageId, out var running))
            return false;
        running.Cancellation.Cancel();
        return true;
    }

    private async Task RunAsync(AnswerJob job, IReadOnlyList<Task> before, RunningAnswer running)
    {
        var token = running.Cancellation.Token;
        // Saving the outcome must not be cancelled by Stop, or a stopped answer would stay "running" forever.
        var save = CancellationToken.None;
        var calls = new MessageCallSink(ledger, budget, job.MessageId, job.ThreadId, job.UserId);
        // Held while it runs (and waits its turn), so a restart can tell this answer from one whose runner died.
        await leases.HoldAsync(job.MessageId, save);
        var slot = false;
        try
        {
            var history = job.History;
            if (before.Count > 0)
            {
                running.Report(new AgentProgress(AgentStep.Understanding, "Waiting for the previous answer of this thread"), clock.GetUtcNow());
                await Task.WhenAll(before).WaitAsync(token);
            }
            if (before.Count > 0 || job.SavedWhileAnotherRan)
            {
                // The answers it waited for (or that ended between its save and its start) are part of its history now.
                history = await store.HistoryAsync(job.ThreadId, job.Sequence, token);
            }
            if (!job.SavedAsRunning || before.Count > 0)
                await store.MarkRunningAsync(job.MessageId, save);
            // At most MaxConcurrentAnswers answers work at once on this instance; the others wait, visibly.
            if (!(slot = _slots.Wait(0)))
            {
                running.Report(new AgentProgress(AgentStep.Understanding,
                    $"Waiting for a free slot: {options.Value.MaxConcurrentAnswers} answers are being worked on"), clock.GetUtcNow());
                await _slots.WaitAsync(token);
                slot = true;
            }
            var source = await ResolveSourceAsync(job.DataSource, running, token);
            var mode = job.Mode ?? orchestrator.DefaultMode;
            // An offline answer's work and its save share one local-work slot (the orchestrator gives it back for the query).
            using var local = mode == AnalysisMode.Offline && job.Sql is null && localWork is not null ? await localWork.EnterAsync(token) : null;
            var progress = new SynchronousProgress(p => running.Report(p, clock.GetUtcNow()));
            AnalystAnswer answer;
            // Every model call of this answer is stored the moment it completes, not only with the answer, and
            // the spend budgets are checked before each one (by the call meter, through the sink).
            using (LlmSpend.RecordTo(calls))
            {
                if (job.Sql is { } sql)
                    answer = await manual.AnswerAsync(source, job.Question, sql, job.SqlEdited, progress, token);
                else
                {
                    var request = new AnalystRequest(source, job.Question, history, mode, AskerId: job.UserId);
                    answer = await orchestrator.AnswerAsync(request, progress, token);
                    if (calls.Refused is { } reason)
                        answer = await AfterBudgetReachedAsync(request, answer, reason, progress, token);
                }
            }
            running.Saved = await store.SaveAnswerAsync(job.UserId, job.ThreadId, job.MessageId, job.Question, answer, save, calls.Stored,
                job.QuestionSavedAt is { } savedAt ? (job.Sequence, savedAt) : null);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            await EndAsync(job.MessageId, MessageStatus.Cancelled, "Stopped before it finished.");
        }
        catch (Exception ex) when (ex is KeyNotFoundException or DemoNotReadyException)
        {
            await EndAsync(job.MessageId, MessageStatus.Failed, ex.Message);
        }
        catch (Exception ex) when (AppDatabaseOutage.Is(ex))
        {
            LogFailed(logger, ex, job.MessageId);
            await EndAsync(job.MessageId, MessageStatus.Failed, "The app's database could not be reached while answering. Try again in a moment; the question is kept.");
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex, job.MessageId);
            await EndAsync(job.MessageId, MessageStatus.Failed, "Something went wrong while answering. Try again; the question is kept.");
        }
        finally
        {
            if (slot)
                _slots.Release();
            lock (_starting)
            {
                _running.TryRemove(job.MessageId, out _);
                Release(job.UserId);
            }
            running.Cancellation.Dispose();
            await leases.ReleaseAsync(job.MessageId);
        }
    }

    /// <summary>
    /// A budget used up before or during the answer stopped its model calls (the call meter refused the next
    /// one). Llm mode ends with the reason as its error; Hybrid, whose model step was refused, answers offline;
    /// an answer that went on without the model (the reviewer and narrator can) says so. The reason is saved
    /// with the answer either way, and the calls made before it stay in the ledger.
    /// </summary>
    private async Task<AnalystAnswer> AfterBudgetReachedAsync(AnalystRequest request, AnalystAnswer answer, string reason, IProgress<AgentProgress> progress, CancellationToken token)
    {
        if (answer.Error is { } error && error.UserMessage.Contains(reason, StringComparison.Ordinal))
        {
            if (request.Mode != AnalysisMode.Hybrid)
                return answer;
            progress.Report(new AgentProgress(AgentStep.Understanding, reason));
            var offline = await orchestrator.AnswerAsync(request with { Mode = AnalysisMode.Offline }, progress, token);
            return offline with
            {
                Narrative = $"{reason} This answer was made offline.\n{offline.Narrative}",
                Transcript = [.. answer.Transcript, .. offline.Transcript],
                Calls = [.. answer.Calls, .. offline.Calls],
            };
        }
        return answer with { Narrative = $"{reason} The model was not asked again for this answer.\n{answer.Narrative}" };
    }

    /// <summary>
    /// Saves how an answer ended. With the app database away this cannot be saved either: the message stays
    /// "running" in the database (the page shows it interrupted, with Retry; the next start-up marks it so), and
    /// <see cref="RunningAnswer.Completion"/> still completes rather than faulting.
    /// </summary>
    private async Task EndAsync(Guid messageId, MessageStatus status, string error)
    {
        try
        {
            await store.MarkEndedAsync(messageId, status, error, CancellationToken.None);
        }
        catch (Exception ex) when (AppDatabaseOutage.Is(ex))
        {
            LogEndNotSaved(logger, ex, messageId, status);
        }
    }

    private void Release(string userId)
    {
        var count = _inProgress.GetValueOrDefault(userId) - 1;
        if (count > 0)
            _inProgress[userId] = count;
        else
            _inProgress.Remove(userId);
    }

    /// <summary>
    /// Marks as interrupted every message stored as running or waiting that nobody answers any more (its
    /// process crashed, was killed or restarted), so the API and the page both say so and offer Retry.
    /// </summary>
    public async Task<int> MarkInterruptedAsync(CancellationToken cancellationToken) =>
        await MarkInterruptedAsync(await store.UnfinishedAsync(cancellationToken), cancellationToken);

    /// <summary>
    /// Of <paramref name="unfinished"/> (read as running or waiting), marks as interrupted those nobody answers:
    /// not running here, and no instance holds their lease. An answer whose end could not be saved (the app
    /// database was away when it ended) is one of them once the database is back; so is one whose process died.
    /// </summary>
    public async Task<int> MarkInterruptedAsync(IReadOnlyCollection<Guid> unfinished, CancellationToken cancellationToken)
    {
        var orphans = await leases.WithoutLiveRunnerAsync([.. unfinished.Where(id => !_running.ContainsKey(id))], cancellationToken);
        var marked = await store.MarkInterruptedAsync(orphans, InterruptedMessage, cancellationToken);
        if (marked > 0)
            LogInterrupted(logger, marked);
        return marked;
    }

    public const string InterruptedMessage = "This answer was interrupted before it finished (the server stopped while answering). The question is kept: Retry answers it again.";

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

    /// <summary>
    /// Stores one answer's model calls as they complete and remembers which, so the answer does not store them
    /// twice; refuses the next call once a budget is used up (from then on without asking the database again).
    /// </summary>
    private sealed class MessageCallSink(CostLedger ledger, SpendBudget budget, Guid messageId, Guid threadId, string userId) : ILlmCallSink
    {
        private readonly ConcurrentDictionary<LlmCallRecord, byte> _stored = new(ReferenceEqualityComparer.Instance);
        private volatile string? _refused;

        public IReadOnlyCollection<LlmCallRecord> Stored => [.. _stored.Keys];

        /// <summary>Why a model call of this answer was refused, if one was.</summary>
        public string? Refused => _refused;

        public async Task<string?> RefusalAsync(CancellationToken cancellationToken) =>
            _refused ??= await budget.ReachedAsync(userId, cancellationToken);

        public async Task RecordAsync(LlmCallRecord call, CancellationToken cancellationToken)
        {
            await ledger.AppendAsync(messageId, threadId, userId, call, cancellationToken);
            _stored.TryAdd(call, 0);
        }
    }

    /// <summary>Progress&lt;T&gt; posts to a captured context; the runner has none and wants events in order.</summary>
    private sealed class SynchronousProgress(Action<AgentProgress> report) : IProgress<AgentProgress>
    {
        public void Report(AgentProgress value) => report(value);
    }

    private sealed class DemoNotReadyException(string message) : Exception(message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} answers left running by a process that ended were marked interrupted")]
    private static partial void LogInterrupted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} ended {Status}, but the app database is unreachable: it stays running there until a retry or the next start-up")]
    private static partial void LogEndNotSaved(ILogger logger, Exception exception, Guid messageId, MessageStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering message {MessageId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid messageId);
}
