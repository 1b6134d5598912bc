using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Offline;

/// <summary>
/// The verified-query memory: question/SQL pairs analysts marked correct, per data source, found again by token
/// similarity. Each pair belongs to who marked it: it serves its owner at once and everyone else once approved.
/// Two analysts marking the same question keep an entry each; nobody's entry is overwritten by someone else.
/// Every answer looks the memory up, so a source's pairs are kept in memory for <see cref="ReadAgainAfter"/>: a change made
/// through this store is seen at once (it drops what was kept), one made by another instance within that time.
/// </summary>
public sealed class VerifiedQueryStore(IDbContextFactory<AppDbContext> contexts, TimeProvider time) : IDisposable
{
    /// <summary>How long a source's pairs are reused before they are read again (changes from other instances show after this).</summary>
    public static readonly TimeSpan ReadAgainAfter = TimeSpan.FromSeconds(5);

    // Sources with pairs kept; a change through this store starts a new generation, so nothing read before it is served after.
    private readonly MemoryCache _kept = new(new MemoryCacheOptions { SizeLimit = 1024 });
    private long _generation;

    public void Dispose() => _kept.Dispose();

    private void Changed() => Interlocked.Increment(ref _generation);

    /// <summary>Every pair of a data source, as last read (at most <see cref="ReadAgainAfter"/> ago or since the last change here).</summary>
    private async Task<IReadOnlyList<VerifiedQuery>> PairsOfAsync(string dataSource, CancellationToken cancellationToken)
    {
        var key = (Interlocked.Read(ref _generation), dataSource);
        if (_kept.TryGetValue(key, out IReadOnlyList<VerifiedQuery>? kept) && kept is not null)
            return kept;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        IReadOnlyList<VerifiedQuery> pairs = await db.VerifiedQueries.AsNoTracking().Where(v => v.DataSource == dataSource)
            .OrderByDescending(v => v.CreatedAt).ToListAsync(cancellationToken);
        _kept.Set(key, pairs, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = ReadAgainAfter });
        return pairs;
    }

    /// <summary>
    /// Saves a question (the asker's own words) and its SQL as verified by <paramref name="ownerId"/>; marking the same
    /// question again replaces that owner's SQL, and a changed SQL needs approving again.
    /// </summary>
    public async Task<VerifiedQuery> MarkCorrectAsync(string dataSource, string question, string sql, string? ownerId, string? ownerName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var normalized = Normalize(question);
        var existing = (await db.VerifiedQueries.Where(v => v.DataSource == dataSource && v.OwnerId == ownerId).ToListAsync(cancellationToken))
            .FirstOrDefault(v => Normalize(v.Question) == normalized);
        if (existing is not null)
        {
            if (existing.Sql != sql.Trim())
            {
                existing.Sql = sql.Trim();
                // An approval was of the SQL it saw: approve-then-swap must not work.
                existing.ApprovedAt = null;
                existing.ApprovedBy = null;
                existing.ApprovedById = null;
            }
            existing.CreatedBy = ownerName;
            existing.CreatedAt = time.GetUtcNow();
        }
        else
        {
            existing = new VerifiedQuery
            {
                DataSource = dataSource, Question = question.Trim(), Sql = sql.Trim(), OwnerId = ownerId, CreatedBy = ownerName, CreatedAt = time.GetUtcNow(),
            };
            db.VerifiedQueries.Add(existing);
        }
        await db.SaveChangesAsync(cancellationToken);
        Changed();
        return existing;
    }

    public async Task<VerifiedQuery?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.VerifiedQueries.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
    }

    /// <summary>Records an approval (the caller has checked who may approve); false when there is no such entry.</summary>
    public async Task<bool> ApproveAsync(long id, string approverId, string? approverName, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        var approved = await db.VerifiedQueries.Where(v => v.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(v => v.ApprovedById, approverId).SetProperty(v => v.ApprovedBy, approverName).SetProperty(v => v.ApprovedAt, now), cancellationToken) > 0;
        Changed();
        return approved;
    }

    public async Task<bool> RemoveAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var removed = await db.VerifiedQueries.Where(v => v.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
        Changed();
        return removed;
    }

    /// <summary>Removes the owner's pair of exactly this question and SQL (an answer no longer marked correct); other pairs stay.</summary>
    public async Task<int> UnmarkAsync(string dataSource, string question, string sql, string? ownerId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var (q, s) = (question.Trim(), sql.Trim());
        var removed = await db.VerifiedQueries.Where(v => v.DataSource == dataSource && v.Question == q && v.Sql == s && v.OwnerId == ownerId)
            .ExecuteDeleteAsync(cancellationToken);
        Changed();
        return removed;
    }

    /// <summary>Every pair of a data source, approved or not, newest first (for the review list).</summary>
    public async Task<IReadOnlyList<VerifiedQuery>> ListAsync(string dataSource, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.VerifiedQueries.AsNoTracking().Where(v => v.DataSource == dataSource).OrderByDescending(v => v.CreatedAt).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The pairs of a data source that serve <paramref name="askerId"/> closest to <paramref name="question"/>, best first
    /// (for reuse and LLM prompts): approved pairs, and the asker's own. Null asker: approved pairs only.
    /// </summary>
    public async Task<IReadOnlyList<VerifiedExample>> FindNearestAsync(string dataSource, string question, string? askerId, int count, CancellationToken cancellationToken)
    {
        var serving = (await PairsOfAsync(dataSource, cancellationToken)).Where(v => v.ApprovedAt != null || (askerId != null && v.OwnerId == askerId));
        var target = Bag(question);
        return serving
            .Select(v => new VerifiedExample(v.Question, v.Sql, Math.Round(Similarity(target, Bag(v.Question)), 3), v.CreatedBy, v.CreatedAt, v.ApprovedBy, v.ApprovedAt))
            .Where(e => e.Similarity > 0)
            .OrderByDescending(e => e.Similarity)
            // Of equally close pairs, an approved one first.
            .ThenByDescending(e => e.ApprovedAt is not null)
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
