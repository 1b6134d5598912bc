using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Accounting;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Charts;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Conversations;

public sealed record ThreadSummary(Guid Id, string Title, string DataSource, bool IsArchived, DateTimeOffset UpdatedAt, int MessageCount, decimal CostUsd);

public sealed record ThreadTotals(int Messages, long InputTokens, long OutputTokens, decimal CostUsd);

/// <summary>SQL an analyst wrote for a message, and how to describe it.</summary>
public sealed record ManualSql(string Sql, Interpretation Interpretation);

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
            Title = string.IsNullOrWhiteSpace(title) ? "New thread" : Trim(title, 200),
            CreatedAt = now,
            UpdatedAt = now,
        };
        context.Threads.Add(thread);
        await context.SaveChangesAsync(cancellationToken);
        return thread;
    }

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
            .Select(t => new ThreadSummary(t.Id, t.Title, t.DataSource, t.IsArchived, t.UpdatedAt, t.Messages.Count, t.Messages.Sum(m => m.CostUsd)))
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
        return await context.Threads.Where(t => t.Id == threadId && t.UserId == userId).ExecuteDeleteAsync(cancellationToken) > 0;
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
    public Task<(ChatMessage Message, bool Created)> AddQuestionAsync(string userId, Guid threadId, string question, Guid clientRequestId, CancellationToken cancellationToken) =>
        AddQuestionAsync(userId, threadId, question, clientRequestId, null, cancellationToken);

    /// <param name="manualSql">SQL the analyst wrote for this question: stored before it runs, so a retry runs it again.</param>
    public async Task<(ChatMessage Message, bool Created)> AddQuestionAsync(string userId, Guid threadId, string question, Guid clientRequestId, ManualSql? manualSql, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var existing = await FindByRequestAsync(clientRequestId, cancellationToken);
        if (existing is not null)
            return (OwnedBy(existing, userId, threadId), false);

        var thread = await context.Threads.FirstOrDefaultAsync(t => t.Id == threadId && t.UserId == userId, cancellationToken)
            ?? throw new KeyNotFoundException("This thread does not exist or belongs to someone else.");
        var now = clock.GetUtcNow();
        var sequence = (await context.Messages.Where(m => m.ThreadId == threadId).MaxAsync(m => (int?)m.Sequence, cancellationToken) ?? 0) + 1;
        var message = new ChatMessage
        {
            Id = Guid.CreateVersion7(now),
            ThreadId = threadId,
            Sequence = sequence,
            ClientRequestId = clientRequestId,
            Question = Trim(question, 4000),
            Status = MessageStatus.Pending,
            CreatedAt = now,
        };
        if (manualSql is not null)
        {
            message.Sql = manualSql.Sql.Trim();
            message.Path = nameof(AnswerPath.Manual);
            message.InterpretationJson = AnswerJson.Serialize(manualSql.Interpretation);
        }
        context.Messages.Add(message);
        thread.UpdatedAt = now;
        if (sequence == 1 && thread.Title == "New thread")
            thread.Title = Trim(question.ReplaceLineEndings(" "), 80);
        try
        {
            await context.SaveChangesAsync(cancellationToken);
            return (message, true);
        }
        catch (DbUpdateException)
        {
            // Two sends raced past the check: the unique index kept one.
            var racing = await FindByRequestAsync(clientRequestId, cancellationToken);
            if (racing is null)
                throw;
            return (OwnedBy(racing, userId, threadId), false);
        }
    }

    public Task MarkRunningAsync(Guid messageId, CancellationToken cancellationToken) =>
        SetStatusAsync(messageId, MessageStatus.Running, null, cancellationToken);

    /// <summary>Marks a message failed or cancelled, keeping the question so it can be retried.</summary>
    public Task MarkEndedAsync(Guid messageId, MessageStatus status, string? error, CancellationToken cancellationToken) =>
        SetStatusAsync(messageId, status, error, cancellationToken);

    /// <summary>Stores the answer: SQL, a snapshot of the capped result, chart, transcript and every priced model call.</summary>
    public async Task SaveAnswerAsync(string userId, Guid messageId, AnalystAnswer answer, CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var message = await context.Messages.Include(m => m.Calls).Include(m => m.Thread)
            .FirstOrDefaultAsync(m => m.Id == messageId && m.Thread!.UserId == userId, cancellationToken)
            ?? throw new KeyNotFoundException("The message no longer exists.");
        var now = clock.GetUtcNow();
        message.StandaloneQuestion = answer.StandaloneQuestion;
        message.Status = answer.Error is not null ? MessageStatus.Failed : answer.Sql is null ? MessageStatus.Declined : MessageStatus.Succeeded;
        message.Path = answer.Path.ToString();
        message.Sql = answer.Sql;
        message.InterpretationJson = answer.Interpretation is null ? null : AnswerJson.Serialize(answer.Interpretation);
        message.Narrative = answer.Narrative;
        message.Error = answer.Error?.UserMessage;
        message.ResultJson = answer.Result is null ? null : AnswerJson.Serialize(ResultSnapshot.From(answer.Result));
        message.ChartJson = answer.Chart is null ? null : AnswerJson.Serialize(answer.Chart);
        message.TablesJson = AnswerJson.Serialize(answer.Tables);
        message.TranscriptJson = AnswerJson.Serialize(answer.Transcript);
        message.SuggestionsJson = answer.Suggestions is { Count: > 0 } s ? AnswerJson.Serialize(s) : null;
        message.InputTokens = answer.InputTokens;
        message.OutputTokens = answer.OutputTokens;
        message.CostUsd = answer.CostUsd;
        message.CompletedAt = now;
        message.Calls.Clear();
        // Stored with the answer in one transaction: an answer is never saved without its costs.
        message.Calls.AddRange(CostLedger.CallRows(message.Id, message.ThreadId, userId, answer.Calls, now));
        message.Thread!.UpdatedAt = now;
        await context.SaveChangesAsync(cancellationToken);
    }

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
            .OrderByDescending(m => m.Sequence).Take(10)
            .Select(m => new { m.Question, m.StandaloneQuestion, m.Sql, m.Narrative, m.ChartJson })
            .ToListAsync(cancellationToken);
        return [.. turns.AsEnumerable().Reverse().Select(t => new ThreadTurn(
            t.Question, t.StandaloneQuestion ?? t.Question, t.Sql, t.Narrative, AnswerJson.Deserialize<ChartSpec>(t.ChartJson)?.Kind.ToString()))];
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
        m.InputTokens, m.OutputTokens, m.CostUsd, m.IsVerified, m.CreatedAt, m.CompletedAt);

    private static string Trim(string text, int max) => text.Length <= max ? text.Trim() : text[..max].Trim();

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
