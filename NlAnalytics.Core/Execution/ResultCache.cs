using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using ZiggyCreatures.Caching.Fusion;

namespace NlAnalytics.Core.Execution;

/// <summary>The result cache's settings (section ResultCache); a source's own window overrides the default.</summary>
public sealed class ResultCacheOptions
{
    public const string SectionName = "ResultCache";

    /// <summary>How long a result is served without running its query again, unless the source says otherwise; 0 turns the cache off.</summary>
    [Range(0, 86_400)]
    public int FreshnessSeconds { get; set; } = 300;

    /// <summary>The memory the cached results may take, estimated from their values; the least recently used go first.</summary>
    [Range(1, 65_536)]
    public int SizeLimitMegabytes { get; set; } = 64;
}

/// <summary>
/// Results of analyst queries kept for a freshness window, so that the same SQL on the same source is not
/// run again for every analyst who asks the same thing. A key covers the SQL, the row cap, the source and
/// the login its queries run as (hashed, never stored), so two users with different access never share an
/// entry. Concurrent askers of one uncached query wait for a single execution. A catalog refresh drops the
/// source's entries. Failures are never cached.
/// </summary>
public sealed class ResultCache : ICatalogRefreshListener, IDisposable
{
    private readonly FusionCache _cache;
    private readonly MemoryCache _memory;
    private readonly IOptions<ResultCacheOptions> _options;
    private readonly TimeProvider _clock;

    public ResultCache(IOptions<ResultCacheOptions> options, TimeProvider clock)
    {
        _options = options;
        _clock = clock;
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = (long)options.Value.SizeLimitMegabytes << 20 });
        _cache = new FusionCache(new FusionCacheOptions { CacheName = "query-results" }, _memory);
    }

    /// <summary>The window a source's results are served for; zero when its cache is off.</summary>
    public TimeSpan FreshnessFor(DataSource source) => source.ResultFreshness ?? TimeSpan.FromSeconds(_options.Value.FreshnessSeconds);

    /// <summary>
    /// The stored result of <paramref name="sql"/> when one is fresh enough, else runs <paramref name="run"/> and
    /// keeps what it returns. <see cref="QueryResult.FromCache"/> says which; <see cref="QueryResult.DataAsOf"/> says when the rows were read.
    /// </summary>
    public async Task<QueryResult> GetOrRunAsync(DataSource source, string sql, QueryLimits limits, Func<CancellationToken, Task<QueryResult>> run, CancellationToken cancellationToken)
    {
        var freshness = FreshnessFor(source);
        if (freshness <= TimeSpan.Zero)
            return await RunFreshAsync(run, cancellationToken);
        var ranHere = false;
        var result = await _cache.GetOrSetAsync<QueryResult>(Key(source, sql, limits), async (context, token) =>
        {
            ranHere = true;
            var fresh = await RunFreshAsync(run, token);
            context.Options.SetSize(EstimatedBytes(fresh));
            return fresh;
        }, MaybeValue<QueryResult>.None, new FusionCacheEntryOptions(freshness), [Tag(source)], cancellationToken);
        return ranHere ? result : result with { FromCache = true };
    }

    /// <summary>
    /// Runs <paramref name="run"/> whatever is stored (a refresh button) and keeps what it returns in place of the stored
    /// result, so the next reader within the window gets these rows rather than the older ones.
    /// </summary>
    public async Task<QueryResult> RefreshAsync(DataSource source, string sql, QueryLimits limits, Func<CancellationToken, Task<QueryResult>> run, CancellationToken cancellationToken)
    {
        var fresh = await RunFreshAsync(run, cancellationToken);
        var freshness = FreshnessFor(source);
        if (freshness > TimeSpan.Zero)
            await _cache.SetAsync(Key(source, sql, limits), fresh, new FusionCacheEntryOptions(freshness) { Size = EstimatedBytes(fresh) }, [Tag(source)], cancellationToken);
        return fresh;
    }

    /// <summary>Whether a fresh result of <paramref name="sql"/> is stored (so it parsed and ran as this source's role).</summary>
    public bool Holds(DataSource source, string sql, QueryLimits limits) =>
        FreshnessFor(source) > TimeSpan.Zero && _cache.TryGet<QueryResult>(Key(source, sql, limits)).HasValue;

    /// <summary>Drops every stored result of the source: its tables may have changed.</summary>
    public void CatalogRefreshed(DataSource source) => _cache.RemoveByTag(Tag(source));

    public void Dispose()
    {
        _cache.Dispose();
        _memory.Dispose();
    }

    private async Task<QueryResult> RunFreshAsync(Func<CancellationToken, Task<QueryResult>> run, CancellationToken cancellationToken)
    {
        var readAt = _clock.GetUtcNow();
        var result = await run(cancellationToken);
        return result with { DataAsOf = readAt, FromCache = false };
    }

    private static string Tag(DataSource source) => "source:" + source.Name;

    private static string Key(DataSource source, string sql, QueryLimits limits)
    {
        var text = string.Join('\n', source.Name, source.QueryConnectionString, limits.MaxRows.ToString(System.Globalization.CultureInfo.InvariantCulture), sql);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>A rough size in bytes: what a value takes in memory, plus the arrays around the rows.</summary>
    internal static long EstimatedBytes(QueryResult result)
    {
        long bytes = 256 + result.Columns.Sum(c => 64 + 2 * (c.Name.Length + c.DataType.Length));
        foreach (var row in result.Rows)
        {
            bytes += 32 + 8 * row.Length;
            foreach (var value in row)
                bytes += value switch
                {
                    null => 0,
                    string s => 24 + 2 * s.Length,
                    byte[] b => 24 + b.Length,
                    _ => 24,
                };
        }
        return bytes;
    }
}
