using NlAnalytics.Core.Access;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Conversations;
using NlAnalytics.Core.Data;
using NlAnalytics.Web.Endpoints;

namespace NlAnalytics.Web.Components.Pages.Chat;

/// <summary>How the page should react to a question the session took.</summary>
/// <param name="Taken">The question was saved (the composer clears its box).</param>
/// <param name="OpenThread">The question started a new thread: the page navigates there.</param>
public sealed record SendOutcome(bool Taken, Guid? OpenThread = null);

/// <summary>
/// One signed-in user's chat page without the page: it keeps <see cref="ChatState"/> in step with
/// <see cref="ConversationService"/> (the service the API calls too) and with the answers running on this
/// instance. Every action goes to the service as it is; the service decides (a question asked while another
/// answer runs waits its turn there, for the API alike). The page binds to <see cref="State"/>, renders on
/// <see cref="Progressed"/> and <see cref="AnswerFinished"/> and scrolls, navigates and shows dialogs.
/// </summary>
public sealed class ChatSession(ConversationService conversations, IDataSourceRegistry sources, ISourceAccess access, ICatalogProvider catalogs, AnswerStartLimiter limiter) : IDisposable
{
    private readonly CancellationTokenSource _lifetime = new();
    private int _threadEdits; // renames and archives done here: a read that began before one must not undo it
    // One id per question being composed: a second Send of the same question is recognised by the service.
    private Guid _requestId = Guid.NewGuid();
    private string _userId = "";
    private string? _userName;

    public ChatState State { get; } = new();

    /// <summary>How the next question is answered; starts as the configured default.</summary>
    public AnalysisMode Mode { get; set; } = conversations.DefaultMode;

    public bool LlmAvailable => conversations.LlmAvailable;

    /// <summary>The last refusal of the service, written for the user; the page shows it above the composer.</summary>
    public string? Error { get; set; }

    /// <summary>A question is on its way to the service (a second Send is ignored meanwhile).</summary>
    public bool Sending { get; private set; }

    /// <summary>Hand-edited SQL is on its way to the service.</summary>
    public bool RunningSql { get; private set; }

    /// <summary>Table and column names of the open thread's source, for the SQL editor.</summary>
    public IReadOnlyDictionary<string, string[]>? Completions { get; private set; }

    /// <summary>The sources the user may start a thread on (<see cref="ISourceAccess"/>), read when the page starts and when the demo becomes ready.</summary>
    public IReadOnlyList<DataSource> SourceChoices { get; private set; } = [];

    /// <summary>
    /// Runs the session's follow-up work (an answer's completion) on the page's context; the page sets
    /// its InvokeAsync. By default it runs inline.
    /// </summary>
    public Func<Func<Task>, Task> Dispatch { get; set; } = work => work();

    /// <summary>A running answer reported progress (raised on the worker's thread, often many times a second).</summary>
    public event Action? Progressed;

    /// <summary>An answer shown on the page finished and the message was read again (raised through <see cref="Dispatch"/>).</summary>
    public event Action<Guid>? AnswerFinished;

    /// <summary>How many of a thread's latest messages the page opens with, and how many more "Show earlier" loads.</summary>
    public const int PageSize = 30;

    /// <summary>Cancelled when the page goes away.</summary>
    public CancellationToken Lifetime => _lifetime.Token;

    public async Task StartAsync(string userId, string? userName)
    {
        _userId = userId;
        _userName = userName;
        SourceChoices = await access.AllowedSourcesAsync(userId, Lifetime);
        State.NewThreadSource = SourceChoices.FirstOrDefault()?.Name ?? ConversationService.DemoSourceName;
        await LoadThreadsAsync();
    }

    /// <summary>The latest thread that is not archived, which "/" opens.</summary>
    public ThreadSummary? LatestThread => State.Threads?.FirstOrDefault(t => !t.IsArchived);

    // ---- Opening ------------------------------------------------------------------------------------

    public async Task ShowNewThreadAsync()
    {
        DetachAll();
        State.ShowNewThread();
        await LoadExamplesAsync(State.NewThreadSource);
    }

    /// <summary>Opens a thread with its messages; false (and <see cref="ChatState.NotFound"/>) when the user has no such thread.</summary>
    public async Task<bool> OpenThreadAsync(Guid threadId)
    {
        DetachAll();
        State.Loading = true;
        // Attach before loading: an answer that ends in between is then either seen finished in the database or reported by its completion.
        foreach (var running in conversations.RunningIn(_userId, threadId))
            Attach(running);
        var contents = await conversations.OpenLatestAsync(_userId, threadId, PageSize, Lifetime);
        if (contents is null)
        {
            DetachAll();
            State.ShowNotFound();
            return false;
        }
        State.Thread = contents.Thread;
        State.NotFound = false;
        State.Messages = [.. contents.Messages];
        State.HasOlder = contents.HasOlder;
        State.Totals = contents.Totals;
        State.Examples = [];
        State.Touch(contents);
        await ReconcileAsync();
        State.Loading = false;
        if (State.Messages.Count == 0)
            await LoadExamplesAsync(contents.Thread.DataSource);
        else
            await LoadCompletionsAsync(contents.Thread.DataSource);
        return true;
    }

    /// <summary>"Show earlier": the <see cref="PageSize"/> messages before the first one shown, through the messages API's page query.</summary>
    public async Task LoadEarlierAsync()
    {
        if (State.Thread is not { } thread || !State.HasOlder || State.Messages.Count == 0)
            return;
        if (await conversations.MessagePageAsync(_userId, thread.Id, State.Messages[0].Sequence, PageSize, Lifetime) is not { } page)
            return;
        State.Messages.InsertRange(0, page.Messages.Where(m => State.Messages.All(shown => shown.Id != m.Id)));
        State.HasOlder = page.HasOlder;
        await ReconcileAsync();
    }

    // ---- Asking -------------------------------------------------------------------------------------

    /// <summary>
    /// Asks the question in the open thread (a follow-up), or in a new thread on the chosen source. While an
    /// answer runs, the service saves it to be answered next, exactly as for the API.
    /// </summary>
    public async Task<SendOutcome> SendAsync(string text)
    {
        text = text.Trim();
        if (text.Length == 0 || Sending)
            return new SendOutcome(false);
        Sending = true;
        Error = null;
        try
        {
            if (RateLimited())
                return new SendOutcome(false);
            var command = new AskCommand(text, _requestId, Mode);
            var asked = State.Thread is { } thread
                ? await conversations.AskAsync(_userId, thread.Id, command, Lifetime)
                : await conversations.AskInNewThreadAsync(_userId, State.NewThreadSource, command, Lifetime);
            _requestId = Guid.NewGuid();
            // A new thread: the page opens it, which also puts it in the thread list.
            if (State.Thread?.Id != asked.ThreadId)
                return new SendOutcome(true, asked.ThreadId);
            await RefreshMessagesAsync();
            if (asked.Running is { } running)
                Attach(running);
            return new SendOutcome(true);
        }
        catch (ConversationException ex)
        {
            Error = ex.Message;
            return new SendOutcome(false);
        }
        finally
        {
            Sending = false;
        }
    }

    public async Task StopAsync(Guid messageId)
    {
        if (State.Live.TryGetValue(messageId, out var live))
            live.StopRequested = true;
        try
        {
            await conversations.StopAsync(_userId, messageId, Lifetime);
        }
        catch (ConversationException)
        {
            // It finished meanwhile: its completion refreshes the card.
        }
    }

    public async Task RetryAsync(Guid messageId)
    {
        Error = null;
        if (RateLimited())
            return;
        try
        {
            var asked = await conversations.RetryAsync(_userId, messageId, Mode, Lifetime);
            if (asked.Running is { } running)
                Attach(running);
            await RefreshMessagesAsync();
        }
        catch (ConversationException ex)
        {
            Error = ex.Message;
        }
    }

    /// <summary>Runs SQL (edited or as it was) under the question of <paramref name="messageId"/>, as a new message.</summary>
    public async Task<bool> RunSqlAsync(Guid messageId, string sql)
    {
        if (State.Thread is null || RunningSql)
            return false;
        RunningSql = true;
        Error = null;
        try
        {
            if (RateLimited())
                return false;
            var asked = await conversations.RunSqlAsync(_userId, messageId, sql, Guid.NewGuid(), Lifetime);
            await RefreshMessagesAsync();
            if (asked.Running is { } running)
                Attach(running);
            return true;
        }
        catch (ConversationException ex)
        {
            Error = ex.Message;
            return false;
        }
        finally
        {
            RunningSql = false;
        }
    }

    /// <summary>
    /// Takes one answer from the user's rate-limit bucket, the one the API's ask, retry and run-SQL take from too;
    /// when it is empty, <see cref="Error"/> says how long to wait and nothing is sent (the typed text stays).
    /// </summary>
    private bool RateLimited()
    {
        if (limiter.TryStart(_userId) is not { } seconds)
            return false;
        Error = AnswerStartLimiter.Refusal(seconds) + " Your question is kept.";
        return true;
    }

    /// <summary>Marks an answer correct (it joins the verified-query memory) or no longer correct; false with <see cref="Error"/> when refused.</summary>
    public async Task<bool> MarkCorrectAsync(Guid messageId, bool correct)
    {
        Error = null;
        try
        {
            await conversations.MarkCorrectAsync(_userId, _userName, messageId, correct, Lifetime);
        }
        catch (ConversationException ex)
        {
            Error = ex.Message;
            return false;
        }
        await RefreshMessagesAsync();
        return true;
    }

    // ---- Live answers -------------------------------------------------------------------------------

    private void Attach(RunningAnswer running)
    {
        if (State.Live.ContainsKey(running.MessageId))
            return;
        var live = new LiveAnswer(running);
        State.Live[running.MessageId] = live;
        running.Progressed += live.Handler = _ => Progressed?.Invoke();
        _ = running.Completion.ContinueWith(_ => Dispatch(() => FinishedAsync(running.MessageId)), TaskScheduler.Default);
    }

    private void DetachAll()
    {
        foreach (var live in State.Live.Values)
            live.Running.Progressed -= live.Handler;
        State.Live.Clear();
    }

    private async Task FinishedAsync(Guid messageId)
    {
        if (_lifetime.IsCancellationRequested || !State.Live.TryGetValue(messageId, out var live))
            return;
        live.Running.Progressed -= live.Handler;
        // The answer stays live (the page busy) until the stored outcome is read: whoever sees the page idle
        // sees the message as it ended, not the Pending or Running it was read as before.
        try
        {
            await RefreshMessagesAsync();
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            return;
        }
        finally
        {
            State.Live.Remove(messageId);
        }
        AnswerFinished?.Invoke(messageId);
    }

    /// <summary>
    /// A message stored as Pending/Running with no live answer on this page either runs here (attach to it),
    /// has just finished (read it again), or was interrupted (it stays so, with Retry).
    /// </summary>
    private async Task ReconcileAsync()
    {
        foreach (var message in State.Messages.Where(m => m.Status is MessageStatus.Pending or MessageStatus.Running && !State.Live.ContainsKey(m.Id)).ToList())
        {
            if (conversations.Running(_userId, message.Id) is { } running)
            {
                Attach(running);
                continue;
            }
            if (await conversations.MessageAsync(_userId, message.Id, Lifetime) is { } fresh)
                State.Messages[State.Messages.FindIndex(m => m.Id == message.Id)] = fresh;
        }
    }

    private async Task RefreshMessagesAsync()
    {
        // The messages shown (all those loaded with "Show earlier" too) and any new one: never the whole thread.
        var edits = Volatile.Read(ref _threadEdits);
        if (State.Thread is not { } thread
            || await conversations.OpenLatestAsync(_userId, thread.Id, Math.Max(PageSize, State.Messages.Count + 1), Lifetime) is not { } contents)
            return;
        State.Merge(contents.Messages);
        State.HasOlder = contents.HasOlder;
        State.Totals = contents.Totals;
        // A rename or archive that ended while this read was under way is newer than the thread it read.
        if (edits == Volatile.Read(ref _threadEdits))
            State.Thread = contents.Thread;
        State.Touch(contents);
        await ReconcileAsync();
    }

    // ---- Threads ------------------------------------------------------------------------------------

    public async Task LoadThreadsAsync() =>
        State.Threads = await conversations.ListThreadsAsync(_userId, State.ShowArchived, State.Search, Lifetime);

    public async Task ShowArchivedAsync(bool show)
    {
        State.ShowArchived = show;
        await LoadThreadsAsync();
    }

    public async Task SearchAsync(string text)
    {
        State.Search = text;
        await LoadThreadsAsync();
    }

    public Task<bool> RenameAsync(Guid threadId, string title) => UpdateThreadAsync(threadId, title, null);

    public Task<bool> SetArchivedAsync(Guid threadId, bool archived) => UpdateThreadAsync(threadId, null, archived);

    /// <summary>Deletes a thread (stopping its answers); true when it was the open one.</summary>
    public async Task<bool> DeleteAsync(Guid threadId)
    {
        await conversations.DeleteThreadAsync(_userId, threadId, Lifetime);
        await LoadThreadsAsync();
        return State.Thread?.Id == threadId;
    }

    private async Task<bool> UpdateThreadAsync(Guid threadId, string? title, bool? archived)
    {
        Error = null;
        try
        {
            var updated = await conversations.UpdateThreadAsync(_userId, threadId, title, archived, Lifetime);
            if (State.Thread?.Id == threadId)
                State.Thread = updated;
            Interlocked.Increment(ref _threadEdits);
        }
        catch (ConversationException ex)
        {
            Error = ex.Message;
            return false;
        }
        await LoadThreadsAsync();
        return true;
    }

    // ---- Data sources and examples ----------------------------------------------------------------------

    public async Task ChooseSourceAsync(string source)
    {
        if (!SourceChoices.Any(s => string.Equals(s.Name, source, StringComparison.OrdinalIgnoreCase)))
            return;
        State.NewThreadSource = source;
        await LoadExamplesAsync(source);
    }

    /// <summary>The demo warehouse became ready: a new thread uses the first source, and an empty thread shows its examples.</summary>
    public async Task DemoReadyAsync()
    {
        SourceChoices = await access.AllowedSourcesAsync(_userId, Lifetime);
        if (State.Messages.Count > 0)
            return;
        // A source the analyst already chose (another database, while the demo was being prepared) stays chosen.
        if (State.Thread is null && !SourceChoices.Any(s => string.Equals(s.Name, State.NewThreadSource, StringComparison.OrdinalIgnoreCase)))
            State.NewThreadSource = SourceChoices.FirstOrDefault()?.Name ?? State.NewThreadSource;
        await LoadExamplesAsync(State.Thread?.DataSource ?? State.NewThreadSource);
    }

    public string SourceName(string name) =>
        Find(name)?.DisplayName ?? (IsDemo(name) ? "Demo warehouse" : name);

    public static bool IsDemo(string name) => string.Equals(name, ConversationService.DemoSourceName, StringComparison.OrdinalIgnoreCase);

    private DataSource? Find(string name) => sources.All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    private async Task LoadExamplesAsync(string sourceName)
    {
        State.Examples = [];
        if (Find(sourceName) is not { } source)
            return;
        try
        {
            var catalog = await catalogs.GetAsync(source, Lifetime);
            State.Examples = ExampleQuestions.From(catalog);
            Completions = SqlCompletions.From(catalog);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Examples are a convenience: a source that cannot be read shows none, and asking reports the real error.
            State.Examples = [];
        }
    }

    private async Task LoadCompletionsAsync(string sourceName)
    {
        if (Find(sourceName) is not { } source)
            return;
        try
        {
            Completions = SqlCompletions.From(await catalogs.GetAsync(source, Lifetime));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Completion is a convenience: the editor still edits without it.
            Completions = null;
        }
    }

    public void Dispose()
    {
        _lifetime.Cancel();
        DetachAll();
        // Not disposed: work still awaiting on the page reads its token, and a cancelled source holds nothing to release.
    }
}
