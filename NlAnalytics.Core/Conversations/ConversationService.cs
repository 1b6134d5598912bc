using NlAnalytics.Core.Access;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Core.Offline;

namespace NlAnalytics.Core.Conversations;

/// <summary>
/// Why a conversation action was refused; the web layer maps it to 404, 409, 400, 429 (TooBusy: try again once an
/// answer has ended), 403 (Forbidden: the user sees the thing but may not do that to it) or 503 (Unavailable: the app
/// database cannot be reached).
/// </summary>
public enum ConversationProblem { NotFound, Conflict, Invalid, TooBusy, Forbidden, Unavailable }

/// <summary>A refused conversation action; the message is written for the user (and names the field, for Invalid).</summary>
public sealed class ConversationException(ConversationProblem problem, string message, string? field = null) : Exception(message)
{
    public ConversationProblem Problem { get; } = problem;

    /// <summary>The request field at fault, for <see cref="ConversationProblem.Invalid"/>.</summary>
    public string? Field { get; } = field;
}

/// <summary>A question to ask. Sending the same <see cref="ClientRequestId"/> again is harmless: the first message is returned.</summary>
public sealed record AskCommand(string? Question, Guid ClientRequestId, AnalysisMode? Mode = null);

/// <summary>A message that is being (or was already) answered; <see cref="Running"/> is null once its answer has finished.</summary>
public sealed record AskedQuestion(Guid MessageId, Guid ThreadId, RunningAnswer? Running);

/// <summary>An answer's progress: <see cref="Steps"/> and <see cref="Narrative"/> are empty unless <see cref="Running"/>.</summary>
public sealed record AnswerProgressReport(Guid MessageId, MessageStatus Status, bool Running, IReadOnlyList<AgentProgress> Steps, string Narrative);

/// <summary>A thread with its messages, as a page or a client shows it.</summary>
/// <param name="HasOlder">Messages older than the first of <paramref name="Messages"/> exist (only the latest were read).</param>
public sealed record ThreadContents(ChatThread Thread, IReadOnlyList<MessageView> Messages, ThreadTotals Totals, bool HasOlder = false);

/// <summary>
/// Everything a user can do in a conversation, for the chat page and the API alike: threads, asking
/// (a new thread or a follow-up), stopping, retrying, running hand-edited SQL and marking an answer
/// correct. The rules live here; callers hold only view state. Every method takes the user id and only
/// touches that user's threads: another user's thread or message is reported as not found.
/// </summary>
public sealed class ConversationService(
    ThreadStore store,
    AnswerRunner runner,
    VerifiedQueryStore verifiedQueries,
    IDataSourceRegistry sources,
    ISourceAccess access,
    DemoStatus demo)
{
    public const int MaxQuestionLength = 4000;
    public const int MaxTitleLength = 200;
    public const int MaxSqlLength = 100_000;
    public const string DemoSourceName = DataSource.DemoName;

    public AnalysisMode DefaultMode => runner.DefaultMode;

    public bool LlmAvailable => runner.LlmAvailable;

    // ---- Threads -------------------------------------------------------------------------------------

    /// <summary>
    /// The name of the data source matching <paramref name="name"/> (case-insensitive) that <paramref name="userId"/> may
    /// query, or null: a source they have no access to is not known to them. The demo counts while it is still being
    /// prepared: a thread can be opened and its first answer waits for it.
    /// </summary>
    public async Task<string?> KnownSourceAsync(string name, string userId, CancellationToken cancellationToken)
    {
        var source = sources.All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
        if (source is null && string.Equals(name, DemoSourceName, StringComparison.OrdinalIgnoreCase) && demo.State is DemoState.Preparing or DemoState.Ready)
            source = new DataSource(DemoSourceName, "Demo warehouse", "", null, []) { Origin = DataSourceOrigin.Demo };
        return source is not null && await access.CanQueryAsync(userId, source, cancellationToken) ? source.Name : null;
    }

    /// <summary>Refuses (403) asking more in a thread whose source the user no longer has access to; the thread stays readable.</summary>
    private async Task RequireAccessAsync(string userId, string dataSource, CancellationToken cancellationToken)
    {
        if (await KnownSourceAsync(dataSource, userId, cancellationToken) is null)
            throw new ConversationException(ConversationProblem.Forbidden,
                $"You no longer have access to the data source '{dataSource}' (or it was removed): this thread stays readable, but cannot ask more.");
    }

    public Task<IReadOnlyList<ThreadSummary>> ListThreadsAsync(string userId, bool includeArchived, string? search, CancellationToken cancellationToken) =>
        store.ListAsync(userId, includeArchived, search, cancellationToken);

    public Task<ChatThread?> FindThreadAsync(string userId, Guid threadId, CancellationToken cancellationToken) =>
        store.FindAsync(userId, threadId, cancellationToken);

    /// <summary>A new thread about a configured data source (never a connection string a user typed).</summary>
    public async Task<ChatThread> CreateThreadAsync(string userId, string? dataSource, string? title, CancellationToken cancellationToken)
    {
        var source = await RequireSourceAsync(userId, dataSource, cancellationToken);
        if (title is { Length: > MaxTitleLength })
            throw Invalid("title", $"Keep the title under {MaxTitleLength} characters.");
        return await store.CreateAsync(userId, source, title, cancellationToken);
    }

    /// <summary>Renames and/or archives (true) or restores (false) a thread; fields left null stay as they are.</summary>
    public async Task<ChatThread> UpdateThreadAsync(string userId, Guid threadId, string? title, bool? archived, CancellationToken cancellationToken)
    {
        if (title is null && archived is null)
            throw Invalid("title", "Send a new title, archived (true or false), or both.");
        if (title is not null && string.IsNullOrWhiteSpace(title))
            throw Invalid("title", "The title cannot be empty.");
        if (title is { Length: > MaxTitleLength })
            throw Invalid("title", $"Keep the title under {MaxTitleLength} characters.");
        if (title is not null && !await store.RenameAsync(userId, threadId, title, cancellationToken))
            throw ThreadNotFound();
        if (archived is { } value && !await store.SetArchivedAsync(userId, threadId, value, cancellationToken))
            throw ThreadNotFound();
        return await store.FindAsync(userId, threadId, cancellationToken) ?? throw ThreadNotFound();
    }

    /// <summary>Deletes the thread with its messages; answers still running in it are stopped first, so they spend nothing more.</summary>
    public async Task<bool> DeleteThreadAsync(string userId, Guid threadId, CancellationToken cancellationToken)
    {
        foreach (var running in runner.InThread(threadId).Where(r => r.UserId == userId))
            runner.Stop(running.MessageId);
        return await store.DeleteAsync(userId, threadId, cancellationToken);
    }

    /// <summary>The thread, its messages (oldest first) and its totals, or null.</summary>
    public async Task<ThreadContents?> OpenAsync(string userId, Guid threadId, CancellationToken cancellationToken)
    {
        if (await store.ThreadWithMessagesAsync(userId, threadId, cancellationToken) is not var (thread, messages))
            return null;
        if (await InterruptOrphansAsync(messages, cancellationToken) && await store.ThreadWithMessagesAsync(userId, threadId, cancellationToken) is var (_, reread))
            messages = reread;
        var totals = new ThreadTotals(messages.Count, messages.Sum(m => m.InputTokens), messages.Sum(m => m.OutputTokens), messages.Sum(m => m.CostUsd));
        return new ThreadContents(thread, messages, totals);
    }

    /// <summary>
    /// The thread with only its <paramref name="latest"/> messages (oldest first) and its totals over all of them,
    /// or null: what the chat page opens; earlier ones come with <see cref="MessagePageAsync"/>.
    /// </summary>
    public async Task<ThreadContents?> OpenLatestAsync(string userId, Guid threadId, int latest, CancellationToken cancellationToken)
    {
        if (await store.ThreadWithLatestAsync(userId, threadId, latest, cancellationToken) is not var (thread, page, totals))
            return null;
        if (await InterruptOrphansAsync(page.Messages, cancellationToken) && await store.ThreadWithLatestAsync(userId, threadId, latest, cancellationToken) is var (_, reread, _))
            page = reread;
        return new ThreadContents(thread, page.Messages, totals, page.HasOlder);
    }

    /// <summary>Most messages a page of the messages API holds.</summary>
    public const int MaxPageSize = 200;

    /// <summary>A page of the thread's messages: the <paramref name="limit"/> latest before sequence <paramref name="beforeSequence"/>; null when there is no such thread.</summary>
    public Task<MessagePage?> MessagePageAsync(string userId, Guid threadId, int? beforeSequence, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPageSize)
            throw Invalid("limit", $"limit is 1 to {MaxPageSize}.");
        if (beforeSequence is < 1)
            throw Invalid("before", "before is the sequence number of a message (1 or more).");
        return PageAsync();

        async Task<MessagePage?> PageAsync()
        {
            var page = await store.MessagePageAsync(userId, threadId, beforeSequence, limit, cancellationToken);
            return page is not null && await InterruptOrphansAsync(page.Messages, cancellationToken)
                ? await store.MessagePageAsync(userId, threadId, beforeSequence, limit, cancellationToken)
                : page;
        }
    }

    public async Task<MessageView?> MessageAsync(string userId, Guid messageId, CancellationToken cancellationToken)
    {
        var message = await store.MessageAsync(userId, messageId, cancellationToken);
        return message is not null && await InterruptOrphansAsync([message], cancellationToken)
            ? await store.MessageAsync(userId, messageId, cancellationToken)
            : message;
    }

    /// <summary>
    /// A message read as running or waiting that no answer runs for here is checked against its lease: when
    /// nobody holds it (the answer ended while the app database was away and its end could not be saved, or its
    /// process died), it is marked interrupted now rather than at the next start-up. Costs nothing for messages
    /// that have ended or run here; true when one was marked (read again).
    /// </summary>
    private async Task<bool> InterruptOrphansAsync(IReadOnlyList<MessageView> messages, CancellationToken cancellationToken)
    {
        var suspects = messages.Where(m => m.Status is MessageStatus.Running or MessageStatus.Pending && runner.Find(m.Id) is null).Select(m => m.Id).ToList();
        return suspects.Count > 0 && await runner.MarkInterruptedAsync(suspects, cancellationToken) > 0;
    }

    // ---- Answers running on this instance ------------------------------------------------------------

    /// <summary>The user's answer in progress for a message, if it runs on this instance.</summary>
    public RunningAnswer? Running(string userId, Guid messageId) => runner.Find(messageId) is { } running && running.UserId == userId ? running : null;

    /// <summary>The user's answers in progress in a thread.</summary>
    public IReadOnlyList<RunningAnswer> RunningIn(string userId, Guid threadId) => [.. runner.InThread(threadId).Where(r => r.UserId == userId)];

    /// <summary>
    /// How far the user's answer to a message has got, as the chat page shows it: the steps reached (each with its
    /// latest word) and the narrative streamed so far while it runs on this instance; only the status once it has
    /// ended (or when it runs elsewhere). Null: no such message.
    /// </summary>
    public async Task<AnswerProgressReport?> ProgressAsync(string userId, Guid messageId, CancellationToken cancellationToken)
    {
        var running = Running(userId, messageId);
        // Read after the running answer was taken: an answer that ends in between shows its final status.
        if (await MessageAsync(userId, messageId, cancellationToken) is not { } message)
            return null;
        return running is null || message.CompletedAt is not null
            ? new AnswerProgressReport(messageId, message.Status, false, [], "")
            : new AnswerProgressReport(messageId, message.Status, true, running.Steps, running.Narrative);
    }

    // ---- Asking --------------------------------------------------------------------------------------

    /// <summary>
    /// Saves the question in the thread (a follow-up when the thread has answers) and starts answering it.
    /// An answer still running in the thread finishes first: the new one builds on it.
    /// </summary>
    public Task<AskedQuestion> AskAsync(string userId, Guid threadId, AskCommand command, CancellationToken cancellationToken) =>
        Guarded(() => AskCoreAsync(userId, threadId, command, cancellationToken));

    /// <summary>
    /// Creates a thread on <paramref name="dataSource"/> for the first question and asks it. Sending the same
    /// request again (a double click, a resend after a reconnect) finds the first message and its thread.
    /// </summary>
    public Task<AskedQuestion> AskInNewThreadAsync(string userId, string? dataSource, AskCommand command, CancellationToken cancellationToken) =>
        Guarded(() => AskInNewThreadCoreAsync(userId, dataSource, command, cancellationToken));

    /// <summary>Stops the user's running answer. Not found: no such message; conflict: it is not running.</summary>
    public Task<(MessageView Message, Guid ThreadId)> StopAsync(string userId, Guid messageId, CancellationToken cancellationToken) =>
        Guarded(() => StopCoreAsync(userId, messageId, cancellationToken));

    /// <summary>
    /// Answers a failed, stopped, declined or interrupted message again, in place. A message answered
    /// from hand-written SQL runs that SQL again; it never becomes a question for the analyst.
    /// </summary>
    public Task<AskedQuestion> RetryAsync(string userId, Guid messageId, AnalysisMode? mode, CancellationToken cancellationToken) =>
        Guarded(() => RetryCoreAsync(userId, messageId, mode, cancellationToken));

    /// <summary>
    /// Runs <paramref name="sql"/> (the analyst's edit of the answer to <paramref name="messageId"/>, or the same
    /// SQL again) as a new message of the thread, under that message's question. The SQL is stored with the
    /// message before it runs, so a retry runs the SQL again.
    /// </summary>
    public Task<AskedQuestion> RunSqlAsync(string userId, Guid messageId, string? sql, Guid clientRequestId, CancellationToken cancellationToken) =>
        Guarded(() => RunSqlCoreAsync(userId, messageId, sql, clientRequestId, cancellationToken));

    /// <summary>An unreachable app database becomes a refusal the page and the API can show (503), not an error that ends the page.</summary>
    private static async Task<T> Guarded<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is not ConversationException && AppDatabaseOutage.Is(ex))
        {
            AppDatabaseOutage.ForgetConnections();
            throw new ConversationException(ConversationProblem.Unavailable, AppDatabaseOutage.UserMessage);
        }
    }

    // ---- Implementations -----------------------------------------------------------------------------

    private async Task<AskedQuestion> AskCoreAsync(string userId, Guid threadId, AskCommand command, CancellationToken cancellationToken)
    {
        var question = Validate(command);
        Reserve(userId);
        var added = await AddAsync(userId, threadId, question, command.ClientRequestId, null, cancellationToken);
        return await StartAsync(userId, added, command.Mode, null, false);
    }

    private async Task<AskedQuestion> AskInNewThreadCoreAsync(string userId, string? dataSource, AskCommand command, CancellationToken cancellationToken)
    {
        var question = Validate(command);
        var source = await RequireSourceAsync(userId, dataSource, cancellationToken);
        Reserve(userId);
        AddedQuestion added;
        var messageId = Guid.Empty;
        try
        {
            messageId = await runner.ClaimAsync(cancellationToken);
            added = await store.CreateWithQuestionAsync(userId, source, question, command.ClientRequestId, MessageStatus.Running, messageId, cancellationToken) with { ClaimedId = messageId };
        }
        catch (InvalidOperationException ex) when (!AppDatabaseOutage.Is(ex))
        {
            await GiveBackAsync(userId, messageId);
            throw RequestIdUsed();
        }
        catch
        {
            await GiveBackAsync(userId, messageId);
            throw;
        }
        return await StartAsync(userId, added, command.Mode, null, false);
    }

    private async Task<(MessageView Message, Guid ThreadId)> StopCoreAsync(string userId, Guid messageId, CancellationToken cancellationToken)
    {
        var message = await store.MessageAsync(userId, messageId, cancellationToken) ?? throw MessageNotFound();
        if (Running(userId, messageId) is not { } running || !runner.Stop(messageId))
            throw new ConversationException(ConversationProblem.Conflict, $"This answer is not running (it is {Describe(message.Status)}), so there is nothing to stop.");
        return (message, running.ThreadId);
    }

    private async Task<AskedQuestion> RetryCoreAsync(string userId, Guid messageId, AnalysisMode? mode, CancellationToken cancellationToken)
    {
        ValidateMode(mode);
        if (Running(userId, messageId) is { } alreadyRunning)
            return new AskedQuestion(messageId, alreadyRunning.ThreadId, alreadyRunning);
        var message = await store.RetryContextAsync(userId, messageId, cancellationToken) ?? throw MessageNotFound();
        // A message answered successfully stays as the user saw it; asking again makes a new message.
        if (message.Status == MessageStatus.Succeeded)
            throw new ConversationException(ConversationProblem.Conflict, "This question was answered successfully; ask it again to get a new answer.");
        await RequireAccessAsync(userId, message.DataSource, cancellationToken);
        var manual = message.Path == nameof(AnswerPath.Manual) && message.Sql is not null;
        Reserve(userId);
        var running = runner.Start(new AnswerJob(userId, message.ThreadId, message.MessageId, message.Sequence, message.StandaloneQuestion ?? message.Question, mode,
            message.DataSource, message.History, SavedAsRunning: false, manual ? message.Sql : null, manual && message.Interpretation?.Summary == ManualQueryRunner.EditedSummary), reserved: true);
        return new AskedQuestion(message.MessageId, message.ThreadId, running);
    }

    private async Task<AskedQuestion> RunSqlCoreAsync(string userId, Guid messageId, string? sql, Guid clientRequestId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(sql))
            throw Invalid("sql", "Write the SQL to run first.");
        if (sql.Length > MaxSqlLength)
            throw Invalid("sql", $"Keep the SQL under {MaxSqlLength:N0} characters.");
        if (clientRequestId == Guid.Empty)
            throw Invalid("clientRequestId", "Send a new GUID per run as clientRequestId; resending it makes a retry harmless.");
        var source = await store.RetryContextAsync(userId, messageId, cancellationToken) ?? throw MessageNotFound();
        await RequireAccessAsync(userId, source.DataSource, cancellationToken);
        var edited = source.Sql is null || Normalize(sql) != Normalize(source.Sql);
        var question = Trim(source.StandaloneQuestion ?? source.Question, MaxQuestionLength);
        var manual = new ManualSql(sql, new Interpretation(edited ? ManualQueryRunner.EditedSummary : ManualQueryRunner.RerunSummary));
        Reserve(userId);
        var added = await AddAsync(userId, source.ThreadId, question, clientRequestId, manual, cancellationToken);
        return await StartAsync(userId, added, null, manual.Sql, edited);
    }

    /// <summary>
    /// Marks an answer correct (or no longer correct). A correct answer's question, in the asker's own words, and its
    /// SQL go to the verified-query memory as this user's entry: it serves them at once and others once approved
    /// (<see cref="VerifiedAnswers"/>). A follow-up whose words were rewritten into a standalone question is marked but
    /// not remembered: its own words do not stand alone, and the rewrite (possibly a model's, steerable by the asker)
    /// must never become the key another user's question is matched on.
    /// </summary>
    public async Task<MessageView> MarkCorrectAsync(string userId, string? userName, Guid messageId, bool correct, CancellationToken cancellationToken)
    {
        var message = await store.MessageAsync(userId, messageId, cancellationToken) ?? throw MessageNotFound();
        if (correct && (message.Status != MessageStatus.Succeeded || message.Sql is null))
            throw new ConversationException(ConversationProblem.Conflict, $"Only an answered question can be marked correct; this one is {Describe(message.Status)}.");
        var context = await store.RetryContextAsync(userId, messageId, cancellationToken) ?? throw MessageNotFound();
        if (!await store.SetVerifiedAsync(userId, messageId, correct, cancellationToken))
            throw MessageNotFound();
        var question = message.Question;
        var rewritten = message.StandaloneQuestion is { } standalone
            && VerifiedQueryStore.Normalize(standalone) != VerifiedQueryStore.Normalize(question);
        if (message.Sql is { } sql)
        {
            if (!correct)
                await verifiedQueries.UnmarkAsync(context.DataSource, question, sql, userId, cancellationToken);
            else if (!rewritten)
                await verifiedQueries.MarkCorrectAsync(context.DataSource, question, sql, userId, userName, cancellationToken);
        }
        return message with { IsVerified = correct };
    }

    // ---- Rules ---------------------------------------------------------------------------------------

    private async Task<AskedQuestion> StartAsync(string userId, AddedQuestion added, AnalysisMode? mode, string? sql, bool edited)
    {
        var message = added.Message;
        if (!added.Created)
        {
            // A resend: the first send's message (and its answer) stand; the id claimed for this one goes back.
            await GiveBackAsync(userId, added.ClaimedId);
            return new AskedQuestion(message.Id, message.ThreadId, Running(userId, message.Id));
        }
        var running = runner.Start(new AnswerJob(userId, message.ThreadId, message.Id, message.Sequence, message.Question, mode,
            added.DataSource, added.History, message.Status == MessageStatus.Running, sql, edited, SavedWhileAnotherRan: message.Status == MessageStatus.Pending,
            QuestionSavedAt: message.CreatedAt), reserved: true);
        return new AskedQuestion(message.Id, message.ThreadId, running);
    }

    private async Task<AddedQuestion> AddAsync(string userId, Guid threadId, string question, Guid clientRequestId, ManualSql? sql, CancellationToken cancellationToken)
    {
        var messageId = Guid.Empty;
        try
        {
            // The answer lease is held before the question is saved, so the saved message is never without it.
            messageId = await runner.ClaimAsync(cancellationToken);
            // Saved as running when nothing else runs in the thread: the answer starts at once.
            var status = runner.IsIdle(threadId) ? MessageStatus.Running : MessageStatus.Pending;
            // The thread's source is checked once the thread is read, before the question is saved (no extra read).
            return await store.AddQuestionAsync(userId, threadId, question, clientRequestId, sql, status, messageId, cancellationToken,
                mayAsk: source => RequireAccessAsync(userId, source, cancellationToken)) with { ClaimedId = messageId };
        }
        catch (Exception ex) when (AppDatabaseOutage.Is(ex))
        {
            // EF reports an unreachable server as an InvalidOperationException ("transient failure"): not a used request id.
            await GiveBackAsync(userId, messageId);
            throw;
        }
        catch (KeyNotFoundException)
        {
            await GiveBackAsync(userId, messageId);
            throw ThreadNotFound();
        }
        catch (SequenceTakenException)
        {
            await GiveBackAsync(userId, messageId);
            throw new ConversationException(ConversationProblem.Conflict,
                "Another question was saved in this thread at the same moment. Send yours again (with a new clientRequestId).");
        }
        catch (InvalidOperationException)
        {
            await GiveBackAsync(userId, messageId);
            throw RequestIdUsed();
        }
        catch
        {
            // Nothing was saved: the reservation and the lease made for it go back.
            await GiveBackAsync(userId, messageId);
            throw;
        }
    }

    /// <summary>Gives back the user's reservation and the lease of an id claimed for a question that was not saved.</summary>
    private async Task GiveBackAsync(string userId, Guid claimedId)
    {
        runner.Unreserve(userId);
        if (claimedId != Guid.Empty)
            await runner.ReleaseClaimAsync(claimedId);
    }

    /// <summary>Reserves one of the user's answers in progress, or refuses: the limit keeps one user from holding every worker.</summary>
    private void Reserve(string userId)
    {
        if (!runner.TryReserve(userId))
            throw new ConversationException(ConversationProblem.TooBusy, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"You already have {runner.InProgress(userId)} answers in progress, the most one user may have at once. Wait for one to finish (or stop one), then ask again."));
    }

    private static ConversationException RequestIdUsed() =>
        new(ConversationProblem.Conflict, "This clientRequestId was already used for another question. Send a new GUID for each question.");

    private string Validate(AskCommand command)
    {
        if (string.IsNullOrWhiteSpace(command.Question))
            throw Invalid("question", "Type a question first.");
        if (command.Question.Length > MaxQuestionLength)
            throw Invalid("question", $"Keep the question under {MaxQuestionLength} characters.");
        if (command.ClientRequestId == Guid.Empty)
            throw Invalid("clientRequestId", "Send a new GUID per question as clientRequestId; resending it makes a retry harmless.");
        ValidateMode(command.Mode);
        return command.Question.Trim();
    }

    private void ValidateMode(AnalysisMode? mode)
    {
        if (mode == AnalysisMode.Llm && !LlmAvailable)
            throw Invalid("mode", "LLM mode needs a language model, and none is configured. Use offline mode, or leave the mode out.");
    }

    private async Task<string> RequireSourceAsync(string userId, string? dataSource, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(dataSource))
            throw Invalid("dataSource", "Choose a data source (GET /api/data-sources lists them).");
        // A source the user has no access to is refused exactly like one that does not exist.
        return await KnownSourceAsync(dataSource.Trim(), userId, cancellationToken)
            ?? throw Invalid("dataSource", $"There is no data source named '{dataSource.Trim()}'. GET /api/data-sources lists them.");
    }

    /// <summary>Whitespace and a trailing semicolon do not make an edit.</summary>
    private static string Normalize(string sql) => string.Join(' ', sql.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).TrimEnd(';', ' ');

    private static string Trim(string text, int max) => text.Length <= max ? text : text[..max];

    internal static string Describe(MessageStatus status) => status switch
    {
        MessageStatus.Pending => "waiting to start",
        MessageStatus.Running => "running",
        MessageStatus.Succeeded => "answered",
        MessageStatus.Failed => "failed",
        MessageStatus.Cancelled => "stopped",
        MessageStatus.Declined => "declined",
        MessageStatus.Interrupted => "interrupted",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static ConversationException Invalid(string field, string message) => new(ConversationProblem.Invalid, message, field);

    private static ConversationException ThreadNotFound() => new(ConversationProblem.NotFound, "There is no such thread.");

    private static ConversationException MessageNotFound() => new(ConversationProblem.NotFound, "There is no such message.");
}
