using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Catalog;

namespace NlAnalytics.Core.Offline;

/// <summary>
/// The offline writer's drafts, kept per catalog version: the writer is deterministic (the same catalog, question,
/// thread and candidate tables give the same draft), and a team asks the same questions again and again, so
/// parsing, grounding and composing them again is work done twice. Bounded by entry count (least recently used
/// go first); a refreshed catalog is a new instance, so its questions are written again and the old entries age out.
/// </summary>
public sealed class OfflineDraftCache : IDisposable
{
    /// <summary>Drafts kept: a few KB each, so a few MB in all.</summary>
    public const int MaxEntries = 4096;

    private readonly MemoryCache _drafts = new(new MemoryCacheOptions { SizeLimit = MaxEntries });
    private readonly ConditionalWeakTable<DatabaseCatalog, object> _versions = new();
    private long _nextVersion;
    private long _hits;

    /// <summary>Drafts served from the cache since start (the benchmark and tests read it).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>
    /// The stored draft for this context, or <paramref name="write"/>'s, stored. <paramref name="byMeaning"/>: the
    /// catalog's sentence vectors were ready (a draft written by words alone is not the one written with them).
    /// </summary>
    public SqlDraft GetOrWrite(SqlWritingContext context, bool byMeaning, Func<SqlDraft> write, TimeProvider time)
    {
        var key = Key(context, byMeaning);
        if (_drafts.TryGetValue(key, out SqlDraft? stored) && stored is not null)
        {
            Interlocked.Increment(ref _hits);
            // The transcript says when this answer's writer spoke, not when the first one did.
            var now = time.GetUtcNow();
            return stored with { Transcript = [.. stored.Transcript.Select(e => e with { At = now })] };
        }
        var draft = write();
        _drafts.Set(key, draft, new MemoryCacheEntryOptions { Size = 1 });
        return draft;
    }

    public void Dispose() => _drafts.Dispose();

    /// <summary>Everything the writer reads from the context: the catalog's version, the question, the thread and the candidate tables.</summary>
    private string Key(SqlWritingContext context, bool byMeaning)
    {
        var version = (long)_versions.GetValue(context.Catalog, _ => Interlocked.Increment(ref _nextVersion));
        var key = new StringBuilder().Append(version).Append(byMeaning ? "|m|" : "|w|").Append(context.Question);
        foreach (var turn in context.History)
            key.Append('\u001e').Append(turn.Question).Append('\u001f').Append(turn.StandaloneQuestion).Append('\u001f').Append(turn.Sql);
        key.Append('\u001d');
        foreach (var table in context.Tables)
            key.Append(table.QualifiedName).Append('\u001f');
        return key.ToString();
    }
}
