using Microsoft.EntityFrameworkCore;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Offline;

/// <summary>The verified-query memory: question/SQL pairs analysts marked correct, per data source, found again by token similarity.</summary>
public sealed class VerifiedQueryStore(IDbContextFactory<AppDbContext> contexts, TimeProvider time)
{
    /// <summary>Saves a question and its SQL as verified; marking the same question again replaces its SQL.</summary>
    public async Task<VerifiedQuery> MarkCorrectAsync(string dataSource, string question, string sql, string? createdBy, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var normalized = Normalize(question);
        var existing = (await db.VerifiedQueries.Where(v => v.DataSource == dataSource).ToListAsync(cancellationToken))
            .FirstOrDefault(v => Normalize(v.Question) == normalized);
        if (existing is not null)
        {
            existing.Sql = sql.Trim();
            existing.CreatedBy = createdBy;
            existing.CreatedAt = time.GetUtcNow();
        }
        else
        {
            existing = new VerifiedQuery { DataSource = dataSource, Question = question.Trim(), Sql = sql.Trim(), CreatedBy = createdBy, CreatedAt = time.GetUtcNow() };
            db.VerifiedQueries.Add(existing);
        }
        await db.SaveChangesAsync(cancellationToken);
        return existing;
    }

    public async Task<bool> RemoveAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.VerifiedQueries.Where(v => v.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>Removes the pair of exactly this question and SQL (an answer no longer marked correct); other pairs stay.</summary>
    public async Task<int> UnmarkAsync(string dataSource, string question, string sql, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var (q, s) = (question.Trim(), sql.Trim());
        return await db.VerifiedQueries.Where(v => v.DataSource == dataSource && v.Question == q && v.Sql == s).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<VerifiedQuery>> ListAsync(string dataSource, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.VerifiedQueries.AsNoTracking().Where(v => v.DataSource == dataSource).OrderByDescending(v => v.CreatedAt).ToListAsync(cancellationToken);
    }

    /// <summary>The verified pairs of a data source closest to <paramref name="question"/>, best first (for LLM prompts and reuse).</summary>
    public async Task<IReadOnlyList<VerifiedExample>> FindNearestAsync(string dataSource, string question, int count, CancellationToken cancellationToken)
    {
        var all = await ListAsync(dataSource, cancellationToken);
        var target = Bag(question);
        return all
            .Select(v => new VerifiedExample(v.Question, v.Sql, Math.Round(Similarity(target, Bag(v.Question)), 3)))
            .Where(e => e.Similarity > 0)
            .OrderByDescending(e => e.Similarity)
            .Take(count)
            .ToList();
    }

    internal static string Normalize(string question) => string.Join(' ', TextNormalizer.Words(question));

    /// <summary>Content words of a question, stemmed, with every number reduced to a placeholder so "in 2020" and "in 2021" look alike.</summary>
    internal static HashSet<string> Bag(string question)
    {
        var lexicon = OfflineSqlWriter.Lexicon;
        return TextNormalizer.Tokenize(question)
            .Where(t => !lexicon.Stopwords.Contains(t.Text) || lexicon.Cues.ContainsKey(t.Text))
            .Select(t => char.IsDigit(t.Text[0]) ? "#" : t.Stem)
            .ToHashSet();
    }

    internal static double Similarity(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 || b.Count == 0) return 0;
        var common = a.Count(b.Contains);
        return (double)common / (a.Count + b.Count - common);
    }
}
