using NlAnalytics.Core.Execution;
using Xunit.Abstractions;

namespace NlAnalytics.Tests.Execution;

[CollectionDefinition(nameof(MemoryMeasurements), DisableParallelization = true)]
public sealed class MemoryMeasurements;

/// <summary>
/// Huge results must leave the app's memory flat. Measured alone (no other test running in parallel) by
/// sampling the managed heap while the query runs; an unbounded read of these results would need gigabytes.
/// </summary>
[Collection(nameof(MemoryMeasurements))]
public sealed class ResourceBoundsTests(ExecutionDatabase db, ITestOutputHelper output) : IClassFixture<ExecutionDatabase>
{
    private const long AllowedGrowthBytes = 150L * 1024 * 1024;

    [Fact]
    public async Task A_huge_streamed_result_stops_at_the_row_cap_with_flat_memory_and_the_server_stops_too()
    {
        var limits = new QueryLimits(MaxRows: 5000, Timeout: TimeSpan.FromSeconds(20));
        var (result, growth) = await MeasureAsync(() => db.Executor.ExecuteAsync(db.Source,
            "SELECT generate_series(1, 1e9) AS g, repeat('x', 2000) AS pad", limits, default));

        Assert.True(result.Truncated);
        Assert.Equal(5000, result.Rows.Count);
        Assert.InRange(growth, long.MinValue, AllowedGrowthBytes);
        // The cancel reached the server: the query is not still producing rows nobody reads.
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(30), $"took {result.Elapsed}");
        Assert.Equal(0, await db.CountAsync($"SELECT count(*) FROM pg_stat_activity WHERE usename = '{db.Role.RoleName}' AND state = 'active'"));
    }

    [Fact]
    public async Task A_large_row_cap_is_still_bounded_by_the_result_size_budget()
    {
        var limits = new QueryLimits(MaxRows: 10_000_000, Timeout: TimeSpan.FromSeconds(30));
        var (result, growth) = await MeasureAsync(() => db.Executor.ExecuteAsync(db.Source,
            "SELECT generate_series(1, 1e9) AS g, repeat('x', 4000) AS pad", limits, default));

        Assert.True(result.Truncated);
        Assert.InRange(result.Rows.Count, 1000, 10_000);
        Assert.InRange(growth, long.MinValue, 2 * SqlExecutor.MaxResultChars * 2);
    }

    [Fact]
    public async Task A_three_way_cross_join_times_out_with_flat_memory()
    {
        var (failure, growth) = await MeasureAsync(async () =>
            (await Assert.ThrowsAsync<SqlExecutionException>(() => db.Executor.ExecuteAsync(db.Source,
                "SELECT a.v, b.v, c.v FROM t a CROSS JOIN t b CROSS JOIN t c ORDER BY a.v || b.v || c.v DESC", db.Limits, default))).Failure);

        Assert.Equal(SqlFailureKind.Timeout, failure.Kind);
        Assert.InRange(growth, long.MinValue, AllowedGrowthBytes);
    }

    [Fact]
    public async Task A_multi_megabyte_value_is_cut_without_being_read_whole()
    {
        var (result, growth) = await MeasureAsync(() => db.Executor.ExecuteAsync(db.Source, "SELECT repeat('x', 30000000) AS big", db.Limits with { Timeout = TimeSpan.FromSeconds(30) }, default));
        output.WriteLine($"elapsed {result.Elapsed.TotalMilliseconds:F0} ms");

        Assert.EndsWith(SqlExecutor.ValueCutMarker, (string)result.Rows[0][0]!);
        // Read whole, the value alone would be 60 MB of UTF-16.
        Assert.InRange(growth, long.MinValue, 30L * 1024 * 1024);
    }

    private async Task<(T Result, long PeakGrowth)> MeasureAsync<T>(Func<Task<T>> action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(10);
            }
        });
        var result = await action();
        peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
        await done.CancelAsync();
        await sampler;
        var growth = peak - baseline;
        output.WriteLine($"baseline {baseline / 1048576.0:F1} MiB, peak {peak / 1048576.0:F1} MiB, growth {growth / 1048576.0:F1} MiB");
        return (result, growth);
    }
}
