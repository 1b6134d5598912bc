using Microsoft.Extensions.Logging.Abstractions;
using NlAnalytics.Core.Hosting;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Hosting;

public sealed class PostgresTuningTests : IAsyncLifetime
{
    private const long GiB = 1L << 30;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"nla-tuned-{Guid.NewGuid():N}"[..22]);

    [Fact]
    public void This_projects_machines_2_cores_and_24_GiB_get_memory_parallelism_and_connections_for_analytics()
    {
        var tuning = PostgresTuning.For(24 * GiB, 2);

        Assert.Equal("240", tuning["max_connections"]);        // two pools of 100 and 40 more
        Assert.Equal("3072MB", tuning["shared_buffers"]);      // an eighth
        Assert.Equal("12288MB", tuning["effective_cache_size"]); // a half
        Assert.Equal("25MB", tuning["work_mem"]);              // 6 GiB over 240 connections
        Assert.Equal("768MB", tuning["maintenance_work_mem"]);
        Assert.Equal("2", tuning["max_parallel_workers"]);
        Assert.Equal("1", tuning["max_parallel_workers_per_gather"]);
        Assert.Equal("off", tuning["jit"]);
    }

    [Fact]
    public void A_small_machine_keeps_the_floors_and_a_large_one_the_caps()
    {
        var small = PostgresTuning.For(2 * GiB, 1);
        var large = PostgresTuning.For(256 * GiB, 32);

        Assert.Equal("256MB", small["shared_buffers"]);
        Assert.Equal("4MB", small["work_mem"]);
        Assert.Equal("1", small["max_parallel_workers_per_gather"]);
        Assert.Equal("4096MB", large["shared_buffers"]);
        Assert.Equal("64MB", large["work_mem"]);
        Assert.Equal("16", large["max_parallel_workers_per_gather"]);
        Assert.Equal("34", large["max_worker_processes"]);
    }

    [Fact]
    public async Task The_embedded_cluster_runs_with_the_settings_and_without_them_when_asked()
    {
        var expected = PostgresTuning.ForThisMachine();
        await using (var tuned = new PostgresCluster(new EmbeddedPostgresOptions { DataDirectory = _directory, Port = 0 }, NullLogger<PostgresCluster>.Instance))
        {
            await tuned.StartAsync();
            Assert.Equal("240", await Sql.ScalarAsync(tuned.ConnectionString(), "SHOW max_connections"));
            Assert.Equal("off", await Sql.ScalarAsync(tuned.ConnectionString(), "SHOW jit"));
            Assert.Equal("1000", await Sql.ScalarAsync(tuned.ConnectionString(), "SHOW default_statistics_target"));
            Assert.Equal(expected["work_mem"], await Sql.ScalarAsync(tuned.ConnectionString(), "SHOW work_mem"));
            await tuned.StopAsync();
        }

        await using var plain = new PostgresCluster(new EmbeddedPostgresOptions { DataDirectory = _directory, Port = 0, Tune = false }, NullLogger<PostgresCluster>.Instance);
        await plain.StartAsync();
        Assert.Equal("100", await Sql.ScalarAsync(plain.ConnectionString(), "SHOW max_connections"));
        Assert.Equal("on", await Sql.ScalarAsync(plain.ConnectionString(), "SHOW jit"));
        await plain.StopAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }
}
