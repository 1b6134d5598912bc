using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Accounting;

/// <summary>Tokens and money spent by a message, a thread or a user.</summary>
public sealed record CostTotals(int Calls, long InputTokens, long CachedInputTokens, long OutputTokens, decimal CostUsd)
{
    public static readonly CostTotals Zero = new(0, 0, 0, 0, 0m);
}

/// <summary>Spend on one model, for a per-model breakdown.</summary>
public sealed record ModelCostTotals(string Model, CostTotals Totals);

/// <summary>
/// Stores each answer's model calls (priced when they were made) and sums them per message, thread and
/// user. Prices are never recomputed: a later price change does not rewrite history.
/// </summary>
public sealed class CostLedger(IDbContextFactory<AppDbContext> contexts, TimeProvider timeProvider)
{
    /// <summary>
    /// Stores <paramref name="calls"/> as the message's calls and sets its token and cost totals.
    /// Replaces any calls recorded for the message before, so saving an answer twice does not count twice.
    /// An answer that used no model (offline) records no calls and costs 0.
    /// </summary>
    public async Task RecordAsync(Guid messageId, IReadOnlyList<LlmCallRecord> calls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calls);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        var message = await db.Messages.Include(m => m.Thread).SingleOrDefaultAsync(m => m.Id == messageId, cancellationToken).ConfigureAwait(false)
                      ?? throw new InvalidOperationException($"Message {messageId} does not exist, so its model calls cannot be recorded.");
        var userId = message.Thread!.UserId;
        var now = timeProvider.GetUtcNow();

        await db.LlmCalls.Where(c => c.MessageId == messageId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        db.LlmCalls.AddRange(CallRows(messageId, message.ThreadId, userId, calls, now));
        message.InputTokens = calls.Sum(c => c.InputTokens);
        message.OutputTokens = calls.Sum(c => c.OutputTokens);
        message.CostUsd = calls.Sum(c => c.CostUsd);

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores one call of a message the moment it completed and adds it to the message's totals, so that
    /// spend survives a Stop, a crash or a failure later in the answer (budgets read these rows).
    /// </summary>
    public async Task AppendAsync(Guid messageId, Guid threadId, string userId, LlmCallRecord call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        db.LlmCalls.AddRange(CallRows(messageId, threadId, userId, [call], timeProvider.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await db.Messages.Where(m => m.Id == messageId).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.InputTokens, m => m.InputTokens + call.InputTokens)
            .SetProperty(m => m.OutputTokens, m => m.OutputTokens + call.OutputTokens)
            .SetProperty(m => m.CostUsd, m => m.CostUsd + call.CostUsd), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The stored form of a message's calls; the single place where a priced call becomes a row.</summary>
    public static IEnumerable<LlmCallRow> CallRows(Guid messageId, Guid threadId, string userId, IReadOnlyList<LlmCallRecord> calls, DateTimeOffset now) =>
        calls.Select(call => new LlmCallRow
        {
            MessageId = messageId,
            ThreadId = threadId,
            UserId = userId,
            Agent = call.Agent,
            Model = call.Model,
            InputTokens = call.InputTokens,
            CachedInputTokens = call.CachedInputTokens,
            OutputTokens = call.OutputTokens,
            LatencyMs = (int)Math.Min(int.MaxValue, Math.Round(call.Latency.TotalMilliseconds)),
            CostUsd = call.CostUsd,
            CreatedAt = now,
        });

    public Task<CostTotals> ForMessageAsync(Guid messageId, CancellationToken cancellationToken) =>
        SumAsync(calls => calls.Where(c => c.MessageId == messageId), cancellationToken);

    public Task<CostTotals> ForThreadAsync(Guid threadId, CancellationToken cancellationToken) =>
        SumAsync(calls => calls.Where(c => c.ThreadId == threadId), cancellationToken);

    /// <param name="since">Only calls made at or after this moment; null: all time.</param>
    public Task<CostTotals> ForUserAsync(string userId, DateTimeOffset? since, CancellationToken cancellationToken) =>
        SumAsync(calls => ForUser(calls, userId, since), cancellationToken);

    /// <summary>A user's spend per model, most expensive first.</summary>
    public async Task<IReadOnlyList<ModelCostTotals>> ByModelForUserAsync(string userId, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rows = await ForUser(db.LlmCalls.AsNoTracking(), userId, since)
            .GroupBy(c => c.Model)
            .Select(g => new
            {
                Model = g.Key,
                Calls = g.Count(),
                Input = g.Sum(c => c.InputTokens),
                Cached = g.Sum(c => c.CachedInputTokens),
                Output = g.Sum(c => c.OutputTokens),
                Cost = g.Sum(c => c.CostUsd),
            })
            .OrderByDescending(g => g.Cost).ThenBy(g => g.Model)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(r => new ModelCostTotals(r.Model, new CostTotals(r.Calls, r.Input, r.Cached, r.Output, r.Cost))).ToList();
    }

    private static IQueryable<LlmCallRow> ForUser(IQueryable<LlmCallRow> calls, string userId, DateTimeOffset? since)
    {
        calls = calls.Where(c => c.UserId == userId);
        if (since is { } from)
            calls = calls.Where(c => c.CreatedAt >= from.ToUniversalTime());
        return calls;
    }

    private async Task<CostTotals> SumAsync(Func<IQueryable<LlmCallRow>, IQueryable<LlmCallRow>> filter, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var totals = await filter(db.LlmCalls.AsNoTracking())
            .GroupBy(_ => 1)
            .Select(g => new CostTotals(
                g.Count(),
                g.Sum(c => c.InputTokens),
                g.Sum(c => c.CachedInputTokens),
                g.Sum(c => c.OutputTokens),
                g.Sum(c => c.CostUsd)))
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return totals ?? CostTotals.Zero;
    }
}
