using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Accounting;

/// <summary>One line of a breakdown: what it is (a day, a user id, a model, an agent role, a thread id), a name to show, and its totals.</summary>
public sealed record UsageLine(string Key, string Label, CostTotals Totals);

/// <summary>An answer by what its model calls cost, with its thread to open.</summary>
public sealed record CostlyAnswer(Guid MessageId, Guid ThreadId, string ThreadTitle, string Question, string? User, DateTimeOffset At, CostTotals Totals);

/// <summary>A monthly budget (calendar month, UTC) and what is spent of it this month.</summary>
public sealed record BudgetUse(string Name, decimal LimitUsd, decimal SpentUsd)
{
    public decimal Fraction => LimitUsd <= 0 ? 1 : Math.Min(1, SpentUsd / LimitUsd);
}

/// <summary>
/// Usage and cost over a period: totals and the same calls broken down by day (UTC), user, model, agent role and thread,
/// the answers that cost most, and the budgets. <see cref="Everyone"/>: every user's calls (an Admin's view); otherwise one user's.
/// </summary>
public sealed record UsageView(
    DateTimeOffset From, DateTimeOffset To, bool Everyone, CostTotals Total,
    IReadOnlyList<UsageLine> ByDay, IReadOnlyList<UsageLine> ByUser, IReadOnlyList<UsageLine> ByModel,
    IReadOnlyList<UsageLine> ByAgent, IReadOnlyList<UsageLine> ByThread, IReadOnlyList<CostlyAnswer> CostliestAnswers,
    IReadOnlyList<BudgetUse> Budgets);

/// <summary>
/// Reads the cost ledger (<c>llm_calls</c>: one priced row per model call) for the usage page and <c>/api/costs/usage</c>.
/// Every figure is a sum of ledger rows, so the breakdowns add up to the total exactly.
/// </summary>
public sealed class UsageReport(IDbContextFactory<AppDbContext> contexts, IOptions<BudgetOptions> budgets, TimeProvider clock)
{
    public const int CostliestCount = 10;

    /// <param name="userId">Whose calls; null for everyone's (Admins only: the caller checks).</param>
    /// <param name="from">First moment counted (inclusive).</param>
    /// <param name="to">Moment the period ends (exclusive).</param>
    public async Task<UsageView> ReadAsync(string? userId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var calls = db.LlmCalls.AsNoTracking().Where(c => c.CreatedAt >= from && c.CreatedAt < to);
        if (userId is not null)
            calls = calls.Where(c => c.UserId == userId);
        // One read of the period's rows; the breakdowns are grouped from it, so they cannot disagree with the total.
        var rows = await calls.Select(c => new Call(c.MessageId, c.ThreadId, c.UserId, c.Agent, c.Model, c.InputTokens, c.CachedInputTokens, c.OutputTokens, c.CostUsd, c.CreatedAt))
            .ToListAsync(cancellationToken);

        var userIds = rows.Select(r => r.UserId).Distinct().ToList();
        var emails = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email ?? u.Id, cancellationToken);
        var threadIds = rows.Select(r => r.ThreadId).Distinct().ToList();
        var titles = await db.Threads.AsNoTracking().Where(t => threadIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Title, cancellationToken);

        var costliest = rows.GroupBy(r => r.MessageId).Select(g => (Id: g.Key, First: g.First(), Totals: Sum(g)))
            .OrderByDescending(g => g.Totals.CostUsd).ThenBy(g => g.Id).Take(CostliestCount).ToList();
        var messageIds = costliest.Select(c => c.Id).ToList();
        var questions = await db.Messages.AsNoTracking().Where(m => messageIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, m => m.Question, cancellationToken);

        return new UsageView(from, to, userId is null, Sum(rows),
            Lines(rows, r => r.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), k => k, byKey: true),
            Lines(rows, r => r.UserId, k => emails.GetValueOrDefault(k, k)),
            Lines(rows, r => r.Model, k => k),
            Lines(rows, r => r.Agent, k => k),
            Lines(rows, r => r.ThreadId.ToString(), k => titles.GetValueOrDefault(Guid.Parse(k), "(deleted thread)")),
            [.. costliest.Select(c => new CostlyAnswer(c.Id, c.First.ThreadId, titles.GetValueOrDefault(c.First.ThreadId, "(deleted thread)"),
                questions.GetValueOrDefault(c.Id, ""), emails.GetValueOrDefault(c.First.UserId), c.First.CreatedAt, c.Totals))],
            await BudgetsAsync(db, userId, cancellationToken));
    }

    private async Task<IReadOnlyList<BudgetUse>> BudgetsAsync(AppDbContext db, string? userId, CancellationToken cancellationToken)
    {
        var options = budgets.Value;
        var now = clock.GetUtcNow();
        var month = db.LlmCalls.AsNoTracking().Where(c => c.CreatedAt >= new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero));
        var uses = new List<BudgetUse>();
        if (options.MonthlyUsdTotal is { } total && userId is null)
            uses.Add(new BudgetUse("Installation, this month", total, await month.SumAsync(c => c.CostUsd, cancellationToken)));
        if (options.MonthlyUsdPerUser is { } perUser)
        {
            var spent = await month.Where(c => userId == null || c.UserId == userId).GroupBy(c => c.UserId)
                .Select(g => new { UserId = g.Key, Spent = g.Sum(c => c.CostUsd) }).OrderByDescending(g => g.Spent).ToListAsync(cancellationToken);
            var ids = spent.Select(s => s.UserId).ToList();
            var emails = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email ?? u.Id, cancellationToken);
            if (userId is not null && spent.Count == 0)
                uses.Add(new BudgetUse("You, this month", perUser, 0));
            uses.AddRange(spent.Select(s => new BudgetUse(userId is null ? $"{emails.GetValueOrDefault(s.UserId, s.UserId)}, this month" : "You, this month", perUser, s.Spent)));
        }
        return uses;
    }

    private static List<UsageLine> Lines(List<Call> rows, Func<Call, string> key, Func<string, string> label, bool byKey = false)
    {
        var groups = rows.GroupBy(key).Select(g => new UsageLine(g.Key, label(g.Key), Sum(g)));
        // Days in order; everything else most expensive first.
        return byKey ? [.. groups.OrderBy(l => l.Key, StringComparer.Ordinal)] : [.. groups.OrderByDescending(l => l.Totals.CostUsd).ThenBy(l => l.Label, StringComparer.Ordinal)];
    }

    private static CostTotals Sum(IEnumerable<Call> calls)
    {
        var list = calls as IReadOnlyCollection<Call> ?? [.. calls];
        return new CostTotals(list.Count, list.Sum(c => c.Input), list.Sum(c => c.Cached), list.Sum(c => c.Output), list.Sum(c => c.Cost));
    }

    private sealed record Call(Guid MessageId, Guid ThreadId, string UserId, string Agent, string Model, long Input, long Cached, long Output, decimal Cost, DateTimeOffset CreatedAt);
}
