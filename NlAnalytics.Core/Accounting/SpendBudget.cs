using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Accounting;

/// <summary>Optional monthly spend limits on model calls (calendar month, UTC); unset means no limit.</summary>
public sealed class BudgetOptions
{
    public const string SectionName = "Budgets";

    /// <summary>What one user's answers may spend on model calls in a month.</summary>
    [Range(0, 1_000_000)]
    public decimal? MonthlyUsdPerUser { get; set; }

    /// <summary>What all users together may spend on model calls in a month.</summary>
    [Range(0, 10_000_000)]
    public decimal? MonthlyUsdTotal { get; set; }
}

/// <summary>
/// Says whether a monthly budget is used up, from the priced calls stored as they completed. It is asked
/// before every model call of an answer, so reaching one mid-answer stops the next call; offline answers
/// cost nothing and still run.
/// </summary>
public sealed class SpendBudget(IDbContextFactory<AppDbContext> contexts, Microsoft.Extensions.Options.IOptions<BudgetOptions> options, TimeProvider clock)
{
    /// <summary>Null while the user may still use the model; otherwise the reason, written for the user.</summary>
    public async Task<string?> ReachedAsync(string userId, CancellationToken cancellationToken)
    {
        var budget = options.Value;
        if (budget.MonthlyUsdPerUser is null && budget.MonthlyUsdTotal is null)
            return null;
        var now = clock.GetUtcNow();
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var thisMonth = db.LlmCalls.Where(c => c.CreatedAt >= monthStart);
        var since = monthStart.ToString("d MMMM", CultureInfo.InvariantCulture);
        if (budget.MonthlyUsdPerUser is { } perUser)
        {
            var spent = await thisMonth.Where(c => c.UserId == userId).SumAsync(c => c.CostUsd, cancellationToken);
            if (spent >= perUser)
                return string.Create(CultureInfo.InvariantCulture,
                    $"Your monthly budget for the language model (${perUser:0.00##}) is used up: ${spent:0.0000} since {since}. Offline answers still work: ask in Offline mode. An Admin can raise Budgets:MonthlyUsdPerUser.");
        }
        if (budget.MonthlyUsdTotal is { } total)
        {
            var spent = await thisMonth.SumAsync(c => c.CostUsd, cancellationToken);
            if (spent >= total)
                return string.Create(CultureInfo.InvariantCulture,
                    $"This installation's monthly budget for the language model (${total:0.00##}) is used up: ${spent:0.0000} since {since}. Offline answers still work: ask in Offline mode. An Admin can raise Budgets:MonthlyUsdTotal.");
        }
        return null;
    }
}
