using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Retrieval;

namespace NlAnalytics.Core.Conversations;

/// <summary>A thread in a list; its tokens and dollars are sums of the cost ledger's rows for it (every priced model call).</summary>
public sealed record ThreadSummary(Guid Id, string Title, string DataSource, bool IsArchived, DateTimeOffset UpdatedAt, int MessageCount, decimal CostUsd,
    long InputTokens = 0, long OutputTokens = 0);

/// <summary>A page of a thread's messages (oldest first) and whether there are older ones.</summary>
public sealed record MessagePage(IReadOnlyList<MessageView> Messages, bool HasOlder);

public sealed record ThreadTotals(int Messages, long InputTokens, long OutputTokens, decimal CostUsd);

/// <summary>SQL an analyst wrote for a message, and how to describe it.</summary>
public sealed record ManualSql(string Sql, Interpretation Interpretation);

/// <summary>A saved question (or the one a resend found) and what answering it needs.</summary>
public sealed record AddedQuestion(ChatMessage Message, bool Created, string DataSource, IReadOnlyList<ThreadTurn> History)
{
    public void Deconstruct(out ChatMessage message, out bool created) => (message, created) = (Message, Created);

    /// <summary>The id the caller claimed (and holds the lease of) for this question; not the message's when it was a resend.</summary>
    public Guid ClaimedId { get; init; }
}

/// <summary>A stored message and what answering it again needs.</summary>
public sealed record RetryContext(
    Guid MessageId, Guid ThreadId, int Sequence, string Question, string? StandaloneQuestion, MessageStatus Status,
    string? Path, string? Sql, Interpretation? Interpretation, string DataSource, IReadOnlyList<ThreadTurn> History);

/// <summary>Another save took the sequence number every retry read: the thread is too busy for this one (HTTP 409).</summary>
public sealed class SequenceTakenException(Exception inner) : Exception("Another question was saved in this thread at the same moment.", inner);

/// <summary>
/// Threads and messages of one user. Every method takes the user id and only ever touches that user's
/// rows, so nobody sees another user's threads.
/// </summary>
public sealed class ThreadStore(IDbContextFactory<AppDbContext> contextFactory, TimeProvider clock)
{
    public async Task<ChatThread> CreateAsync(string userId, string dataSource, string? title, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var thread = new ChatThread
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            DataSource = dataSource,
            Title = string.IsNullOrWhiteSpace(title) ? NewThreadTitle : Trim(title, 200),
            CreatedAt = now,
            UpdatedAt = now,
        };
        context.Threads.Add(thread);
        await context.SaveChangesAsync(cancellationToken);
        Remember(thread.Id, userId, dataSource);
        return thread;
    }

    private const string NewThreadTitle = "New thread";

    /// <summary>The user's threads, newest first; <paramref name="search"/> matches titles and message text.</summary>
    public async Task<IReadOnlyList<ThreadSummary>> ListAsync(string userId, bool includeArchived, string? search, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = context.Threads.AsNoTracking().Where(t => t.UserId == userId);
        if (!includeArchived)
            query = query.Where(t => !t.IsArchived);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = "%" + EscapeLike(search.Trim()) + "%";
            query = query.Where(t => EF.Functions.ILike(t.Title, pattern, "\\")
                || t.Messages.Any(m => EF.Functions.ILike(m.Question, pattern, "\\") || (m.Narrative != null && EF.Functions.ILike(m.Narrative, pattern, "\\"))));
        }
        return await query.OrderByDescending(t => t.UpdatedAt)
            .Select(t => new ThreadSummary(t.Id, t.Title, t.DataSource, t.IsArchived, t.UpdatedAt, t.Messages.Count,
                context.LlmCalls.Where(c => c.ThreadId == t.Id).Sum(c => c.CostUsd),
                context.LlmCalls.Where(c => c.ThreadId == t.Id).Sum(c => c.InputTokens),
                context.LlmCalls.Where(c => c.ThreadId == t.Id).Sum(c => c.OutputTokens)))
            .Take(500)
            .ToListAsync(cancellationToken);
    }

    public async Task<ChatThread?> FindAsync(string userId, Guid threadId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await context.Threads.AsNoTracking().FirstOrDefaultAsync(t => t.Id == threadId && t.UserId == userId, cancellationToken);
    }

    public Task<bool> RenameAsync(string userId, Guid threadId, string title, CancellationToken cancellationToken) =>
        UpdateAsync(userId, threadId, t => t.Title = string.IsNullOrWhiteSpace(title) ? t.Title : Trim(title, 200), cancellationToken);

    public Task<bool> SetArchivedAsync(string userId, Guid threadId, bool archived, CancellationToken cancellationToken) =>
        UpdateAsync(userId, threadId, t => t.IsArchived = archived, cancellationToken);

    public async Task<bool> DeleteAsync(string userId, Guid threadId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var deleted = await context.Threads.Where(t => t.Id == threadId && t.UserId == userId).ExecuteDeleteAsync(cancellationToken) > 0;
        if (deleted)
            _known.TryRemove(threadId, out _);
        return deleted;
    }

    public async Task<IReadOnlyList<MessageView>> MessagesAsync(string userId, Guid threadId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var messages = await context.Messages.AsNoTracking().Include(m => m.Calls)
            .Where(m => m.ThreadId == threadId && m.Thread!.UserId == userId)
            .OrderBy(m => m.Sequence)
            .ToListAsync(cancellationToken);
        return [.. messages.Select(ToView)];
    }

    /// <summary>
    /// One page of the thread's messages, oldest first: the <paramref name="limit"/> latest before sequence number
    /// <paramref name="beforeSequence"/> (or the latest), and whether older ones exist. Null when the thread is not the user's.
    /// </summary>
    public async Task<MessagePage?> MessagePageAsync(string userId, Guid threadId, int? beforeSequence, int limit, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (!await context.Threads.AnyAsync(t => t.Id == threadId && t.UserId == userId, cancellationToken))
            return null;
        return await PageAsync(context, threadId, beforeSequence, limit, cancellationToken);
    }

    /// <summary>
    /// The thread, its <paramref name="limit"/> latest messages (the messages API's page query) and its totals over
    /// every message (the ledger's priced calls, summed in the database): what the chat page opens, however long the thread is.
    /// </summary>
    public async Task<(ChatThread Thread, MessagePage Latest, ThreadTotals Totals)?> ThreadWithLatestAsync(string userId, Guid threadId, int limit, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        // Two round trips: the thread with its totals, then the page (as one query).
        var row = await context.Threads.AsNoTracking().Where(t => t.Id == threadId && t.UserId == userId)
            .Select(t => new
            {
                Thread = t,
                Count = t.Messages.Count(),
                // The cost ledger's rows, as the thread list sums them, so the list's line keeps its figures once opened.
                Input = context.LlmCalls.Where(c => c.ThreadId == t.Id).Sum(c => c.InputTokens),
                Output = context.LlmCalls.Where(c => c.ThreadId == t.Id).Sum(c => c.OutputTokens),
                Cost = context.LlmCalls.Where(c => c.ThreadId == t.Id).Sum(c => c.CostUsd),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (row is null)
            return null;
        return (row.Thread, await PageAsync(context, threadId, null, limit, cancellationToken, singleQuery: true), new ThreadTotals(row.Count, row.Input, row.Output, row.Cost));
    }

    private static async Task<MessagePage> PageAsync(AppDbContext context, Guid threadId, int? beforeSequence, int limit, CancellationToken cancellationToken, bool singleQuery = false)
    {
        var query = context.Messages.AsNoTracking().Include(m => m.Calls).Where(m => m.ThreadId == threadId);
        if (beforeSequence is { } before)
            query = query.Where(m => m.Sequence < before);
        var ordered = query.OrderByDescending(m => m.Sequence).Take(limit + 1);
        var newestFirst = await (singleQuery ? ordered.AsSingleQuery() : ordered.AsSplitQuery()).ToListAsync(cancellationToken);
        var page = newestFirst.Take(limit).Reverse().Select(ToView).ToList();
        return new MessagePage(page, newestFirst.Count > limit);
    }

    public async Task<MessageView?> MessageAsync(string userId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var message = await context.Messages.AsNoTracking().Include(m => m.Calls)
            .FirstOrDefaultAsync(m => m.Id == messageId && m.Thread!.UserId == userId, cancellationToken);
        return message is null ? null : ToView(message);
    }

    /// <summary>The user's message sent with <paramref name="clientRequestId"/>, or null (also when someone else sent it).</summary>
    public async Task<MessageView?> MessageByClientRequestAsync(string userId, Guid clientRequestId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var message = await context.Messages.AsNoTracking().Include(m => m.Calls)
            .FirstOrDefaultAsync(m => m.ClientRequestId == clientRequestId && m.Thread!.UserId == userId, cancellationToken);
        return message is null ? null : ToView(message);
    }

    public async Task<Guid?> ThreadOfAsync(string userId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await context.Messages.Where(m => m.Id == messageId && m.Thread!.UserId == userId).Select(m => (Guid?)m.ThreadId).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<ThreadTotals> TotalsAsync(string userId, Guid threadId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = context.Messages.Where(m => m.ThreadId == threadId && m.Thread!.UserId == userId);
        return new ThreadTotals(
            await rows.CountAsync(cancellationToken),
            await rows.SumAsync(m => m.InputTokens, cancellationToken),
            await rows.SumAsync(m => m.OutputTokens, cancellationToken),
            await rows.SumAsync(m => m.CostUsd, cancellationToken));
    }

    /// <summary>
    /// Saves the question before any work starts. The same <paramref name="clientRequestId"/> sent twice
    /// (double click, resend after a reconnect) returns the existing message instead of a duplicate.
    /// </summary>
    public async Task<AddedQuestion> AddQuestionAsync(string userId, Guid threadId, string question, Guid clientRequestId, CancellationToken cancellationToken) =>
        await AddQuestionAsync(userId, threadId, question, clientRequestId, null, MessageStatus.Pending, Guid.CreateVersion7(), cancellationToken);

    /// <summary>
    /// Saves the question (one read, one write) and returns what answering it needs: the thread's data
    /// source and its earlier answered turns.
    /// </summary>
    /// <param name="manualSql">SQL the analyst wrote for this question: stored before it runs, so a retry runs it again.</param>
    /// <param name="status">Running when the answer starts at once; Pending when it waits for another.</param>
    /// <param name="messageId">The new message's id, chosen by the caller so its answer lease can be held before it is saved.</param>
    /// <param name="mayAsk">Checks the thread's data source once the thread is read, before anything is saved; throws to refuse.</param>
    public async Task<AddedQuestion> AddQuestionAsync(string userId, Guid threadId, string question, Guid clientRequestId, ManualSql? manualSql, MessageStatus status, Guid messageId, CancellationToken cancellationToken,
        Func<string, Task>? mayAsk = null)
    {
        // The next sequence number is read, then inserted under the unique (thread, sequence) index: two saves
        // racing in one thread make one of them fail that index, and it reads and tries again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryAddQuestionAsync(userId, threadId, question, clientRequestId, manualSql, status, messageId, mayAsk, cancellationToken);
            }
            catch (Exception e) when (e is DbUpdateException or Npgsql.PostgresException && IsSequenceTaken(e))
            {
                if (attempt == SequenceAttempts)
                    throw new SequenceTakenException(e);
            }
        }
    }

    /// <summary>How often a save retries after another took its sequence number; past that the caller gets a conflict (409).</summary>
    private const int SequenceAttempts = 5;

    private static bool IsSequenceTaken(Exception e) =>
        (e as Npgsql.PostgresException ?? e.InnerException as Npgsql.PostgresException) is { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation } unique
        && unique.ConstraintName?.Contains("Sequence", StringComparison.OrdinalIgnoreCase) == true;

    private async Task<AddedQuestion> TryAddQuestionAsync(string userId, Guid threadId, string question, Guid clientRequestId, ManualSql? manualSql, MessageStatus status, Guid messageId, Func<string, Task>? mayAsk, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (_known.TryGetValue(threadId, out var known) && known.UserId == userId)
        {
            // The thread's owner and source never change: checked from memory, then the question goes in one round trip.
            if (mayAsk is not null)
                await mayAsk(known.DataSource);
            return await AddToKnownThreadAsync(context, userId, threadId, known.DataSource, question, clientRequestId, manualSql, status, messageId, cancellationToken);
        }
        var thread = await context.Threads.AsNoTracking()
            .Where(t => t.Id == threadId && t.UserId == userId)
            .Select(t => new
            {
                t.Title,
                t.DataSource,
                t.CreatedAt,
                Last = t.Messages.Max(m => (int?)m.Sequence),
                History = t.Messages.Where(m => m.Status == MessageStatus.Succeeded).OrderByDescending(m => m.Sequence).Take(HistoryTurns)
                    .Select(m => new TurnRow(m.Question, m.StandaloneQuestion, m.Sql, m.Narrative, m.ChartJson)).ToList(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        // Not the user's (or gone, with its messages): no resend of theirs can be in it, and another's must not be revealed.
        if (thread is null)
            throw new KeyNotFoundException("This thread does not exist or belongs to someone else.");
        Remember(threadId, userId, thread.DataSource);
        if (mayAsk is not null)
            await mayAsk(thread.DataSource);

        var now = clock.GetUtcNow();
        var message = NewMessage(messageId, threadId, (thread.Last ?? 0) + 1, question, clientRequestId, manualSql, status, now);
        context.Messages.Add(message);
        // The thread is not read for tracking: only the columns that change are written.
        var stub = new ChatThread { Id = threadId, UserId = userId, DataSource = thread.DataSource, Title = thread.Title, CreatedAt = thread.CreatedAt };
        context.Threads.Attach(stub);
        stub.UpdatedAt = now;
        context.Entry(stub).Property(t => t.UpdatedAt).IsModified = true;
        if (message.Sequence == 1 && thread.Title == NewThreadTitle)
        {
            stub.Title = TitleFrom(question);
            context.Entry(stub).Property(t => t.Title).IsModified = true;
        }
        try
        {
            await context.SaveChangesAsync(cancellationToken);
            return new AddedQuestion(message, true, thread.DataSource, Turns(thread.History));
        }
        catch (DbUpdateException e) when (!IsSequenceTaken(e))
        {
            // A resend (or two sends racing): the unique index on the request id kept the first.
            if (await ResentAsync(userId, threadId, clientRequestId, cancellationToken) is { } resent)
                return resent;
            throw;
        }
    }

    /// <summary>
    /// The question saved in a thread whose owner and source are known, in one round trip (one implicit transaction):
    /// the message with the next sequence number, the thread's answered turns for the answer, and the thread's time
    /// (and title, for its first question). A thread that is gone (or not the user's) inserts nothing.
    /// </summary>
    private async Task<AddedQuestion> AddToKnownThreadAsync(AppDbContext context, string userId, Guid threadId, string dataSource, string question, Guid clientRequestId,
        ManualSql? manualSql, MessageStatus status, Guid messageId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var message = NewMessage(messageId, threadId, 0, question, clientRequestId, manualSql, status, now);
        await context.Database.OpenConnectionAsync(cancellationToken);
        var connection = (Npgsql.NpgsqlConnection)context.Database.GetDbConnection();
        await using var batch = new Npgsql.NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command("""
            INSERT INTO messages ("Id", "ThreadId", "Sequence", "ClientRequestId", "Question", "Status", "CreatedAt", "Path", "Sql", "InterpretationJson",
                                  "InputTokens", "OutputTokens", "CostUsd", "IsVerified")
            SELECT @id, t."Id", COALESCE((SELECT max(m."Sequence") FROM messages AS m WHERE m."ThreadId" = t."Id"), 0) + 1, @request, @question, @status, @now,
                   @path, @sql, @interpretation, 0, 0, 0, FALSE
            FROM threads AS t WHERE t."Id" = @thread AND t."UserId" = @user
            RETURNING "Sequence"
            """,
            ("id", message.Id), ("thread", threadId), ("user", userId), ("request", clientRequestId), ("question", message.Question),
            ("status", message.Status.ToString()), ("now", now), ("path", (object?)message.Path ?? DBNull.Value), ("sql", (object?)message.Sql ?? DBNull.Value),
            ("interpretation", message.InterpretationJson is { } json ? new Npgsql.NpgsqlParameter { Value = json, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb } : DBNull.Value)));
        batch.BatchCommands.Add(Command($"""
            SELECT m."Question", m."StandaloneQuestion", m."Sql", m."Narrative", m."ChartJson" FROM messages AS m
            WHERE m."ThreadId" = @thread AND m."Status" = '{nameof(MessageStatus.Succeeded)}' ORDER BY m."Sequence" DESC LIMIT {HistoryTurns}
            """, ("thread", threadId)));
        batch.BatchCommands.Add(Command("""
            UPDATE threads SET "UpdatedAt" = @now,
                "Title" = CASE WHEN "Title" = @untitled AND (SELECT max(m."Sequence") FROM messages AS m WHERE m."ThreadId" = @thread) = 1 THEN @title ELSE "Title" END
            WHERE "Id" = @thread AND "UserId" = @user
            """, ("now", now), ("untitled", NewThreadTitle), ("title", TitleFrom(question)), ("thread", threadId), ("user", userId)));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        int? sequence = null;
        var history = new List<TurnRow>();
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
                sequence = reader.GetInt32(0);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                history.Add(new TurnRow(reader.GetString(0), Text(1), Text(2), Text(3), Text(4)));
            string? Text(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation && !IsSequenceTaken(e))
        {
            // A resend (or two sends racing): the unique index on the request id kept the first.
            return await ResentAsync(userId, threadId, clientRequestId, cancellationToken) ?? throw new InvalidOperationException("The question could not be saved.", e);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.ForeignKeyViolation)
        {
            sequence = null;
        }
        finally
        {
            AppDatabaseCommands.CountRaw(batch.BatchCommands[0].CommandText, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        if (sequence is not { } saved)
        {
            _known.TryRemove(threadId, out _);
            throw new KeyNotFoundException("This thread does not exist or belongs to someone else.");
        }
        message.Sequence = saved;
        return new AddedQuestion(message, true, dataSource, Turns(history));
    }

    private static Npgsql.NpgsqlBatchCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new Npgsql.NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            if (value is Npgsql.NpgsqlParameter typed)
            {
                typed.ParameterName = name;
                command.Parameters.Add(typed);
            }
            else
                command.Parameters.AddWithValue(name, value);
        }
        return command;
    }

    /// <summary>Owner and source of the threads questions were saved in: neither ever changes, so the save need not read them.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (string UserId, string DataSource)> _known = new();

    private const int MaxKnownThreads = 100_000;

    private void Remember(Guid threadId, string userId, string dataSource)
    {
        if (_known.Count >= MaxKnownThreads)
            _known.Clear();
        _known[threadId] = (userId, dataSource);
    }

    /// <summary>A new thread with its first question, in one write. A resend of the same request finds the first message and its thread.</summary>
    public async Task<AddedQuestion> CreateWithQuestionAsync(string userId, string dataSource, string question, Guid clientRequestId, MessageStatus status, Guid messageId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var thread = new ChatThread { Id = Guid.CreateVersion7(now), UserId = userId, DataSource = dataSource, Title = TitleFrom(question), CreatedAt = now, UpdatedAt = now };
        var message = NewMessage(messageId, thread.Id, 1, question, clientRequestId, null, status, now);
        context.Threads.Add(thread);
        context.Messages.Add(message);
        try
        {
            await context.SaveChangesAsync(cancellationToken);
            Remember(thread.Id, userId, dataSource);
            return new AddedQuestion(message, true, dataSource, []);
        }
        catch (DbUpdateException)
        {
            var sent = await FindByRequestAsync(clientRequestId, cancellationToken);
            if (sent is null)
                throw;
            if (sent.Thread?.UserId != userId)
                throw new InvalidOperationException("This request id is already used by another question. Send the question again.");
            return new AddedQuestion(sent, false, sent.Thread.DataSource, []);
        }
    }

    /// <summary>A stored message and what answering it again needs (one read), or null when it is not the user's.</summary>
    public async Task<RetryContext?> RetryContextAsync(string userId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var row = await context.Messages.AsNoTracking()
            .Where(m => m.Id == messageId && m.Thread!.UserId == userId)
            .Select(m => new
            {
                m.Id, m.ThreadId, m.Sequence, m.Question, m.StandaloneQuestion, m.Status, m.Path, m.Sql, m.InterpretationJson,
                m.Thread!.DataSource,
                History = m.Thread.Messages.Where(e => e.Sequence < m.Sequence && e.Status == MessageStatus.Succeeded).OrderByDescending(e => e.Sequence).Take(HistoryTurns)
                    .Select(e => new TurnRow(e.Question, e.StandaloneQuestion, e.Sql, e.Narrative, e.ChartJson)).ToList(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : new RetryContext(
            row.Id, row.ThreadId, row.Sequence, row.Question, row.StandaloneQuestion, row.Status, row.Path, row.Sql,
            AnswerJson.Deserialize<Interpretation>(row.InterpretationJson), row.DataSource, Turns(row.History));
    }

    /// <summary>How many earlier turns a follow-up sees.</summary>
    public const int HistoryTurns = 10;

    private async Task<AddedQuestion?> ResentAsync(string userId, Guid threadId, Guid clientRequestId, CancellationToken cancellationToken)
    {
        var existing = await FindByRequestAsync(clientRequestId, cancellationToken);
        return existing is null ? null : new AddedQuestion(OwnedBy(existing, userId, threadId), false, existing.Thread!.DataSource, []);
    }

    private static ChatMessage NewMessage(Guid messageId, Guid threadId, int sequence, string question, Guid clientRequestId, ManualSql? manualSql, MessageStatus status, DateTimeOffset now)
    {
        var message = new ChatMessage
        {
            Id = messageId,
            ThreadId = threadId,
            Sequence = sequence,
            ClientRequestId = clientRequestId,
            Question = Trim(question, 4000),
            Status = status,
            CreatedAt = now,
        };
        if (manualSql is not null)
        {
            message.Sql = manualSql.Sql.Trim();
            message.Path = nameof(AnswerPath.Manual);
            message.InterpretationJson = AnswerJson.Serialize(manualSql.Interpretation);
        }
        return message;
    }

    private static string TitleFrom(string question) => Trim(question.ReplaceLineEndings(" "), 80);

    private sealed record TurnRow(string Question, string? StandaloneQuestion, string? Sql, string? Narrative, string? ChartJson);

    private static IReadOnlyList<ThreadTurn> Turns(IEnumerable<TurnRow> newestFirst) =>
        [.. newestFirst.Reverse().Select(t => new ThreadTurn(t.Question, t.StandaloneQuestion ?? t.Question, t.Sql, t.Narrative, AnswerJson.Deserialize<ChartSpec>(t.ChartJson)?.Kind.ToString()))];

    /// <summary>Every message (of any user) stored as running or waiting to run.</summary>
    public async Task<IReadOnlyList<Guid>> UnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await context.Messages.Where(m => m.Status == MessageStatus.Running || m.Status == MessageStatus.Pending).Select(m => m.Id).ToListAsync(cancellationToken);
    }

    /// <summary>Marks those of <paramref name="messageIds"/> that are still running or waiting as interrupted; returns how many.</summary>
    public async Task<int> MarkInterruptedAsync(IReadOnlyCollection<Guid> messageIds, string error, CancellationToken cancellationToken)
    {
        if (messageIds.Count == 0)
            return 0;
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        return await context.Messages
            .Where(m => messageIds.Contains(m.Id) && (m.Status == MessageStatus.Running || m.Status == MessageStatus.Pending))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, MessageStatus.Interrupted).SetProperty(m => m.Error, error).SetProperty(m => m.CompletedAt, now), cancellationToken);
    }

    public Task MarkRunningAsync(Guid messageId, CancellationToken cancellationToken) =>
        SetStatusAsync(messageId, MessageStatus.Running, null, cancellationToken);

    /// <summary>Marks a message failed or cancelled, keeping the question so it can be retried.</summary>
    public Task MarkEndedAsync(Guid messageId, MessageStatus status, string? error, CancellationToken cancellationToken) =>
        SetStatusAsync(messageId, status, error, cancellationToken);

    /// <summary>Stores the answer of a message of the user's (looked up first; tests and tools use this one).</summary>
    public async Task SaveAnswerAsync(string userId, Guid messageId, AnalystAnswer answer, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var known = await context.Messages.AsNoTracking().Where(m => m.Id == messageId && m.Thread!.UserId == userId)
            .Select(m => new { m.ThreadId, m.Question }).FirstOrDefaultAsync(cancellationToken)
            ?? throw new KeyNotFoundException("The message no longer exists.");
        await SaveAnswerAsync(userId, known.ThreadId, messageId, known.Question, answer, cancellationToken);
    }

    /// <summary>
    /// Stores the answer in one write: SQL, a snapshot of the capped result, chart, transcript and every
    /// priced model call, with the thread's time. The answer is never saved without its costs.
    /// </summary>
    /// <param name="storedCalls">Calls already stored as they completed (by the answer runner): not stored again, but counted in the totals.</param>
    /// <param name="asked">The question's sequence and save time, for a question answered for the first time: then an answer
    /// without model calls is returned as stored (every column is known here), with no read back. Null: nothing is returned.</param>
    public async Task<MessageView?> SaveAnswerAsync(string userId, Guid threadId, Guid messageId, string question, AnalystAnswer answer, CancellationToken cancellationToken,
        IReadOnlyCollection<LlmCallRecord>? storedCalls = null, (int Sequence, DateTimeOffset SavedAt)? asked = null)
    {
        storedCalls ??= [];
        var newCalls = answer.Calls.Where(c => !storedCalls.Contains(c, ReferenceEqualityComparer.Instance)).ToList();
        // A call stored as it completed but lost from the answer (its agent failed later) still counts.
        var allCalls = storedCalls.Concat(newCalls).ToList();
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var message = new ChatMessage { Id = messageId, ThreadId = threadId, Question = question };
        context.Messages.Attach(message);
        message.StandaloneQuestion = answer.StandaloneQuestion;
        message.Status = answer.Error is not null ? MessageStatus.Failed : answer.Sql is null ? MessageStatus.Declined : MessageStatus.Succeeded;
        message.Path = answer.Path.ToString();
        message.Sql = answer.Sql;
        message.InterpretationJson = answer.Interpretation is null ? null : AnswerJson.Serialize(answer.Interpretation);
        message.Narrative = answer.Narrative;
        message.Error = answer.Error?.UserMessage;
        message.ResultJson = answer.Result is null ? null : AnswerJson.Serialize(ResultSnapshot.From(answer.Result, ResultSnapshot.MaxStoredBytes));
        message.ChartJson = answer.Chart is null ? null : AnswerJson.Serialize(answer.Chart);
        message.TablesJson = AnswerJson.Serialize(answer.TablesUsed);
        message.TranscriptJson = AnswerJson.Serialize(answer.Transcript);
        message.SuggestionsJson = answer.Suggestions is { Count: > 0 } s ? AnswerJson.Serialize(s) : null;
        message.SourcesJson = answer.SourcesUsed is { Count: > 0 } sources ? AnswerJson.Serialize(sources) : null;
        message.InputTokens = allCalls.Sum(c => c.InputTokens);
        message.OutputTokens = allCalls.Sum(c => c.OutputTokens);
        message.CostUsd = allCalls.Sum(c => c.CostUsd);
        message.CompletedAt = now;
        // Every answer column is written, also those that equal the stub's defaults (a retry clears an earlier error).
        var entry = context.Entry(message);
        foreach (var column in AnswerColumns)
            entry.Property(column).IsModified = true;
        context.LlmCalls.AddRange(CostLedger.CallRows(messageId, threadId, userId, newCalls, now));
        var thread = new ChatThread { Id = threadId, UserId = userId, DataSource = "", Title = "" };
        context.Threads.Attach(thread);
        thread.UpdatedAt = now;
        context.Entry(thread).Property(t => t.UpdatedAt).IsModified = true;
        await context.SaveChangesAsync(cancellationToken);
        // Model calls' costs are rounded by the column and a retried message keeps its earlier calls: those are read back.
        if (asked is not { } first || allCalls.Count > 0)
            return null;
        message.Sequence = first.Sequence;
        // As PostgreSQL keeps them (Npgsql sends whole microseconds), so the view equals a read of the row.
        message.CreatedAt = ToMicroseconds(first.SavedAt);
        message.CompletedAt = ToMicroseconds(now);
        return ToView(message);
    }

    private static DateTimeOffset ToMicroseconds(DateTimeOffset time) => new(time.Ticks - time.Ticks % 10, time.Offset);

    private static readonly string[] AnswerColumns =
    [
        nameof(ChatMessage.StandaloneQuestion), nameof(ChatMessage.Status), nameof(ChatMessage.Path), nameof(ChatMessage.Sql),
        nameof(ChatMessage.InterpretationJson), nameof(ChatMessage.Narrative), nameof(ChatMessage.Error), nameof(ChatMessage.ResultJson),
        nameof(ChatMessage.ChartJson), nameof(ChatMessage.TablesJson), nameof(ChatMessage.TranscriptJson), nameof(ChatMessage.SuggestionsJson),
        nameof(ChatMessage.SourcesJson), nameof(ChatMessage.InputTokens), nameof(ChatMessage.OutputTokens), nameof(ChatMessage.CostUsd), nameof(ChatMessage.CompletedAt),
    ];

    public async Task<bool> SetVerifiedAsync(string userId, Guid messageId, bool verified, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await context.Messages.Where(m => m.Id == messageId && m.Thread!.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.IsVerified, verified), cancellationToken) > 0;
    }

    /// <summary>The thread's earlier answered turns, oldest first, for follow-up questions.</summary>
    public async Task<IReadOnlyList<ThreadTurn>> HistoryAsync(Guid threadId, int beforeSequence, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var turns = await context.Messages.AsNoTracking()
            .Where(m => m.ThreadId == threadId && m.Sequence < beforeSequence && m.Status == MessageStatus.Succeeded)
            .OrderByDescending(m => m.Sequence).Take(HistoryTurns)
            .Select(m => new TurnRow(m.Question, m.StandaloneQuestion, m.Sql, m.Narrative, m.ChartJson))
            .ToListAsync(cancellationToken);
        return Turns(turns);
    }

    /// <summary>The thread with its messages and their calls, in one read; null when it is not the user's.</summary>
    public async Task<(ChatThread Thread, IReadOnlyList<MessageView> Messages)?> ThreadWithMessagesAsync(string userId, Guid threadId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var thread = await context.Threads.AsNoTracking().Include(t => t.Messages).ThenInclude(m => m.Calls).AsSingleQuery()
            .FirstOrDefaultAsync(t => t.Id == threadId && t.UserId == userId, cancellationToken);
        if (thread is null)
            return null;
        var messages = thread.Messages.OrderBy(m => m.Sequence).Select(ToView).ToList();
        thread.Messages = [];
        return (thread, messages);
    }

    private async Task<ChatMessage?> FindByRequestAsync(Guid clientRequestId, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await context.Messages.AsNoTracking().Include(m => m.Thread).FirstOrDefaultAsync(m => m.ClientRequestId == clientRequestId, cancellationToken);
    }

    /// <summary>A request id is only a resend when it is this user's, in this thread; anything else must not reveal the other message.</summary>
    private static ChatMessage OwnedBy(ChatMessage message, string userId, Guid threadId) =>
        message.ThreadId == threadId && message.Thread?.UserId == userId
            ? message
            : throw new InvalidOperationException("This request id is already used by another question. Send the question again.");

    private async Task SetStatusAsync(Guid messageId, MessageStatus status, string? error, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        await context.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Status, status)
            .SetProperty(m => m.Error, error)
            .SetProperty(m => m.CompletedAt, status == MessageStatus.Running ? null : now), cancellationToken);
    }

    private async Task<bool> UpdateAsync(string userId, Guid threadId, Action<ChatThread> change, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var thread = await context.Threads.FirstOrDefaultAsync(t => t.Id == threadId && t.UserId == userId, cancellationToken);
        if (thread is null)
            return false;
        change(thread);
        await context.SaveChangesAsync(cancellationToken);
        return true;
    }

    private static MessageView ToView(ChatMessage m) => new(
        m.Id, m.Sequence, m.Question, m.StandaloneQuestion, m.Status, m.Path, m.Sql, AnswerJson.Deserialize<Interpretation>(m.InterpretationJson), m.Narrative, m.Error,
        AnswerJson.Deserialize<ResultSnapshot>(m.ResultJson),
        AnswerJson.Deserialize<ChartSpec>(m.ChartJson),
        AnswerJson.Deserialize<List<RetrievedTable>>(m.TablesJson) ?? [],
        AnswerJson.Deserialize<List<TranscriptEntry>>(m.TranscriptJson) ?? [],
        AnswerJson.Deserialize<List<string>>(m.SuggestionsJson) ?? [],
        [.. m.Calls.OrderBy(c => c.Id)],
        m.InputTokens, m.OutputTokens, m.CostUsd, m.IsVerified, m.CreatedAt, m.CompletedAt,
        AnswerJson.Deserialize<List<Knowledge.DocumentPassage>>(m.SourcesJson) ?? []);

    private static string Trim(string text, int max) => text.Length <= max ? text.Trim() : text[..max].Trim();

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
