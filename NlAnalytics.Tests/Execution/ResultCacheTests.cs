using Microsoft.Extensions.Options;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Tests.Execution;

/// <summary>The result cache in front of a query run (here a counted function standing in for the executor).</summary>
public sealed class ResultCacheTests : IDisposable
{
    private static readonly QueryLimits Limits = new(MaxRows: 100);
    private static readonly DataSource Shop = new("shop", "Shop", "Host=db;Database=shop;Username=reader", null, ["public"]);

    private readonly ResultCache _cache = new(Options.Create(new ResultCacheOptions()), TimeProvider.System);
    private int _runs;

    public void Dispose() => _cache.Dispose();

    private Task<QueryResult> Run(CancellationToken _)
    {
        var run = Interlocked.Increment(ref _runs);
        return Task.FromResult(new QueryResult([new ResultColumn("run", "integer")], [[run]], false, TimeSpan.FromMilliseconds(40)));
    }

    private Task<QueryResult> AskAsync(DataSource source, string sql, QueryLimits? limits = null) =>
        _cache.GetOrRunAsync(source, sql, limits ?? Limits, Run, CancellationToken.None);

    [Fact]
    public async Task The_same_sql_on_the_same_source_is_answered_from_the_cache_with_the_time_its_rows_were_read()
    {
        var first = await AskAsync(Shop, "SELECT count(*) FROM orders");
        var second = await AskAsync(Shop, "SELECT count(*) FROM orders");

        Assert.Equal(1, _runs);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(1, second.Rows[0][0]);
        Assert.NotNull(first.DataAsOf);
        Assert.Equal(first.DataAsOf, second.DataAsOf);
    }

    [Fact]
    public async Task Other_sql_another_row_cap_or_another_login_never_share_an_entry()
    {
        await AskAsync(Shop, "SELECT count(*) FROM orders");
        await AskAsync(Shop, "SELECT count(*) FROM customers");
        await AskAsync(Shop, "SELECT count(*) FROM orders", new QueryLimits(MaxRows: 10));
        // Same name, another role (other rights): its own entry.
        await AskAsync(Shop with { QueryConnectionString = "Host=db;Database=shop;Username=regional_reader" }, "SELECT count(*) FROM orders");

        Assert.Equal(4, _runs);
    }

    [Fact]
    public async Task A_window_of_zero_turns_the_cache_off_for_that_source()
    {
        var uncached = Shop with { Name = "live", ResultFreshness = TimeSpan.Zero };

        await AskAsync(uncached, "SELECT 1");
        var again = await AskAsync(uncached, "SELECT 1");

        Assert.Equal(2, _runs);
        Assert.False(again.FromCache);
        Assert.NotNull(again.DataAsOf);
    }

    [Fact]
    public async Task A_catalog_refresh_drops_the_sources_results_and_only_its_own()
    {
        var other = Shop with { Name = "warehouse" };
        await AskAsync(Shop, "SELECT 1");
        await AskAsync(other, "SELECT 1");

        _cache.CatalogRefreshed(Shop);
        var shopAgain = await AskAsync(Shop, "SELECT 1");
        var otherAgain = await AskAsync(other, "SELECT 1");

        Assert.Equal(3, _runs);
        Assert.False(shopAgain.FromCache);
        Assert.True(otherAgain.FromCache);
    }

    [Fact]
    public async Task A_failed_query_is_not_kept()
    {
        await Assert.ThrowsAsync<SqlExecutionException>(() => _cache.GetOrRunAsync(Shop, "SELECT broken", Limits,
            _ => throw new SqlExecutionException(new SqlFailure(SqlFailureKind.Timeout, "The query took too long.")), CancellationToken.None));

        var retried = await AskAsync(Shop, "SELECT broken");

        Assert.Equal(1, _runs);
        Assert.False(retried.FromCache);
    }

    [Fact]
    public async Task Many_analysts_asking_the_same_uncached_query_at_once_wait_for_one_run()
    {
        var release = new TaskCompletionSource();
        var slowRuns = 0;
        async Task<QueryResult> Slow(CancellationToken token)
        {
            Interlocked.Increment(ref slowRuns);
            await release.Task.WaitAsync(token);
            return new QueryResult([new ResultColumn("n", "integer")], [[7]], false, TimeSpan.FromSeconds(1));
        }

        var asking = Enumerable.Range(0, 20).Select(_ => _cache.GetOrRunAsync(Shop, "SELECT slow()", Limits, Slow, CancellationToken.None)).ToList();
        release.SetResult();
        var results = await Task.WhenAll(asking);

        Assert.Equal(1, slowRuns);
        Assert.All(results, r => Assert.Equal(7, r.Rows[0][0]));
        Assert.Equal(19, results.Count(r => r.FromCache));
    }
}
