using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Catalog;

/// <summary>
/// Admins' decisions on inferred join keys, kept in the app database (<c>join_key_decisions</c>): a rejected key
/// leaves the catalog, a confirmed one stays with who confirmed it. The catalog applies them each time it is read.
/// </summary>
public sealed class JoinKeyDecisionStore(IDbContextFactory<AppDbContext> contexts, TimeProvider time)
{
    public async Task<IReadOnlyList<JoinKeyDecision>> ForSourceAsync(string dataSource, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.JoinKeyDecisions.AsNoTracking().Where(d => d.DataSource == dataSource).ToListAsync(cancellationToken);
    }

    /// <summary>Records (or changes) the decision on the key from <paramref name="fromColumn"/> to <paramref name="toColumn"/> ("schema.table.column").</summary>
    public async Task DecideAsync(string dataSource, string fromColumn, string toColumn, bool confirmed, string decidedBy, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var decision = await db.JoinKeyDecisions.SingleOrDefaultAsync(
            d => d.DataSource == dataSource && d.FromColumn == fromColumn && d.ToColumn == toColumn, cancellationToken);
        if (decision is null)
            db.JoinKeyDecisions.Add(decision = new JoinKeyDecision { DataSource = dataSource, FromColumn = fromColumn, ToColumn = toColumn, DecidedBy = decidedBy });
        decision.Confirmed = confirmed;
        decision.DecidedBy = decidedBy;
        decision.DecidedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Forgets a decision: the key is back to inferred and unconfirmed (when the values still confirm it).</summary>
    public async Task UndoAsync(string dataSource, string fromColumn, string toColumn, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.JoinKeyDecisions.Where(d => d.DataSource == dataSource && d.FromColumn == fromColumn && d.ToColumn == toColumn)
            .ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>
    /// <paramref name="catalog"/> with the decisions applied to its inferred keys: rejected ones removed (listed in
    /// <see cref="DatabaseCatalog.RejectedJoinKeys"/> so an Admin can take the decision back), confirmed ones marked.
    /// Declared keys are never touched.
    /// </summary>
    public static DatabaseCatalog Apply(DatabaseCatalog catalog, IReadOnlyList<JoinKeyDecision> decisions)
    {
        if (decisions.Count == 0)
            return catalog;
        var byEnds = decisions.ToDictionary(d => (d.FromColumn, d.ToColumn));
        var rejected = new List<RejectedJoinKey>();
        var tables = catalog.Tables.Select(table =>
        {
            if (!table.ForeignKeys.Any(k => k.Inferred))
                return table;
            var keys = new List<ForeignKeyInfo>();
            foreach (var key in table.ForeignKeys)
            {
                if (!key.Inferred || !byEnds.TryGetValue(key.Ends(table), out var decision))
                    keys.Add(key);
                else if (decision.Confirmed)
                    keys.Add(key with { ConfirmedBy = decision.DecidedBy });
                else
                    rejected.Add(new RejectedJoinKey(table.QualifiedName, key, decision.DecidedBy));
            }
            return table with { ForeignKeys = keys };
        }).ToList();
        return catalog with { Tables = tables, RejectedJoinKeys = rejected };
    }
}
